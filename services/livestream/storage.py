"""The livestream service's collections: posts (comments and questions), upvotes, reaction
batches, settings, and each gateway's count of open viewer sockets."""
import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError

from services.livestream.logic import ACTIONS, HIDDEN, QUESTION, VISIBLE, NewPost, initial_status, upvote_refusal
from shared.errors import NotFound, Refused
from shared.events import LiveComment, LiveReaction, Source
from shared.mongo import MongoProvider, MongoRepository, gauges_id
from shared.privacy import PSEUDONYM
from shared.stats import COUNTERS

POSTS, UPVOTES, BATCHES, SETTINGS, GAUGES, STATS = (
    "posts", "upvotes", "reaction_batches", "settings", "viewer_gauges", "stats")
DEFAULT_SETTINGS = {"stream_url": "", "comments_require_approval": False, "blocked_words": []}
# A gateway that stopped reporting no longer counts towards viewers now.
GAUGE_FRESH_FOR = timedelta(seconds=10)
_POST_FIELDS = {"_id": 0, "id": 1, "kind": 1, "name": 1, "text": 1, "status": 1, "pinned": 1,
                "answered": 1, "upvotes": 1, "created_at": 1}


class LiveRepository(MongoRepository):
    def settings(self) -> dict[str, Any]:
        doc = self.guard(lambda: self.db[SETTINGS].find_one({"_id": "live"}, {"_id": 0})) or {}
        return {**DEFAULT_SETTINGS, **doc}

    def save_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        self.guard(lambda: self.db[SETTINGS].replace_one({"_id": "live"}, settings, upsert=True))
        return self.settings()

    def recent_posts(self, viewer_id: str, since: datetime) -> list[tuple[str, datetime]]:
        """The viewer's posts since then as (kind, time): what the rate limits weigh."""
        docs = self.guard(lambda: list(self.db[POSTS].find(
            {"viewer_id": viewer_id, "created_at": {"$gte": since}}, {"kind": 1, "created_at": 1})))
        return [(d["kind"], d["created_at"]) for d in docs]

    def add_post(self, post: NewPost, flagged: bool, require_approval: bool, now: datetime) -> dict:
        """Store a post and count it in one transaction; returns the event payload."""
        doc = {"id": uuid.uuid4().hex, "kind": post.kind, "viewer_id": post.viewer_id, "name": post.name,
               "text": post.text, "status": initial_status(flagged, require_approval), "flagged": flagged,
               "pinned": False, "answered": False, "upvotes": 0, "created_at": now}

        def insert(session) -> dict:
            self.db[POSTS].insert_one(dict(doc), session=session)
            doc["stream"], doc["seq"] = self.bump_counters(
                Source.LIVESTREAM, LiveComment.deltas(doc), session)
            return doc

        return self.in_transaction(insert)

    def moderate(self, post_id: str, action: str) -> dict:
        doc = self.guard(lambda: self.db[POSTS].find_one_and_update(
            {"id": post_id}, {"$set": ACTIONS[action]}, projection=_POST_FIELDS,
            return_document=ReturnDocument.AFTER))
        if doc is None:
            raise NotFound("post")
        return doc

    def upvote(self, question_id: str, viewer_id: str) -> dict:
        """One upvote per viewer and question, never on their own: a second one changes nothing."""
        question = self.guard(lambda: self.db[POSTS].find_one(
            {"id": question_id, "kind": QUESTION, "status": VISIBLE}, {**_POST_FIELDS, "viewer_id": 1}))
        if question is None:
            raise NotFound("question")
        refusal = upvote_refusal(question.pop("viewer_id"), viewer_id)
        if refusal:
            raise Refused(refusal)
        try:
            def vote(session: ClientSession) -> dict[str, Any]:
                self.db[UPVOTES].insert_one({"question_id": question_id, "viewer_id": viewer_id}, session=session)
                return cast(dict[str, Any], self.db[POSTS].find_one_and_update(
                    {"id": question_id}, {"$inc": {"upvotes": 1}}, projection=_POST_FIELDS,
                    return_document=ReturnDocument.AFTER, session=session))
            return self.in_transaction(vote) | {"counted": True}
        except DuplicateKeyError:
            return question | {"counted": False}

    def add_reactions(self, batch_id: str, counts: dict[str, int], now: datetime) -> dict | None:
        """Count a gateway's batch once (a retried batch id counts nothing); the event payload or None."""
        def insert(session) -> dict:
            self.db[BATCHES].insert_one({"_id": batch_id, "counts": counts, "at": now}, session=session)
            payload: dict[str, Any] = {"batch_id": batch_id, "counts": counts}
            payload["stream"], payload["seq"] = self.bump_counters(
                Source.LIVESTREAM, LiveReaction.deltas(payload), session)
            return payload
        try:
            return self.in_transaction(insert)
        except DuplicateKeyError:
            return None

    def report_viewers(self, gateway_id: str, viewers: int, now: datetime) -> tuple[int, int]:
        """Record one gateway's open viewer sockets: (viewers now over all gateways, peak)."""
        def update() -> tuple[int, int]:
            self.db[GAUGES].replace_one({"_id": gateway_id}, {"viewers": viewers, "at": now}, upsert=True)
            fresh = self.db[GAUGES].find({"at": {"$gte": now - GAUGE_FRESH_FOR}}, {"viewers": 1})
            total = sum(doc["viewers"] for doc in fresh)
            stats = cast(dict[str, Any], self.db[STATS].find_one_and_update(
                {"_id": gauges_id(Source.LIVESTREAM)},
                {"$set": {"counters.live_viewers_now": total}, "$max": {"counters.live_viewers_peak": total}},
                upsert=True, return_document=ReturnDocument.AFTER))
            return total, stats["counters"]["live_viewers_peak"]
        return self.guard(update)

    def feed(self, limit: int) -> dict[str, list[dict]]:
        """What a viewer sees on arrival: recent comments, questions by upvotes, pinned first."""
        def read() -> dict[str, list[dict]]:
            visible = {"status": VISIBLE}
            comments = list(self.db[POSTS].find({**visible, "kind": "comment"}, _POST_FIELDS)
                            .sort("created_at", DESCENDING).limit(limit))
            questions = list(self.db[POSTS].find({**visible, "kind": QUESTION}, _POST_FIELDS)
                             .sort([("upvotes", DESCENDING), ("created_at", ASCENDING)]).limit(limit))
            return {"comments": comments[::-1], "questions": questions}
        return self.guard(read)

    def posts(self, status: str | None, limit: int) -> list[dict]:
        query = {"status": status} if status else {}
        fields = {**_POST_FIELDS, "flagged": 1, "viewer_id": 1}
        return self.guard(lambda: list(self.db[POSTS].find(query, fields).sort("created_at", DESCENDING)
                                        .limit(limit)))

    def held(self, viewer_id: str) -> list[dict]:
        """What one viewer (their phone's viewer id) posted."""
        return self.guard(lambda: list(self.db[POSTS].find(
            {"viewer_id": viewer_id}, {"_id": 0, "kind": 1, "name": 1, "text": 1, "status": 1, "created_at": 1})))

    def forget(self, viewer_id: str | None) -> list[dict]:
        """Names and words go from one viewer's posts (None: everyone's) and the posts leave the feed;
        the counts of posts, upvotes and reactions stay. Returns one viewer's posts as they are now,
        so screens open at this moment drop them."""
        query = {"viewer_id": viewer_id} if viewer_id else {}
        ids = [doc["id"] for doc in self.guard(lambda: list(self.db[POSTS].find(query, {"id": 1})))
               ] if viewer_id else []
        self.guard(lambda: self.db[POSTS].update_many(query, {
            "$set": {"name": PSEUDONYM, "text": "", "status": HIDDEN, "pinned": False},
            "$unset": {"viewer_id": ""}}))
        return self.guard(lambda: list(self.db[POSTS].find({"id": {"$in": ids}}, _POST_FIELDS))) if ids else []

    def counters(self) -> dict[str, Any]:
        return self.read_counters(Source.LIVESTREAM, COUNTERS[Source.LIVESTREAM])


class LiveStore(MongoProvider):
    repository_class = LiveRepository

    def prepare(self, repository: MongoRepository) -> None:
        db = repository.db
        db[POSTS].create_index([("id", ASCENDING)], unique=True)
        db[POSTS].create_index([("viewer_id", ASCENDING), ("created_at", ASCENDING)])
        db[POSTS].create_index([("status", ASCENDING), ("kind", ASCENDING), ("created_at", DESCENDING)])
        db[UPVOTES].create_index([("question_id", ASCENDING), ("viewer_id", ASCENDING)], unique=True)
