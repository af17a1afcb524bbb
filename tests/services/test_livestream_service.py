"""The livestream service on a real broker and database: posts, moderation, upvotes, reactions."""
import pytest
from nameko.events import event_handler
from nameko.testing.services import entrypoint_waiter

from services.livestream.service import LivestreamService
from shared.errors import NotFound, RateLimited, Refused
from shared.events import LiveCommentModerated
from tests.services.helpers import call, call_concurrently, counter_totals


class ModerationListener:
    name = "moderation_listener"
    received: list[dict] = []

    @event_handler(LiveCommentModerated.SOURCE, LiveCommentModerated.NAME)
    def on_moderated(self, payload: dict) -> None:
        self.received.append(payload)


@pytest.fixture
def live(container_factory, config):
    container = container_factory(LivestreamService, config)
    container.start()
    return container


def post(live, kind="comment", viewer="viewer-0001", text="Xin chào", name="Mai"):
    return call(live, "post", kind=kind, viewer_id=viewer, name=name, text=text)


def test_a_comment_shows_at_once_unless_approval_is_on(live):
    assert post(live)["status"] == "visible"
    call(live, "save_settings", settings={"comments_require_approval": True})
    held = post(live, viewer="viewer-0002")
    assert held["status"] == "pending"
    assert [c["id"] for c in call(live, "feed")["comments"]] != [held["id"]]
    assert counter_totals(call(live, "stats"))["live_comments_total"] == 2


def test_a_listed_word_holds_the_post_and_viewers_never_see_the_list(live):
    call(live, "save_settings", settings={"blocked_words": ["đồ ngốc"]})
    held = post(live, text="Đồ NGỐC")
    assert held["status"] == "pending"
    feed = call(live, "feed")
    assert feed["comments"] == [] and "blocked_words" not in feed["settings"]
    assert call(live, "posts", status="pending")[0]["flagged"] is True


def test_a_viewer_posting_too_fast_is_told_how_long_to_wait(live):
    post(live)
    with pytest.raises(RateLimited) as caught:
        post(live, text="again")
    assert 1 <= caught.value.retry_after_seconds <= 5
    assert post(live, viewer="viewer-0002")["status"] == "visible"


@pytest.mark.parametrize(("first", "then"), [("comment", "question"), ("question", "comment")])
def test_comments_and_questions_have_separate_limits(live, first, then):
    post(live, kind=first)
    assert post(live, kind=then, text="ngay sau đó")["status"] == "visible"
    with pytest.raises(RateLimited):
        post(live, kind=then, text="lần nữa")
    totals = counter_totals(call(live, "stats"))
    assert (totals["live_comments_total"], totals["live_questions_total"]) == (1, 1)


def test_hiding_a_post_announces_it_so_every_screen_drops_it(live, container_factory, config):
    ModerationListener.received = []
    listener = container_factory(ModerationListener, config)
    listener.start()
    comment = post(live)
    with entrypoint_waiter(listener, "on_moderated"):
        call(live, "moderate", post_id=comment["id"], action="hide")
    assert ModerationListener.received[0]["id"] == comment["id"]
    assert ModerationListener.received[0]["status"] == "hidden"
    assert call(live, "feed")["comments"] == []
    with pytest.raises(NotFound):
        call(live, "moderate", post_id="nope", action="hide")


def test_a_viewer_cannot_upvote_their_own_question(live):
    question = post(live, kind="question", text="Chữ ký số là gì?")
    with pytest.raises(Refused) as caught:
        call(live, "upvote", question_id=question["id"], viewer_id="viewer-0001")
    assert caught.value.args == ("own_question",)
    call(live, "upvote", question_id=question["id"], viewer_id="viewer-0002")
    assert call(live, "feed")["questions"][0]["upvotes"] == 1


def test_a_hidden_post_is_no_longer_pinned(live):
    comment = post(live)
    assert call(live, "moderate", post_id=comment["id"], action="pin")["pinned"] is True
    hidden = call(live, "moderate", post_id=comment["id"], action="hide")
    assert (hidden["status"], hidden["pinned"]) == ("hidden", False)
    assert call(live, "moderate", post_id=comment["id"], action="approve")["pinned"] is False


def test_each_viewer_upvotes_a_question_once(live):
    question = post(live, kind="question", text="Chữ ký số là gì?")
    for viewer in ("viewer-0002", "viewer-0003", "viewer-0002"):
        call(live, "upvote", question_id=question["id"], viewer_id=viewer)
    assert call(live, "feed")["questions"][0]["upvotes"] == 2
    call(live, "moderate", post_id=question["id"], action="answered")
    assert call(live, "feed")["questions"][0]["answered"] is True


def test_reaction_batches_count_exactly_once_even_when_retried(live, config):
    batches = [{"batch_id": f"batch-{i % 40}", "counts": {"like": 3, "clap": 1}} for i in range(80)]
    results = call_concurrently(config, "livestream", "add_reactions", 80, lambda i: batches[i])
    assert sum(results) == 40
    counters = counter_totals(call(live, "stats"))
    assert counters["live_reactions_total"] == 160
    assert counters["live_reactions_by_kind"] == {"like": 120, "clap": 40}


def test_viewers_now_sums_every_gateway_and_the_peak_stays(live):
    call(live, "report_viewers", gateway_id="gw-a", viewers=120)
    assert call(live, "report_viewers", gateway_id="gw-b", viewers=80) == {"now": 200, "peak": 200}
    assert call(live, "report_viewers", gateway_id="gw-a", viewers=20) == {"now": 100, "peak": 200}
    assert call(live, "stats")["gauges"] == {"live_viewers_now": 100, "live_viewers_peak": 200}
