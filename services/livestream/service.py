"""Livestream interaction service: reactions, comments and questions for the MC, moderation."""
from datetime import timedelta

from nameko.rpc import rpc

from services.livestream.logic import (
    ACTIONS,
    VIEWER_ID,
    contains_blocked,
    poster_tag,
    retry_after,
    validate_post,
    validate_reactions,
    validate_settings,
)
from services.livestream.storage import LiveStore
from shared.entrypoints import CountersAndHealth, KeepsPersonalData
from shared.errors import RateLimited, ValidationFailed
from shared.events import (
    LiveComment,
    LiveCommentModerated,
    LivePost,
    LiveQuestionUpvoted,
    LiveReaction,
    LiveViewers,
    Source,
)
from shared.mongo import mongo_now
from shared.numbers import is_whole_number
from shared.privacy import Person
from shared.publishing import EventPublisher

BATCH_ID_MAX = 64
FEED_LIMIT = 50


def _public(post: dict) -> dict:
    return LivePost(**post).model_dump(mode="json")


class LivestreamService(CountersAndHealth, KeepsPersonalData):
    name = Source.LIVESTREAM.value

    store = LiveStore()
    publish = EventPublisher()

    @rpc
    def post(self, kind: str, viewer_id: str, name: str, text: str) -> dict:
        """A viewer's comment or question: shown at once, or held for a moderator."""
        new = validate_post(kind, viewer_id, name, text)
        now = mongo_now()
        wait = retry_after(new.kind, self.store.recent_posts(new.viewer_id, now - timedelta(minutes=1)), now)
        if wait:
            raise RateLimited(wait)
        settings = self.store.settings()
        post = self.store.add_post(new, contains_blocked(new.text + " " + new.name, settings["blocked_words"]),
                                   settings["comments_require_approval"], now)
        event = LiveComment(**post)
        self.publish(event)
        return event.model_dump(mode="json", exclude={"seq"})

    @rpc
    def moderate(self, post_id: str, action: str) -> dict:
        if action not in ACTIONS:
            raise ValidationFailed({"action": "unknown_action"})
        post = LiveCommentModerated(**self.store.moderate(str(post_id), action))
        self.publish(post)
        return post.model_dump(mode="json")

    @rpc
    def upvote(self, question_id: str, viewer_id: str) -> dict:
        """One upvote per viewer and question; a viewer's own question is refused (Refused own_question)."""
        if not isinstance(viewer_id, str) or not VIEWER_ID.fullmatch(viewer_id):
            raise ValidationFailed({"viewer_id": "invalid_viewer_id"})
        question = self.store.upvote(str(question_id), viewer_id)
        if question.pop("counted"):
            self.publish(LiveQuestionUpvoted(id=question["id"], upvotes=question["upvotes"]))
        return LiveCommentModerated(**question).model_dump(mode="json")

    @rpc
    def add_reactions(self, batch_id: str, counts: dict) -> bool:
        """Count a gateway's summed taps once; False when this batch id was already counted."""
        if not isinstance(batch_id, str) or not 0 < len(batch_id) <= BATCH_ID_MAX:
            raise ValidationFailed({"batch_id": "invalid_batch_id"})
        clean = validate_reactions(counts)
        if not clean:
            return False
        payload = self.store.add_reactions(batch_id, clean, mongo_now())
        if payload:
            self.publish(LiveReaction(**payload))
        return payload is not None

    @rpc
    def report_viewers(self, gateway_id: str, viewers: int) -> dict:
        """One gateway's open viewer sockets; answers the total over every gateway and the peak."""
        if not is_whole_number(viewers, 0, 10_000_000):
            raise ValidationFailed({"viewers": "invalid_number"})
        now_total, peak = self.store.report_viewers(str(gateway_id)[:64], viewers, mongo_now())
        gauge = LiveViewers(now=now_total, peak=peak)
        self.publish(gauge)
        return gauge.model_dump()

    @rpc
    def feed(self) -> dict:
        feed = self.store.feed(FEED_LIMIT)
        return {kind: [_public(post) for post in posts] for kind, posts in feed.items()} | {
            "settings": self._public_settings()}

    @rpc
    def posts(self, status: str | None = None, limit: int = 200) -> list[dict]:
        """Every post for the moderators, newest first, with the ones a listed word held."""
        posts = self.store.posts(status if isinstance(status, str) else None, max(1, min(int(limit), 1000)))
        return [_public(post) | {"flagged": post["flagged"], "poster": poster_tag(post["viewer_id"])} for post in posts]

    @rpc
    def settings(self) -> dict:
        return self.store.settings()

    @rpc
    def save_settings(self, settings: dict) -> dict:
        if not isinstance(settings, dict):
            raise ValidationFailed({"settings": "not_text"})
        return self.store.save_settings(validate_settings(settings))

    def _public_settings(self) -> dict:
        """What viewers may know: the stream, not the word list."""
        settings = self.store.settings()
        return {"stream_url": settings["stream_url"]}

    def held(self, person: Person) -> dict:
        return {"posts": self.store.held(person.viewer_id) if person.viewer_id else []}

    def forget(self, person: Person | None) -> None:
        if person is None:
            self.store.forget(None)
        elif person.viewer_id:
            for post in self.store.forget(person.viewer_id):  # open screens drop them, as after a hide
                self.publish(LiveCommentModerated(**post))
