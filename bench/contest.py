"""Scenario 1: a contest replay with the province's proportions, through the public API.

The province's contest had 30,429 participants, 81,788 entries, 437 perfect participants
and 6,649 perfect entries. The replay keeps those ratios at a scale this machine can run
(`Profile.contest_scale`: 1/20 by default, 1/200 with --quick): a deterministic plan says who
plays how many entries and which are perfect. wrk plays them in waves (every player's first
entry, then every second one, ...): each wave's starts, then its submits, open loop at the
profile's rate, one connection per player; the contest's published stats must equal the plan
exactly. The rate gives the time the whole province's contest would take here. Durations are
the server's own clock, so the fastest perfect time is reported as measured, not replayed.
"""
import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from bench.ceilings import HTTP_FLOOR, INSERT_MANY
from bench.load import expect, http_client
from bench.measure import cores_text, stack_total
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.target import Target
from bench.wrk import Request, WrkRun, measured, spread

PROVINCE = {"participants": 30_429, "entries": 81_788, "perfect_participants": 437, "perfect_entries": 6_649}
BANK = Path(__file__).resolve().parent.parent / "services" / "quiz" / "sample_bank.json"
CONTEST_ID = "bench-replay"
DOCUMENTS_PER_ENTRY = 3  # the entry, the participant, a counter shard


@dataclass(frozen=True)
class Player:
    number: int
    wrong: tuple[int, ...]  # wrong answers in each of this player's entries, in order (0: perfect)


def plan(scale: float, seed: int = 2026) -> list[Player]:
    """Players and their entries in the province's proportions, scaled."""
    rng = random.Random(seed)
    people = max(3, round(PROVINCE["participants"] * scale))
    entries = max(people, round(PROVINCE["entries"] * scale))
    perfect_people = max(1, round(PROVINCE["perfect_participants"] * scale))
    perfect_entries = max(perfect_people, round(PROVINCE["perfect_entries"] * scale))
    # The perfect players kept trying: each gets enough entries to hold their share of perfect ones.
    per_perfect = -(-perfect_entries // perfect_people)
    counts = [per_perfect] * perfect_people + [1] * (people - perfect_people)
    for _ in range(max(0, entries - sum(counts))):
        counts[rng.randrange(people)] += 1
    perfect_of = {p: 1 for p in range(perfect_people)}
    for extra in range(perfect_entries - perfect_people):
        perfect_of[extra % perfect_people] += 1
    players = []
    for p in range(people):
        wrong = [0] * perfect_of.get(p, 0) + [rng.randint(1, 5) for _ in range(counts[p] - perfect_of.get(p, 0))]
        rng.shuffle(wrong)
        players.append(Player(p, tuple(wrong)))
    return players


def expected(players: list[Player]) -> dict[str, int]:
    return {"participants": len(players), "entries": sum(len(p.wrong) for p in players),
            "perfect_participants": sum(1 for p in players if 0 in p.wrong),
            "perfect_entries": sum(p.wrong.count(0) for p in players)}


async def prepare(client: httpx.AsyncClient, organiser_token: str, contest_id: str) -> dict[str, int]:
    """The sample bank and an open contest; the answer key, for the players."""
    organiser = {"Authorization": f"Bearer {organiser_token}"}
    bank = json.loads(BANK.read_text())
    expect(await client.put("/api/admin/quiz/bank", headers=organiser, json=bank), 200)
    now = datetime.now(UTC)
    expect(await client.put(f"/api/admin/quiz/contests/{contest_id}", headers=organiser, json={
        "title": "Bench replay", "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=6)).isoformat(), "time_limit_seconds": 3600}), 200)
    return {q["id"]: "ABCDEF".index(q["correct"]) for q in bank}


def _start(contest_id: str, player: Player, at: float) -> Request:
    return Request(at, "POST", f"/api/contests/{contest_id}/entries", {
        "name": f"Người chơi {player.number}", "phone": f"08{player.number:08d}",
        "commune": f"Xã {player.number % 40}", "token": f"bench-player-{player.number:08d}"})


def _submit(entry: dict, wrong: int, key: dict[str, int], at: float) -> Request:
    """The right answers but for the first `wrong` questions, which get the next choice."""
    answers = {q["id"]: key[q["id"]] for q in entry["questions"]}
    for q in entry["questions"][:wrong]:
        answers[q["id"]] = (answers[q["id"]] + 1) % len(q["choices"])
    return Request(at, "POST", f"/api/entries/{entry['entry_id']}/submit", {"answers": answers})


def _players_of(mongo_url: str, db_name: str, entry_ids: list[str]) -> dict[str, int]:
    """entry id -> player number, from the stored entries (an entry's answer does not say whose it is)."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    try:
        docs = client[db_name]["entries"].find({"_id": {"$in": entry_ids}}, {"name": 1})
        return {doc["_id"]: int(doc["name"].rsplit(" ", 1)[1]) for doc in docs}
    finally:
        client.close()


@dataclass
class Replay:
    """The waves played so far: wave k is every player's k-th entry, started then submitted."""

    starts: list[WrkRun] = field(default_factory=list)
    submits: list[WrkRun] = field(default_factory=list)
    cores: Counter[str] = field(default_factory=Counter)  # CPU seconds by process

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.starts + self.submits)

    @property
    def failed(self) -> int:
        return sum(r.failed for r in self.starts + self.submits)

    def add(self, run: WrkRun, cores: dict[str, float], starts: bool) -> None:
        (self.starts if starts else self.submits).append(run)
        self.cores.update({name: share * run.seconds for name, share in cores.items()})


async def _wave(target: Target, profile: Profile, replay: Replay, players: list[Player], wave: int,
                key: dict[str, int], contest_id: str) -> None:
    playing = {p.number: p for p in players if len(p.wrong) > wave}
    times = spread(len(playing), len(playing) / profile.contest_rate)
    starts = [_start(contest_id, p, at) for p, at in zip(playing.values(), times, strict=True)]
    started, cores, _ = await measured(target.pids, target.base_url, starts, len(playing), keep_bodies=True)
    replay.add(started, cores, starts=True)
    entries = [body for body in started.json_bodies() if "entry_id" in body]
    owners = await asyncio.to_thread(_players_of, target.mongo_url or "", target.db_name,
                                     [e["entry_id"] for e in entries])
    submits = [_submit(e, playing[owners[e["entry_id"]]].wrong[wave], key, at)
               for e, at in zip(entries, times, strict=False)]
    submitted, cores, _ = await measured(target.pids, target.base_url, submits, len(submits))
    replay.add(submitted, cores, starts=False)


async def run(target: Target, profile: Profile, contest_id: str = CONTEST_ID) -> ScenarioResult:
    result = ScenarioResult(1, "contest replay")
    if not target.mongo_url:
        result.status = "skipped"
        result.notes.append("needs MONGO_URL with BENCH_URL: an entry's owner is read from the database")
        return result
    players = plan(profile.contest_scale)
    goal = expected(players)
    replay = Replay()
    async with http_client(target.base_url, 4) as client:
        key = await prepare(client, target.organiser_token, contest_id)
        for wave in range(max(len(p.wrong) for p in players)):
            await _wave(target, profile, replay, players, wave, key, contest_id)
        stats = expect(await client.get(f"/api/contests/{contest_id}/stats"), 200)
    rate = goal["entries"] / replay.seconds if replay.seconds else None
    starts_per_s = sum(r.answered for r in replay.starts) / sum(r.seconds for r in replay.starts)
    submits_per_s = sum(r.answered for r in replay.submits) / sum(r.seconds for r in replay.submits)
    result.add("entries/s (start + submit)", rate, "/s", target=(">=", 1000), ceiling=HTTP_FLOOR,
               note=f"{profile.contest_rate}/s offered")
    result.add("entry starts/s", starts_per_s, "/s", ceiling=HTTP_FLOOR)
    result.add("entry submits/s", submits_per_s, "/s", ceiling=HTTP_FLOOR)
    result.add("documents written/s", (rate or 0) * DOCUMENTS_PER_ENTRY, "docs/s", ceiling=INSERT_MANY)
    result.add("the province's contest at this rate", PROVINCE["entries"] / rate / 60 if rate else None, "min",
               note=f"{PROVINCE['entries']:,} entries")
    result.add("failed requests", replay.failed, "", target=("==", 0))
    mismatches = {k: (stats[k], v) for k, v in goal.items() if stats[k] != v}
    result.add("stats mismatches", len(mismatches), "", target=("==", 0))
    result.add("fastest perfect entry (server clock)", stats["fastest_perfect_seconds"], "s")
    per_entry = {name: round(cpu / goal["entries"] * 1000, 2) for name, cpu in replay.cores.items()
                 if name != "whole machine"}
    biggest = max(replay.starts + replay.submits, key=lambda r: r.planned)
    result.notes += [
        f"scale {profile.contest_scale:g} of the province: planned {goal}; published "
        f"{ {k: stats[k] for k in goal} }; played in {len(replay.starts)} waves (a player's k-th entry in wave k), "
        f"each wave's starts then its submits offered at {profile.contest_rate}/s by wrk, one connection each",
        f"the biggest wave's {'starts' if biggest in replay.starts else 'submits'}: {biggest.text()}",
        f"CPU ms per entry: {cores_text(per_entry)}; stack total {stack_total(per_entry):.1f} ms",
    ]
    if mismatches:
        result.notes.append(f"mismatches (published, planned): {mismatches}")
    result.details = {"planned": goal, "published": {k: stats[k] for k in goal}, "seconds": replay.seconds,
                      "starts": [r.summary() for r in replay.starts], "submits": [r.summary() for r in replay.submits],
                      "cpu_ms_per_entry": per_entry}
    return result
