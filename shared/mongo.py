"""Mongo access shared by the services: one client per container, counters with positions."""
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar, cast

from nameko.extensions import DependencyProvider
from pymongo import MongoClient, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from shared.errors import ServiceUnavailable
from shared.events import Deltas
from shared.stats import flatten, split_least

T = TypeVar("T")
log = logging.getLogger(__name__)

# How long a request waits for an unreachable database before the user is told to retry.
SERVER_SELECTION_TIMEOUT_MS = 3000
DB_DOWN_ERRORS = (ServerSelectionTimeoutError, ConnectionFailure, AutoReconnect)
STATS_COLLECTION = "stats"
DUPLICATE_KEY = 11000
COUNTER_SHARDS = 32
# How long write conflicts (many writers on one counter) are retried before giving up.
TRANSACTION_RETRY_SECONDS = 5.0


def connect(url: str) -> MongoClient[dict[str, Any]]:
    """A client for the embedded SecantusDB (a single node) or a real mongod."""
    lowered = url.lower()  # URI options are case-insensitive
    hosts = lowered.split("://", 1)[-1].split("/", 1)[0]
    options = ("directconnection", "replicaset", "+srv")
    single_node = "," not in hosts and not any(option in lowered for option in options)
    if single_node:
        return MongoClient(url, serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS, tz_aware=True,
                           directConnection=True)
    return MongoClient(url, serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS, tz_aware=True)


def _retryable(exc: PyMongoError, label: str, deadline: float) -> bool:
    return exc.has_error_label(label) and not isinstance(exc, DB_DOWN_ERRORS) and time.monotonic() < deadline


class MongoRepository:
    """Base for a service's storage: the database plus transactional helpers."""

    def __init__(self, client: MongoClient[dict[str, Any]], db: Database[dict[str, Any]]):
        self.client = client
        self.db = db

    def guard(self, work: Callable[[], T]) -> T:
        """Run one read or write; a database that does not answer is ServiceUnavailable."""
        try:
            return work()
        except DB_DOWN_ERRORS as exc:
            raise ServiceUnavailable("database unreachable") from exc

    def insert_new(self, collection: str, docs: list[dict[str, Any]]) -> None:
        """One insert_many; a document stored already (same id or unique key) is dropped, not an error."""
        if not docs:
            return
        try:
            self.guard(partial(self.db[collection].insert_many, docs, ordered=False))
        except BulkWriteError as error:
            if any(failure["code"] != DUPLICATE_KEY for failure in error.details["writeErrors"]):
                raise

    def in_transaction(self, work: Callable[[ClientSession], T]) -> T:
        """Run `work` in a transaction, retrying write conflicts briefly.

        Unlike pymongo's with_transaction (which retries for two minutes), a database that
        does not answer fails at once as ServiceUnavailable, so the user hears "try again"
        while the request is still theirs.
        """
        deadline = time.monotonic() + TRANSACTION_RETRY_SECONDS
        try:
            with self.client.start_session() as session:
                while True:
                    session.start_transaction()
                    try:
                        result = work(session)
                    except PyMongoError as exc:
                        session.abort_transaction()
                        if _retryable(exc, "TransientTransactionError", deadline):
                            continue
                        raise
                    if self._commit(session, deadline):
                        return result
        except DB_DOWN_ERRORS as exc:
            raise ServiceUnavailable("database unreachable") from exc

    @staticmethod
    def _commit(session: ClientSession, deadline: float) -> bool:
        """True once committed; False when the whole transaction must run again."""
        while True:
            try:
                session.commit_transaction()
                return True
            except PyMongoError as exc:
                # Committing again is safe: the server applies a transaction's commit once.
                if _retryable(exc, "UnknownTransactionCommitResult", deadline):
                    continue
                if _retryable(exc, "TransientTransactionError", deadline):
                    return False
                raise

    def bump_counters(self, source: str, deltas: Deltas, session: ClientSession) -> tuple[str, int]:
        """Apply counter deltas to one of the source's shards: (its stream, the change's position).

        Spreading writers over shards keeps concurrent transactions off one hot document.
        """
        stream = f"{source}/{random.randrange(COUNTER_SHARDS)}"
        doc = self.db[STATS_COLLECTION].find_one_and_update(
            {"_id": stream}, {"$inc": {"seq": 1, **flatten(deltas)}}, upsert=True,
            return_document=ReturnDocument.AFTER, session=session,
        )
        assert doc is not None  # upserted
        return stream, int(doc["seq"])

    def counted_position(self, stream: str) -> int:
        """How many changes a counter stream has counted (0 before its first)."""
        doc = self.guard(lambda: self.db[STATS_COLLECTION].find_one({"_id": stream}, {"seq": 1}))
        return int(doc["seq"]) if doc else 0

    def count_after(self, stream: str, position: int, deltas: Deltas) -> bool:
        """Apply deltas as the stream's change after `position`, without a transaction: one conditional update,
        so it is applied at most once. False if the stream is past `position` (that change is counted).
        Record counters (the fastest time) keep the least value."""
        sums, least = split_least(deltas)
        change: dict[str, Any] = {"$set": {"seq": position + 1}}
        if sums:
            change["$inc"] = flatten(sums)
        if least:
            change["$min"] = flatten(least)
        try:
            moved = self.guard(partial(self.db[STATS_COLLECTION].update_one, {"_id": stream, "seq": position}, change,
                                       upsert=position == 0))
        except DuplicateKeyError:  # the first change, counted already
            return False
        return bool(moved.modified_count or moved.upserted_id is not None)

    def read_counters(self, source: str, names: tuple[str, ...]) -> dict[str, Any]:
        """Every shard's counters with the position it reflects, and the source's gauges."""
        shards = [f"{source}/{shard}" for shard in range(COUNTER_SHARDS)]
        docs = self.guard(lambda: list(self.db[STATS_COLLECTION].find({"_id": {"$in": [*shards, gauges_id(source)]}})))
        streams, gauges = {}, {}
        for doc in docs:
            counters = {n: v for n, v in doc.get("counters", {}).items() if n in names}
            if doc["_id"] == gauges_id(source):
                gauges = counters
            else:
                streams[doc["_id"]] = {"seq": doc["seq"], "counters": counters}
        return {"streams": streams, "gauges": gauges}


def writer_stream(source: str) -> str:
    """The counter shard a source's batch writer owns: one writer at a time (a single active consumer)
    numbers its batches there in order, with no transaction to spread over shards."""
    return f"{source}/0"


def gauges_id(source: str) -> str:
    """The stats document holding a source's gauges (set, not added up; no position)."""
    return f"{source}:gauges"


class _Unreachable:
    """Stands in for a repository whose indexes could not be made yet: any use answers 503."""

    def __getattr__(self, name: str) -> Any:
        raise ServiceUnavailable("database unreachable")


class MongoProvider(DependencyProvider):
    """Owns one MongoClient per container and hands workers a repository over it."""

    repository_class: type[MongoRepository] = MongoRepository

    def setup(self) -> None:
        config = self.container.config
        self.client = connect(config["MONGO_URL"])
        self.repository = self.repository_class(self.client, self.client[config["MONGO_DB"]])

    def start(self) -> None:
        self._prepared = False
        try:
            self._ensure_prepared()
        except ServiceUnavailable:
            log.warning("database unreachable at start; indexes will be created when it answers")

    def prepare(self, repository: MongoRepository) -> None:
        """Create indexes; subclasses override. Runs once when the container starts."""

    def stop(self) -> None:
        self.client.close()

    def kill(self) -> None:
        self.client.close()

    def get_dependency(self, worker_ctx: Any) -> MongoRepository:
        """The repository; while the database has not answered yet, a stand-in that says "try again"
        on first use. Raising here instead would kill the whole container, not answer the caller."""
        try:
            self._ensure_prepared()
        except ServiceUnavailable:
            return cast(MongoRepository, _Unreachable())
        return self.repository

    def _ensure_prepared(self) -> None:
        """Indexes are part of correctness (uniqueness): no request runs before they exist."""
        if self._prepared:
            return
        try:
            self.prepare(self.repository)
        except DB_DOWN_ERRORS as exc:
            raise ServiceUnavailable("database unreachable") from exc
        self._prepared = True


def mongo_now() -> datetime:
    """Now, to Mongo's millisecond precision, so what a service returns equals what it re-reads."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
