"""The quiz service's collections: the question bank, contests, entries and participants."""
import random
from datetime import datetime
from functools import partial
from typing import Any

from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.quiz.logic import (
    CANDIDATES_ADD,
    CANDIDATES_RESET,
    ELSEWHERE,
    EXPIRED,
    OPEN,
    RESUME,
    SUBMITTED,
    Question,
    Ranked,
    contest_open,
    entry_deadline,
    judge_submission,
    on_open_entry,
    participant_standing,
    prediction_settled,
    ranking,
    score_entry,
    shuffled,
)
from shared.cache import Recent
from shared.errors import NotFound, Refused
from shared.events import QuizEntrySubmitted, Source
from shared.mongo import COUNTER_SHARDS, STATS_COLLECTION, MongoProvider, MongoRepository, gauges_id
from shared.stats import COUNTERS, combine, flatten, split_least, zero

QUESTIONS, CONTESTS, ENTRIES, PARTICIPANTS = "questions", "contests", "entries", "participants"
LEADERBOARD_SIZE = 10
RECENT_SECONDS = 2.0
OPEN_RANKING_SECONDS, CLOSED_RANKING_SECONDS = 60.0, 3600.0


class QuizRepository(MongoRepository):
    def __init__(self, client: MongoClient, db: Database):
        super().__init__(client, db)
        # Every entry start reads the bank and its contest; organisers change them before the day.
        self._recent: Recent[Any] = Recent(RECENT_SECONDS)
        # A ranking file is read page after page, each page from the same ranking (and the board's, once closed).
        self._open_rankings: Recent[list[Ranked]] = Recent(OPEN_RANKING_SECONDS, max_keys=8)
        self._closed_rankings: Recent[list[Ranked]] = Recent(CLOSED_RANKING_SECONDS, max_keys=8)

    # The bank ------------------------------------------------------------------------

    def replace_bank(self, questions: list[Question]) -> int:
        """The whole bank at once: readers see the old one or the new one, never half."""
        def swap(session) -> int:
            self.db[QUESTIONS].delete_many({}, session=session)
            self.db[QUESTIONS].insert_many([q.as_doc(i) for i, q in enumerate(questions)], session=session)
            return len(questions)
        imported = self.in_transaction(swap)
        self._recent.forget(QUESTIONS)
        return imported

    def bank(self) -> list[dict]:
        return self._recent.get(QUESTIONS, lambda: self.guard(
            lambda: list(self.db[QUESTIONS].find().sort("order", ASCENDING))))

    # Contests ------------------------------------------------------------------------

    def save_contest(self, contest: dict) -> dict:
        self.guard(lambda: self.db[CONTESTS].replace_one({"_id": contest["_id"]}, contest, upsert=True))
        self._recent.forget((CONTESTS, contest["_id"]))
        self._closed_rankings.forget(contest["_id"])  # a new closing time may reopen it
        return contest

    def open_contests(self, now: datetime) -> list[dict]:
        """Contests open now, the one that opened last first."""
        return self.guard(lambda: list(self.db[CONTESTS].find(
            {"opens_at": {"$lte": now}, "closes_at": {"$gt": now}}).sort("opens_at", DESCENDING)))

    def contest(self, contest_id: str) -> dict:
        doc = self._recent.get((CONTESTS, contest_id), lambda: self.guard(
            lambda: self.db[CONTESTS].find_one({"_id": contest_id})))
        if doc is None:
            raise NotFound("contest")
        return doc

    # Entries -------------------------------------------------------------------------

    def open_entry(self, contest: dict, participant: dict, token_digest: str, answer_key: dict[str, int],
                   now: datetime, rng: random.Random) -> dict:
        """The participant's open entry when this phone started it (a refresh), or a new one over these questions.

        The entry keeps its own answer key, so it is scored on the questions it was given; another
        phone with the same participant is refused without learning anything about the entry."""
        if not contest_open(contest["opens_at"], contest["closes_at"], now):
            raise Refused("contest_closed")
        entries = self.db[ENTRIES]
        query = {"participant": participant["key"], "contest_id": contest["_id"], "status": OPEN}
        for _ in range(3):
            current = self.guard(lambda: entries.find_one(query))
            if current is not None:
                decision = on_open_entry(current, token_digest, now)
                if decision == RESUME:
                    return current
                if decision == ELSEWHERE:
                    raise Refused("entry_elsewhere")
                # REPLACE: its time ran out unsubmitted
                self.guard(partial(entries.update_one, {"_id": current["_id"], "status": OPEN},
                                   {"$set": {"status": EXPIRED}}))
            entry = {"_id": rng.getrandbits(128).to_bytes(16, "big").hex(), "contest_id": contest["_id"],
                     "participant": participant["key"], "token_hash": token_digest, "name": participant["name"],
                     "commune": participant["commune"], "status": OPEN, "started_at": now,
                     "deadline": entry_deadline(now, contest["time_limit_seconds"], contest["closes_at"]),
                     "order": shuffled(list(answer_key), rng), "key": answer_key}
            try:
                self.guard(partial(entries.insert_one, entry))
                return entry
            except DuplicateKeyError:
                continue  # another tab started one just now: take that one
        raise Refused("entry_open")

    def entry(self, entry_id: str) -> dict:
        doc = self.guard(lambda: self.db[ENTRIES].find_one({"_id": entry_id}))
        if doc is None:
            raise NotFound("entry")
        return doc

    def submit(self, entry: dict, answers: dict[str, Any], prediction: int | None,
               now: datetime) -> tuple[dict, dict | None]:
        """Score an entry once: (its result, the quiz.entry_submitted payload or None if already scored)."""
        verdict = judge_submission(entry["status"], entry["deadline"], now)
        if verdict == SUBMITTED:
            return entry["result"], None
        if verdict == EXPIRED:
            self.guard(lambda: self.db[ENTRIES].update_one(
                {"_id": entry["_id"], "status": OPEN}, {"$set": {"status": EXPIRED}}))
            raise Refused("too_late")
        scored = score_entry(entry["key"], answers, prediction, entry["started_at"], now)
        result = scored.as_doc()

        def record(session) -> dict | None:
            claimed = self.db[ENTRIES].update_one(
                {"_id": entry["_id"], "status": OPEN},
                {"$set": {"status": SUBMITTED, "result": result, "answers": scored.answers}}, session=session)
            if claimed.modified_count == 0:
                return None  # submitted a moment ago by the same player's other tab
            participant_id = f"{entry['contest_id']} {entry['participant']}"  # a person's place in one contest
            before = self.db[PARTICIPANTS].find_one_and_update(
                {"_id": participant_id},
                {"$inc": {"entries": 1, "perfect_entries": int(scored.perfect)},
                 "$setOnInsert": {"contest_id": entry["contest_id"], "name": entry["name"],
                                  "commune": entry["commune"]}},
                upsert=True, session=session) or {}
            standing = participant_standing(before, scored)
            best = {"correct": result["correct"], "duration_ms": result["duration_ms"], "submitted_at": now,
                    "entry_id": entry["_id"]}
            candidate = best | {"prediction": prediction}
            changes: dict[str, dict] = {}
            if standing.new_best:
                changes["$set"] = {"best": best}
            if standing.candidates == CANDIDATES_RESET:
                changes.setdefault("$set", {})["candidates"] = [candidate]
            elif standing.candidates == CANDIDATES_ADD:
                changes["$push"] = {"candidates": candidate}
            if changes:
                self.db[PARTICIPANTS].update_one({"_id": participant_id}, changes, session=session)
            event = {"contest_id": entry["contest_id"], "entry_id": entry["_id"], "correct": result["correct"],
                     "total": result["total"], "duration_ms": result["duration_ms"], "submitted_at": now,
                     "first_entry_of_participant": standing.first_entry,
                     "first_perfect_of_participant": standing.first_perfect}
            sums, records = split_least(QuizEntrySubmitted.deltas(event))
            event["stream"], event["seq"] = self.bump_counters(Source.QUIZ, sums, session)
            if records:  # kept in the same shard, so the snapshot's position covers it too
                self.db[STATS_COLLECTION].update_one({"_id": event["stream"]}, {"$min": flatten(records)},
                                                     session=session)
            # The entry's bid for its contest's record; the record itself is the least over the shards.
            return event | {"fastest_perfect_seconds": result["duration_ms"] / 1000 if scored.perfect else None}

        event = self.in_transaction(record)
        if event is None:
            return self.entry(entry["_id"])["result"], None
        return result, event

    # Results -------------------------------------------------------------------------

    def by_commune(self, contest_id: str) -> dict[str, int]:
        """The contest's participants per commune."""
        rows = self.guard(lambda: list(self.db[PARTICIPANTS].find({"contest_id": contest_id}, {"commune": 1})))
        counts: dict[str, int] = {}
        for row in rows:
            commune = row.get("commune") or "—"
            counts[commune] = counts.get(commune, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def leaderboard(self, contest: dict, perfect_entries: int) -> list[dict]:
        """The top participants by their best entry; after the close, the prediction breaks ties."""
        if not prediction_settled(contest, datetime.now(contest["closes_at"].tzinfo)):
            top = self.guard(lambda: list(self.db[PARTICIPANTS].find(
                {"contest_id": contest["_id"], "best": {"$exists": True}}).sort(
                [("best.correct", DESCENDING), ("best.duration_ms", ASCENDING), ("best.submitted_at", ASCENDING)]
            ).limit(LEADERBOARD_SIZE)))
            return [_row(p["name"], p["commune"], p["best"]) for p in top]
        # Closed: nothing changes any more, so the ranking the organisers' file reads serves the board too.
        return [_row(e["name"], e["commune"], e["result"])
                for _, e in self.full_ranking(contest, perfect_entries)[:LEADERBOARD_SIZE]]

    def full_ranking(self, contest: dict, perfect_entries: int, anew: bool = False) -> list[Ranked]:
        """Every participant's best entry in the leaderboard's order, read from the participants alone (and,
        once the prediction counts, their candidates for the best). A closed contest's ranking never changes,
        so it is kept; an open one's is made `anew` when asked (a file's first page), and the pages after it
        continue that one (or, from another replica, one at most `OPEN_RANKING_SECONDS` old)."""
        now = datetime.now(contest["closes_at"].tzinfo)
        settled = prediction_settled(contest, now)

        def load() -> list[Ranked]:
            # Whole records, filtered here: SecantusDB spends more on a projection or a second condition than
            # on sending the few fields more (the province's 30,429 records: 1.1 s of its CPU instead of 1.9 s).
            people = self.guard(lambda: list(self.db[PARTICIPANTS].find({"contest_id": contest["_id"]})))
            entries = ({"participant": person["_id"].split(" ", 1)[1], "name": person["name"],
                        "commune": person["commune"], "result": result}
                       for person in people if "best" in person
                       for result in (settled and person.get("candidates")) or [person["best"]])
            return ranking(entries, perfect_entries if settled else None)
        if now >= contest["closes_at"]:
            return self._closed_rankings.get(contest["_id"], load)
        if anew:
            self._open_rankings.forget(contest["_id"])
        return self._open_rankings.get(contest["_id"], load)

    def participation(self, contest_id: str) -> list[dict]:
        """Participants, entries and perfect entries per commune, the most participants first."""
        rows = self.guard(lambda: list(self.db[PARTICIPANTS].find(
            {"contest_id": contest_id}, {"commune": 1, "entries": 1, "perfect_entries": 1})))
        communes: dict[str, dict] = {}
        for row in rows:
            commune = row.get("commune") or "—"
            counts = communes.setdefault(commune, {"commune": commune, "participants": 0, "entries": 0,
                                                   "perfect_entries": 0})
            counts["participants"] += 1
            counts["entries"] += row.get("entries", 0)
            counts["perfect_entries"] += row.get("perfect_entries", 0)
        return sorted(communes.values(), key=lambda c: (-c["participants"], c["commune"]))

    def counters(self) -> dict[str, Any]:
        return self.read_counters(Source.QUIZ, COUNTERS[Source.QUIZ])

    def contest_counters(self, contest_id: str) -> dict[str, Any]:
        """This contest's share of every quiz counter over all shards (None where it has none yet)."""
        totals: dict[str, Any] = {name: zero(name) for name in COUNTERS[Source.QUIZ]}
        for stream in self.counters()["streams"].values():
            for name, value in stream["counters"].items():
                totals[name] = combine(name, totals[name], value)
        return {name: value.get(contest_id) for name, value in totals.items()}


def _row(name: str, commune: str | None, result: dict) -> dict:
    return {"name": name, "commune": commune, "correct": result["correct"],
            "duration_seconds": round(result["duration_ms"] / 1000, 1)}


class QuizStore(MongoProvider):
    repository_class = QuizRepository

    def prepare(self, repository: MongoRepository) -> None:
        db = repository.db
        db[ENTRIES].create_index([("participant", ASCENDING), ("contest_id", ASCENDING)], unique=True,
                                 name="one_open_entry", partialFilterExpression={"status": OPEN})
        db[ENTRIES].create_index([("participant", ASCENDING), ("contest_id", ASCENDING), ("status", ASCENDING)],
                                 name="participant_entries")  # lookups: SecantusDB scans past partial indexes
        db[ENTRIES].create_index([("contest_id", ASCENDING), ("status", ASCENDING), ("result.correct", DESCENDING)])
        db[PARTICIPANTS].create_index([("contest_id", ASCENDING), ("best.correct", DESCENDING),
                                       ("best.duration_ms", ASCENDING), ("best.submitted_at", ASCENDING)])
        # Counters from before they were kept per contest mixed every contest together: they start again.
        shards = [f"{Source.QUIZ.value}/{shard}" for shard in range(COUNTER_SHARDS)]
        for doc in db[STATS_COLLECTION].find({"_id": {"$in": shards}}):
            if not isinstance(doc.get("counters", {}).get("quiz_entries", {}), dict):
                db[STATS_COLLECTION].update_one({"_id": doc["_id"]}, {"$unset": {
                    f"counters.{name}": "" for name in COUNTERS[Source.QUIZ]}})
        db[STATS_COLLECTION].delete_one({"_id": gauges_id(Source.QUIZ)})
