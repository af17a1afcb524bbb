"""Scenario 7: a database that holds a province's day, and what its size costs each request.

The stack's database is filled, in steps, with the documents the services themselves store
(services/*/storage.py): 30,000 attendees, 100,000 check-ins (scans, visits, each attendee's
tally), 80,000 contest entries of 30,000 participants and a few finished live rounds, written
with insert_many straight through pymongo (tens of thousands a second, where the APIs would take
an hour). The filler's booths, contest and rounds are not the scenarios' own, so their exact
checks still hold. At each step (empty, a third, full) the same small check-in burst, contest
replay and live round run, and the CPU each costs per request shows how cost grows with the
collections. Then every query the hot paths make is explained on the full database: a COLLSCAN,
or far more documents examined than returned, is a missing index.
"""
import asyncio
import math
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import MongoClient, UpdateOne
from pymongo.database import Database

from bench import checkin_burst, contest, live_round
from bench.measure import fmt_number, stack_total
from bench.profile import QUICK, Profile
from bench.report import ScenarioResult
from bench.target import Target

ATTENDEES, CHECKINS, ENTRIES, PARTICIPANTS = 30_000, 100_000, 80_000, 30_000
ROUNDS, ROUND_PLAYERS, ROUND_QUESTIONS = 5, 1_000, 10
STEPS = (0.0, 1 / 3, 1.0)
BATCH = 1_000
FILL_BOOTHS = 4  # booths the filler's visits name; never stored as booths, so passports keep their rule
CONTEST = "province-2026"
QUESTIONS = [f"q{i}" for i in range(10)]
SMALL = replace(QUICK, name="province step", contest_scale=0.002)


def _attendee(i: int, now: datetime) -> dict:
    # A leading 0 is outside the code alphabet: never a code the service issues.
    return {"code": f"0{i:06d}", "name": f"Người dân {i}", "commune": f"Xã {i % 40}", "group": "public",
            "registered_at": now - timedelta(seconds=i), "phone": f"09{i:08d}", "request_id": f"province-{i}"}


def _checkin(i: int, now: datetime) -> tuple[dict, dict, str]:
    """(scan, visit, attendee code) of the filler's i-th check-in: attendee i % 30,000 at booth i // 30,000."""
    code, booth = f"0{i % ATTENDEES:06d}", f"province-{i // ATTENDEES % FILL_BOOTHS}"
    at = now - timedelta(seconds=i)
    outcome = {"status": "checked_in", "scan_id": f"province-{i}", "booth_id": booth,
               "attendee": {"code": code, "name": f"Người dân {i % ATTENDEES}"}, "booths_visited": 1,
               "passport_required": 8, "passport_completed": False}
    scan = {"_id": f"province-{i}", "booth_id": booth, "device_id": "province", "payload": code,
            "client_time": None, "received_at": at, "outcome": outcome}
    visit = {"attendee_code": code, "booth_id": booth, "scan_id": f"province-{i}", "device_id": "province",
             "client_time": None, "recorded_at": at}
    return scan, visit, code


def _entry(i: int, now: datetime) -> dict:
    person = i % PARTICIPANTS
    correct = 10 - i % 4
    started = now - timedelta(seconds=i)
    return {"_id": f"province{i:026x}", "contest_id": CONTEST, "participant": f"p:09{person:08d}",
            "token_hash": f"province-{person}", "name": f"Người chơi {person}", "commune": f"Xã {person % 40}",
            "status": "submitted", "started_at": started, "deadline": started + timedelta(hours=1),
            "order": QUESTIONS, "key": {q: 0 for q in QUESTIONS},
            "answers": {q: 0 if n < correct else 1 for n, q in enumerate(QUESTIONS)},
            "result": {"correct": correct, "total": 10, "duration_ms": 60_000 + i, "perfect": correct == 10,
                       "submitted_at": started + timedelta(minutes=1), "prediction": None}}


def _participant(person: int, now: datetime) -> dict:
    entries = len(range(person, ENTRIES, PARTICIPANTS))
    return {"_id": f"{CONTEST} p:09{person:08d}", "contest_id": CONTEST, "name": f"Người chơi {person}",
            "commune": f"Xã {person % 40}", "entries": entries, "perfect_entries": 0,
            "best": {"correct": 10 - person % 4, "duration_ms": 60_000 + person, "submitted_at": now,
                     "entry_id": f"province{person:026x}"}}


def _round(r: int, now: datetime) -> tuple[dict, list[dict], list[dict]]:
    """A finished round of the filler: (round, its players, their answers)."""
    round_id = f"0PROV{r}"
    questions = [{"id": q, "text": {"vi": q}, "choices": [{"vi": c} for c in "ABCD"], "correct": 0}
                 for q in QUESTIONS]
    doc = {"_id": round_id, "questions": questions, "seconds": 10, "state": "finished",
           "index": ROUND_QUESTIONS - 1, "opened_at": now, "closes_at": now,
           "answers": {str(q): ROUND_PLAYERS for q in range(ROUND_QUESTIONS)}, "created_at": now - timedelta(hours=r)}
    players = [{"_id": f"province-{r}-{p}", "round_id": round_id, "name": f"Khán giả {p}", "score": p % 1000}
               for p in range(ROUND_PLAYERS)]
    answers = [{"_id": f"{round_id}:{q}:province-{r}-{p}", "round_id": round_id, "index": q,
                "player": f"province-{r}-{p}", "choice": p % 4, "points": 100, "at": now}
               for p in range(ROUND_PLAYERS) for q in range(ROUND_QUESTIONS)]
    return doc, players, answers


def _batches(start: int, stop: int) -> Iterator[range]:
    for low in range(start, stop, BATCH):
        yield range(low, min(low + BATCH, stop))


def fill(db: Database, done: float, upto: float) -> int:
    """Add the documents between fractions `done` and `upto` of the province's day: documents written.

    Attendee i's check-ins, entries and participant place stay the same whatever the steps."""
    now = datetime.now(UTC)
    written = 0

    def span(total: int) -> Iterator[range]:
        return _batches(round(total * done), round(total * upto))

    for part in span(ATTENDEES):
        written += len(db.attendees.insert_many([_attendee(i, now) for i in part], ordered=False).inserted_ids)
    for part in span(CHECKINS):
        rows = [_checkin(i, now) for i in part]
        db.scans.insert_many([scan for scan, _, _ in rows], ordered=False)
        db.visits.insert_many([visit for _, visit, _ in rows], ordered=False)
        tallies = Counter(code for _, _, code in rows)
        db.attendee_progress.bulk_write([UpdateOne({"_id": code}, {"$inc": {"visits": n}}, upsert=True)
                                         for code, n in tallies.items()], ordered=False)
        written += 2 * len(rows) + len(tallies)
    for part in span(ENTRIES):
        written += len(db.entries.insert_many([_entry(i, now) for i in part], ordered=False).inserted_ids)
    for part in span(PARTICIPANTS):
        written += len(db.participants.insert_many([_participant(p, now) for p in part],
                                                   ordered=False).inserted_ids)
    for r in range(math.ceil(ROUNDS * done), math.ceil(ROUNDS * upto)):  # a small day still has one
        doc, players, answers = _round(r, now)
        db.rounds.insert_one(doc)
        db.round_players.insert_many(players, ordered=False)
        db.round_answers.insert_many(answers, ordered=False)
        written += 1 + len(players) + len(answers)
    return written


@dataclass(frozen=True)
class Query:
    """One query a hot path makes, as the storage module writes it."""

    path: str
    collection: str
    command: dict[str, Any]  # an explainable command: find, count or aggregate

    @property
    def shape(self) -> str:
        kind = next(iter(self.command))
        detail = {k: v for k, v in self.command.items() if k not in (kind, "cursor", "limit")}
        return f"{self.collection}.{kind} {detail}"


def hot_queries(db: Database) -> list[Query]:
    """The reads each hot path makes (services/*/storage.py), with values from the filled day."""
    since = datetime.now(UTC) - timedelta(minutes=30)
    code, round_id, player = "0001234", "0PROV0", "province-0-7"
    device = db.devices.find_one() or {"token_hash": "none"}

    def find(path: str, collection: str, query: dict, **more: Any) -> Query:
        return Query(path, collection, {"find": collection, "filter": query, **more})

    def count(path: str, collection: str, query: dict) -> Query:
        return Query(path, collection, {"count": collection, "query": query})

    return [
        find("registration: a retry by phone", "attendees", {"phone": "0900001234"}),
        find("registration: a retry by request id", "attendees", {"request_id": "province-1234"}),
        find("badge lookup (every check-in)", "attendees", {"code": code}),
        find("registration trend (/api/stats/trend)", "attendees", {"registered_at": {"$gte": since}},
             projection={"registered_at": 1}),
        find("check-in: the device", "devices", {"token_hash": device["token_hash"]}),
        find("check-in: a retried scan", "scans", {"_id": "province-77"}),
        find("check-in: a visit here already", "visits", {"attendee_code": code, "booth_id": "province-1"}),
        find("check-in: the attendee's tally", "attendee_progress", {"_id": code}),
        find("passport page", "visits", {"attendee_code": code}, projection={"booth_id": 1}),
        find("check-in trend (/api/stats/trend)", "visits", {"recorded_at": {"$gte": since}},
             projection={"recorded_at": 1}),
        find("refused scans (organisers)", "scans", {"outcome.status": "rejected"}, sort={"received_at": -1},
             limit=50),
        find("contest start: the open entry", "entries",
             {"participant": "p:0900001234", "contest_id": CONTEST, "status": "open"}),
        find("contest submit: the entry", "entries", {"_id": f"province{1234:026x}"}),
        find("contest stats: participants by commune", "participants", {"contest_id": CONTEST},
             projection={"commune": 1}),
        find("contest leaderboard", "participants", {"contest_id": CONTEST, "best": {"$exists": True}},
             sort={"best.correct": -1, "best.duration_ms": 1, "best.submitted_at": 1}, limit=10),
        find("contest leaderboard after the close", "entries",
             {"contest_id": CONTEST, "status": "submitted", "result.correct": {"$gte": 9}}),
        count("live round: players joined", "round_players", {"round_id": round_id}),
        find("live round: the lobby's names", "round_players", {"round_id": round_id},
             projection={"_id": 0, "name": 1}, limit=60),
        find("live round: a player (every join)", "round_players", {"_id": player, "round_id": round_id}),
        Query("live round: scores of a batch's players", "round_answers", {"aggregate": "round_answers", "pipeline": [
            {"$match": {"round_id": round_id, "player": {"$in": [player]}}},
            {"$group": {"_id": "$player", "score": {"$sum": "$points"}}}], "cursor": {}}),
        count("live round: answers to a question", "round_answers", {"round_id": round_id, "index": 3}),
        count("live round: a player's standing", "round_players", {"round_id": round_id, "score": {"$gt": 500}}),
        find("live round: rounds of the day", "rounds", {"created_at": {"$gte": since}}),
    ]


def _plan_of(explained: dict) -> dict:
    """The winning plan and the execution figures, wherever this command's explain keeps them."""
    if "stages" in explained:  # an aggregate: its first stage is the cursor that reads
        explained = explained["stages"][0]["$cursor"]
    plan = explained["queryPlanner"]["winningPlan"]
    stats = explained.get("executionStats", {})
    return {"plan": plan, "returned": stats.get("nReturned"), "examined": stats.get("totalDocsExamined"),
            "keys": stats.get("totalKeysExamined")}


def _stages(plan: dict) -> list[str]:
    names = [plan.get("stage", "?") + (f"({plan['indexName']})" if "indexName" in plan else "")]
    for child in [plan.get("inputStage")] + plan.get("inputStages", []):
        if child:
            names += _stages(child)
    return names


def explain(db: Database) -> list[dict]:
    rows = []
    for query in hot_queries(db):
        found = _plan_of(db.command("explain", query.command, verbosity="executionStats"))
        stages = _stages(found["plan"])
        rows.append({"path": query.path, "query": query.shape, "stages": " > ".join(stages),
                     "returned": found["returned"], "examined": found["examined"],
                     "collscan": any(s.startswith("COLLSCAN") for s in stages)})
    return rows


Scenario = Callable[[Target, Profile], Awaitable[ScenarioResult]]
PROBES: list[tuple[str, Scenario, str]] = [
    ("check-in", checkin_burst.run, "cpu_ms_per_checkin"),
    ("registration", checkin_burst.run, "cpu_ms_per_registration"),
    ("contest entry", lambda t, p: contest.run(t, p, contest_id=f"bench-province-{secrets.token_hex(3)}"),
     "cpu_ms_per_entry"),
    ("live answer", live_round.run, "cpu_ms_per_answer"),
]


async def _probe(target: Target) -> tuple[dict[str, dict[str, float]], list[str]]:
    """The same small scenarios: (CPU ms per request by process for each kind of request, targets missed)."""
    costs: dict[str, dict[str, float]] = {}
    ran: dict[int, ScenarioResult] = {}
    for label, scenario, key in PROBES:
        result = ran.get(id(scenario)) or await scenario(target, SMALL)
        ran[id(scenario)] = result
        costs[label] = result.details.get(key, {})
    missed = [f"{r.title}: {m.name} {fmt_number(m.value)}" for r in ran.values() for m in r.metrics if m.met is False]
    return costs, missed


async def run(target: Target, profile: Profile) -> ScenarioResult:
    result = ScenarioResult(7, "a province's day in the database")
    if not target.mongo_url:
        result.status = "skipped"
        result.notes.append("needs MONGO_URL with BENCH_URL")
        return result
    client: MongoClient[dict[str, Any]] = MongoClient(target.mongo_url, serverSelectionTimeoutMS=5000)
    db = client[target.db_name]
    steps: list[tuple[float, dict[str, dict[str, float]]]] = []
    try:
        done = 0.0
        for step in STEPS:
            started = time.monotonic()
            written = await asyncio.to_thread(fill, db, done, step * profile.province_scale)
            done = step * profile.province_scale
            if written:
                seconds = time.monotonic() - started
                result.notes.append(f"filled to {done:.0%} of the day: {written:,} documents in {seconds:.1f} s "
                                    f"({written / seconds:,.0f}/s)")
            costs, missed = await _probe(target)
            steps.append((step, costs))
            if missed:
                result.notes.append(f"at {done:.0%} of the day the small scenarios missed: " + "; ".join(missed))
        rows = await asyncio.to_thread(explain, db)
    finally:
        client.close()
    for label, _, _ in PROBES:
        empty, full = steps[0][1].get(label, {}), steps[-1][1].get(label, {})
        result.add(f"{label}: stack CPU ms, empty → full", stack_total(full), "ms",
                   note=f"empty {stack_total(empty):.1f} ms")
        result.notes.append(f"{label}: stack CPU ms per request at " + ", ".join(
            f"{step * profile.province_scale:.0%} {stack_total(costs.get(label, {})):.1f} "
            f"(database {costs.get(label, {}).get('mongo', 0):.1f})" for step, costs in steps))
    scans = [row for row in rows if row["collscan"]]
    result.add("hot-path queries that scan a whole collection", len(scans), "", target=("==", 0))
    for row in rows:
        flag = "COLLSCAN " if row["collscan"] else ""
        result.notes.append(f"explain {flag}{row['path']}: {row['query']} -> {row['stages']}; "
                            f"returned {fmt_number(row['returned'])}, examined {fmt_number(row['examined'])}")
    result.details = {"steps": [{"fraction": step, "cpu_ms": costs} for step, costs in steps], "explain": rows,
                      "day": {"attendees": ATTENDEES, "checkins": CHECKINS, "entries": ENTRIES,
                              "participants": PARTICIPANTS, "rounds": ROUNDS, "round_players": ROUND_PLAYERS}}
    return result
