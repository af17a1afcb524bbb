"""The quiz service's collections: the question bank, contests, entries and participants."""
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pymongo import ASCENDING, DESCENDING, MongoClient, UpdateMany, UpdateOne
from pymongo.database import Database

from services.quiz.logic import (
    ANONYMOUS_KEY,
    EXPIRED,
    OPEN,
    PHONE_KEY,
    SUBMITTED,
    Question,
    Ranked,
    StartPlan,
    SubmitPlan,
    entry_counts,
    participant_record,
    prediction_settled,
    ranking,
)
from shared import commune_records
from shared.cache import Recent
from shared.communes import Commune, CommuneList
from shared.errors import NotFound, ServiceUnavailable
from shared.events import QuizEntriesSubmitted, Source
from shared.mongo import COUNTER_SHARDS, STATS_COLLECTION, MongoProvider, MongoRepository, gauges_id, writer_stream
from shared.privacy import PSEUDONYM
from shared.stats import COUNTERS, combine, zero

QUESTIONS, CONTESTS, ENTRIES, PARTICIPANTS = "questions", "contests", "entries", "participants"
# A forgotten person's entries and standings: the name and the commune as typed go, the listed commune stays.
FORGOTTEN = {"$set": {"name": PSEUDONYM}, "$unset": {"commune_text": ""}}
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

    def open_entries(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """The open entry of each (participant, contest) asked about, with one query."""
        wanted = set(keys)
        participants = sorted({participant for participant, _ in wanted})
        docs = self.guard(lambda: list(self.db[ENTRIES].find({"participant": {"$in": participants}, "status": OPEN})))
        return {(doc["participant"], doc["contest_id"]): doc for doc in docs
                if (doc["participant"], doc["contest_id"]) in wanted}

    def store_starts(self, plan: StartPlan) -> None:
        """Entries whose time ran out closed, then the new ones in one insert_many. No transaction: a batch
        redelivered after a crash finds the entries it stored open, and resumes them."""
        if plan.expired:
            self.guard(partial(self.db[ENTRIES].update_many, {"_id": {"$in": plan.expired}, "status": OPEN},
                               {"$set": {"status": EXPIRED}}))
        if plan.created:
            self.guard(partial(self.db[ENTRIES].insert_many, plan.created, ordered=False))

    def entries(self, entry_ids: list[str]) -> dict[str, dict]:
        return {doc["_id"]: doc for doc in self.guard(
            lambda: list(self.db[ENTRIES].find({"_id": {"$in": entry_ids}})))}

    def submitted(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[dict]]:
        """The submitted entries of each (contest, participant) asked about, with one query."""
        wanted = set(keys)
        participants = sorted({participant for _, participant in wanted})
        docs = self.guard(lambda: list(self.db[ENTRIES].find(
            {"participant": {"$in": participants}, "status": SUBMITTED}, {"contest_id": 1, "participant": 1,
                                                                          "result": 1})))
        found: dict[tuple[str, str], list[dict]] = {key: [] for key in wanted}
        for doc in docs:
            if (doc["contest_id"], doc["participant"]) in wanted:
                found[(doc["contest_id"], doc["participant"])].append(doc)
        return found

    def store_submissions(self, plan: SubmitPlan, entries: Mapping[str, dict], now: datetime) -> dict | None:
        """Store a batch's scored entries and count them with one counter update: the quiz.entries_submitted
        payload, or None when nothing new was counted.

        No transaction: the entries are set submitted (each once: only an open one is) with their counter effect
        and the counter stream's next position, the participants' figures are then set from what is stored, and
        one conditional counter update counts the batch. An entry stored submitted beyond the position counted is
        counted by the batch redelivered after a crash, once."""
        stream = writer_stream(Source.QUIZ)
        position = self.counted_position(stream)
        uncounted = [entry for entry in entries.values()
                     if entry["status"] == SUBMITTED and entry.get("effect") and entry["position"] > position]
        writes = [UpdateOne({"_id": entry_id, "status": OPEN}, {"$set": {**fields, "position": position + 1}})
                  for entry_id, fields in plan.scored.items()]
        writes += [UpdateOne({"_id": entry_id, "status": OPEN}, {"$set": {"status": EXPIRED}})
                   for entry_id in plan.expired]
        if writes:
            self.guard(partial(self.db[ENTRIES].bulk_write, writes, ordered=False))
        counting = [*uncounted, *(entries[entry_id] for entry_id in plan.scored)]
        self._set_participants({(e["contest_id"], e["participant"]): e for e in counting})
        if not counting:
            return None
        fields = entry_counts([entry["effect"] for entry in uncounted] +
                              [scored["effect"] for scored in plan.scored.values()])
        if not self.count_after(stream, position, QuizEntriesSubmitted.deltas(fields)):
            raise ServiceUnavailable("the quiz counters moved under this batch")
        return {**fields, "stream": stream, "seq": position + 1, "submitted_at": now}

    def _set_participants(self, entries: Mapping[tuple[str, str], dict]) -> None:
        """Each participant's figures in a contest set from their submitted entries as stored (an entry of
        theirs names them)."""
        if not entries:
            return
        submitted = self.submitted(entries)
        self.guard(partial(self.db[PARTICIPANTS].bulk_write, [
            UpdateOne({"_id": f"{contest} {participant}"},  # a person's place in one contest
                      {"$set": {"contest_id": contest, "name": entry["name"], "commune": entry["commune"],
                                "commune_code": entry.get("commune_code"),
                                **participant_record(submitted[(contest, participant)])}}, upsert=True)
            for (contest, participant), entry in entries.items()], ordered=False))

    # Results -------------------------------------------------------------------------

    def by_commune(self, contest_id: str) -> dict[str, int]:
        """The contest's participants per commune: by its code from the province's list, by the text
        typed where no list named it."""
        rows = self.guard(lambda: list(self.db[PARTICIPANTS].find(
            {"contest_id": contest_id}, {"commune": 1, "commune_code": 1})))
        counts = Counter(commune_records.group(row) for row in rows)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    # The province's communes --------------------------------------------------------

    def follow_communes(self, communes: CommuneList) -> int:
        """Participants and entries follow a (re)loaded list; how many typed entries were matched."""
        return self.guard(lambda: self._each_then_entries(lambda records: commune_records.follow_list(
            records, communes)))

    def unmatched_communes(self) -> dict[str, int]:
        return dict(self.guard(lambda: commune_records.unmatched(self.db[ENTRIES])))

    def relabel_commune(self, text: str, commune: Commune) -> int:
        return self.guard(lambda: self._each_then_entries(lambda records: commune_records.relabel(
            records, text, commune)))

    def _each_then_entries(self, change: Callable[[Any], int]) -> int:
        """Participants first, entries last: entries are what lists a text as unmatched, so one left
        half-done shows up again for the organisers to redo. The entries' count is returned."""
        change(self.db[PARTICIPANTS])
        return change(self.db[ENTRIES])

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
        once the prediction counts, their candidates for the best). A contest closed for a while never changes,
        so its ranking is kept; an open one's is made `anew` when asked (a file's first page), and the pages after
        it continue that one (or, from another replica, one at most `OPEN_RANKING_SECONDS` old). A batch taken
        just before the close may still be setting its participants just after it: for `OPEN_RANKING_SECONDS`
        a closed contest is ranked as an open one."""
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
        if now >= contest["closes_at"] + timedelta(seconds=OPEN_RANKING_SECONDS):
            return self._closed_rankings.get(contest["_id"], load)
        if anew:
            self._open_rankings.forget(contest["_id"])
        return self._open_rankings.get(contest["_id"], load)

    def participation(self, contest_id: str, communes: CommuneList) -> list[dict]:
        """Participants, entries and perfect entries per commune as `by_commune` groups them, the most
        participants first: a listed commune under its name in `communes` (else as last stored), a typed one
        as typed."""
        rows = self.guard(lambda: list(self.db[PARTICIPANTS].find(
            {"contest_id": contest_id}, {"commune": 1, "commune_code": 1, "entries": 1, "perfect_entries": 1})))
        groups: dict[str, dict] = {}
        for row in rows:
            code = row.get("commune_code")
            listed = communes.get(code) if code else None
            counts = groups.setdefault(commune_records.group(row), {
                "commune_code": code, "commune": listed.name if listed else row.get("commune") or "—",
                "participants": 0, "entries": 0, "perfect_entries": 0})
            counts["participants"] += 1
            counts["entries"] += row.get("entries", 0)
            counts["perfect_entries"] += row.get("perfect_entries", 0)
        return sorted(groups.values(), key=lambda c: (-c["participants"], c["commune"], c["commune_code"] or ""))

    # Personal data ------------------------------------------------------------------

    def held(self, keys: list[str]) -> list[dict]:
        """A person's contest entries (by their participant keys): when, how well, under what name."""
        return self.guard(lambda: list(self.db[ENTRIES].find(
            {"participant": {"$in": keys}},
            {"_id": 0, "contest_id": 1, "name": 1, "commune": 1, "status": 1, "started_at": 1, "result": 1})))

    def forget(self, keys: list[str] | None) -> None:
        """Names go from a person's entries and standings (None: everyone's); a phone that keyed a
        participant becomes a key that tells nothing, so rankings, per-commune totals and counters
        stay exact."""
        match: dict[str, Any] = {"participant": {"$in": keys}} if keys is not None else {}
        self.guard(lambda: self.db[ENTRIES].update_many(match, FORGOTTEN))
        people = self.guard(lambda: list(self.db[ENTRIES].aggregate([
            {"$match": match}, {"$group": {"_id": "$participant", "first_entry": {"$min": "$_id"},
                                           "contests": {"$addToSet": "$contest_id"}}}])))
        by_phone = {p["_id"]: p for p in people if p["_id"].startswith(PHONE_KEY)}
        if by_phone:
            self._rekey(by_phone)
        keyed = [(f"{ANONYMOUS_KEY}{p['first_entry']}" if p["_id"] in by_phone else p["_id"], p["contests"])
                 for p in people]  # the keys the standings are under now
        everyone_or_these = {} if keys is None else {
            "_id": {"$in": [f"{contest} {key}" for key, contests in keyed for contest in contests]}}
        self.guard(lambda: self.db[PARTICIPANTS].update_many(everyone_or_these, FORGOTTEN))
        self._open_rankings.forget()  # kept rankings hold names and phone keys: the next is read anew
        self._closed_rankings.forget()

    def _rekey(self, by_phone: dict[str, dict]) -> None:
        """Participants keyed by a phone number are keyed by their first entry's (random) id instead,
        in standings and entries. In bulk, and in an order a rerun after a crash completes: the new
        standings first (a copy already there is skipped), then the old ones go, then the entries."""
        new_key = {key: f"{ANONYMOUS_KEY}{person['first_entry']}" for key, person in by_phone.items()}
        old_ids = [f"{c} {key}" for key, person in by_phone.items() for c in person["contests"]]
        olds = self.guard(lambda: list(self.db[PARTICIPANTS].find({"_id": {"$in": old_ids}})))
        self.insert_new(PARTICIPANTS, [{**doc, "_id": f"{doc['contest_id']} {new_key[doc['_id'].rpartition(' ')[2]]}"}
                                       for doc in olds])
        self.guard(lambda: self.db[PARTICIPANTS].delete_many({"_id": {"$in": old_ids}}))
        self.guard(partial(self.db[ENTRIES].bulk_write, [
            UpdateMany({"participant": key}, {"$set": {"participant": new}}) for key, new in new_key.items()],
            ordered=False))

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
