"""Livestream rules: posts, the organisers' word list, rate limits, stream links, reaction batches."""
import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from gateway.rpc import RpcUnavailable
from gateway.viewers import TAP_BURST, ReactionBatcher, TapLimiter
from services.livestream.logic import (
    contains_blocked,
    initial_status,
    poster_tag,
    retry_after,
    upvote_refusal,
    validate_post,
    validate_reactions,
    validate_settings,
    validate_stream_url,
)
from shared.errors import ValidationFailed

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_a_post_is_cleaned_and_bad_fields_are_named():
    post = validate_post("question", "viewer-0001", "  Páo ", " Chữ ký số   là gì? ")
    assert (post.name, post.text) == ("Páo", "Chữ ký số là gì?")
    with pytest.raises(ValidationFailed) as caught:
        validate_post("shout", "x", "", "y" * 301)
    assert caught.value.fields == {"kind": "unknown_kind", "viewer_id": "invalid_viewer_id", "name": "required",
                                   "text": "too_long"}
    with pytest.raises(ValidationFailed) as caught:
        validate_post("question", "viewer-0001", "An", "y" * 201)
    assert caught.value.fields == {"text": "too_long"}


@pytest.mark.parametrize("text", ["Đồ ngốc!", "đồ NGỐC", "do ngoc", "thật là đồ   ngốc quá"])
def test_listed_phrases_match_with_or_without_diacritics_and_in_any_case(text):
    assert contains_blocked(text, ["đồ ngốc"])


@pytest.mark.parametrize("text", ["Chào cả lớp", "đồ ngọt", "classic"])
def test_only_whole_listed_words_match(text):
    assert not contains_blocked(text, ["đồ ngốc", "ass", "lớ"])


def test_english_words_on_the_list_match_too():
    assert contains_blocked("You IDIOT", ["idiot"])


def test_a_listed_word_holds_the_post_for_a_moderator_whatever_the_setting():
    assert initial_status(flagged=True, require_approval=False) == "pending"
    assert initial_status(flagged=False, require_approval=True) == "pending"
    assert initial_status(flagged=False, require_approval=False) == "visible"


def test_a_viewer_waits_five_seconds_between_posts_of_a_kind_and_posts_five_a_minute():
    for kind in ("comment", "question"):
        assert retry_after(kind, [], NOW) is None
        assert retry_after(kind, [(kind, NOW - timedelta(seconds=2))], NOW) == 3
        assert retry_after(kind, [(kind, NOW - timedelta(seconds=6))], NOW) is None
        five = [(kind, NOW - timedelta(seconds=s)) for s in (50, 40, 30, 20, 10)]
        assert retry_after(kind, five, NOW) == 10


@pytest.mark.parametrize(("kind", "other"), [("question", "comment"), ("comment", "question")])
def test_comments_and_questions_have_separate_limits(kind, other):
    just_now = [(other, NOW - timedelta(seconds=1))]
    assert retry_after(kind, just_now, NOW) is None
    full_minute = [(other, NOW - timedelta(seconds=s)) for s in (50, 40, 30, 20, 10, 1)]
    assert retry_after(kind, full_minute, NOW) is None
    assert retry_after(kind, [*full_minute, (kind, NOW - timedelta(seconds=4))], NOW) == 1


def test_a_viewer_cannot_upvote_their_own_question():
    assert upvote_refusal("viewer-0001", "viewer-0001") == "own_question"
    assert upvote_refusal("viewer-0001", "viewer-0002") is None


def test_reaction_batches_take_known_kinds_and_whole_numbers_only():
    assert validate_reactions({"like": 3, "wow": 0}) == {"like": 3}
    for bad in ({"boo": 1}, {"like": -1}, {"like": 1.5}, {"like": True}, ["like"]):
        with pytest.raises(ValidationFailed):
            validate_reactions(bad)


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/embed/abc123", "https://www.facebook.com/plugins/video.php?href=x",
    "https://cdn.example.vn/live/stream.m3u8", ""])
def test_embeddable_stream_links_are_accepted(url):
    assert validate_stream_url(url) == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "http://www.youtube.com/embed/abc", "https://evil.example/embed/x",
    "https://www.youtube.com/watch?v=abc", "data:text/html,<script>"])
def test_other_stream_links_are_refused(url):
    with pytest.raises(ValidationFailed):
        validate_stream_url(url)


def test_settings_keep_a_clean_word_list():
    settings = validate_settings({"blocked_words": [" Đồ  ngốc ", "idiot", "idiot", ""]})
    assert settings["blocked_words"] == ["Đồ ngốc", "idiot"]
    with pytest.raises(ValidationFailed):
        validate_settings({"comments_require_approval": "yes"})


def test_a_viewer_tapping_like_mad_counts_at_most_the_burst_then_the_rate():
    limiter = TapLimiter(now=0.0)
    assert limiter.allow(1000, now=0.0) == TAP_BURST
    assert limiter.allow(1000, now=0.0) == 0
    assert limiter.allow(1000, now=1.0) == 10


class FlakyRpc:
    """Fails the first call, then records batches."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.fail_next = True

    async def call(self, service, method, **kwargs):
        self.calls.append((kwargs["batch_id"], kwargs["counts"]))
        if self.fail_next:
            self.fail_next = False
            raise RpcUnavailable("broker down")
        return True


def test_a_batch_that_failed_is_sent_again_with_the_same_id_and_new_taps_wait_their_turn():
    async def scenario():
        rpc = FlakyRpc()
        batcher = ReactionBatcher(rpc)
        batcher.add({"like": 3})
        await batcher.flush()  # fails
        batcher.add({"like": 2, "clap": 1})
        await batcher.flush()  # resends the first batch, same id
        await batcher.flush()  # then the new taps
        await batcher.flush()  # nothing left
        return rpc.calls

    calls = asyncio.run(scenario())
    assert [counts for _, counts in calls] == [{"like": 3}, {"like": 3}, {"like": 2, "clap": 1}]
    assert calls[0][0] == calls[1][0] != calls[2][0]


def test_moderators_see_one_tag_per_poster_and_never_the_id_that_proves_their_posts() -> None:
    first, second = "v" * 32, "w" * 32
    assert poster_tag(first) == poster_tag(first) != poster_tag(second)
    assert first not in poster_tag(first) and len(poster_tag(first)) == 8
