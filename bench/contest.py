"""Scenario 1: a contest replay with the province's proportions, through the public API.

The province's contest had 30,429 participants, 81,788 entries, 437 perfect participants
and 6,649 perfect entries. The replay keeps those ratios at a scale this machine can run
(`Profile.contest_scale`: 1/20 by default, 1/200 with --quick): a deterministic plan says who
plays how many entries and which are perfect, participants play their entries one after
another (start, then submit every answer), many participants at once, and the contest's
published stats must equal the plan exactly. Durations are the server's own clock, so the
fastest perfect time is reported as measured, not replayed.
"""
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.load import closed_loop, expect, http_client
from bench.measure import CpuMeter, cores_text, cpu_ms_each
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.target import Target

PROVINCE = {"participants": 30_429, "entries": 81_788, "perfect_participants": 437, "perfect_entries": 6_649}
BANK = Path(__file__).resolve().parent.parent / "services" / "quiz" / "sample_bank.json"
CONTEST_ID = "bench-replay"
CEILING_DB = "5.Mongo insert_one"


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


async def prepare(client: httpx.AsyncClient, organiser_token: str) -> dict[str, int]:
    """The sample bank and an open contest; the answer key, for the players."""
    organiser = {"Authorization": f"Bearer {organiser_token}"}
    bank = json.loads(BANK.read_text())
    expect(await client.put("/api/admin/quiz/bank", headers=organiser, json=bank), 200)
    now = datetime.now(UTC)
    expect(await client.put(f"/api/admin/quiz/contests/{CONTEST_ID}", headers=organiser, json={
        "title": "Bench replay", "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=6)).isoformat(), "time_limit_seconds": 3600}), 200)
    return {q["id"]: "ABCDEF".index(q["correct"]) for q in bank}


async def run(target: Target, profile: Profile) -> ScenarioResult:
    result = ScenarioResult(1, "contest replay")
    players = plan(profile.contest_scale)
    goal = expected(players)
    async with http_client(target.base_url, profile.contest_concurrency) as client:
        key = await prepare(client, target.organiser_token)

        async def play(player: Player) -> None:
            for wrong in player.wrong:
                entry = expect(await client.post(f"/api/contests/{CONTEST_ID}/entries", json={
                    "name": f"Người chơi {player.number}", "phone": f"08{player.number:08d}",
                    "commune": f"Xã {player.number % 40}", "token": f"bench-player-{player.number:08d}"}), 201)
                answers = {q["id"]: key[q["id"]] for q in entry["questions"]}
                for qid in list(answers)[:wrong]:
                    answers[qid] = (answers[qid] + 1) % len(next(
                        q for q in entry["questions"] if q["id"] == qid)["choices"])
                expect(await client.post(f"/api/entries/{entry['entry_id']}/submit",
                                         json={"answers": answers}), 200)

        with CpuMeter(target.pids) as cpu:
            run = await closed_loop(players, play, profile.contest_concurrency, profile.scenario_timeout)
        stats = expect(await client.get(f"/api/contests/{CONTEST_ID}/stats"), 200)
    seconds = run.seconds or 1e-9
    result.add("entries/s end to end", goal["entries"] / seconds if not run.unfinished else None, "/s",
               target=(">=", 1000), ceiling=CEILING_DB)
    result.add("participants played", run.done, "", note=f"of {len(players)}")
    result.add("failed players", sum(run.errors.values()), "", target=("==", 0))
    mismatches = {k: (stats[k], v) for k, v in goal.items() if stats[k] != v}
    result.add("stats mismatches", len(mismatches), "", target=("==", 0))
    result.add("fastest perfect entry (server clock)", stats["fastest_perfect_seconds"], "s")
    result.notes.append(
        f"scale {profile.contest_scale:g} of the province: planned {goal}; published "
        f"{ {k: stats[k] for k in goal} }; CPU {cores_text(cpu.result)}; CPU ms per entry "
        f"{cpu_ms_each(cpu.result, run.seconds, goal['entries'])}")
    if mismatches:
        result.notes.append(f"mismatches (published, planned): {mismatches}")
    result.details = {"planned": goal, "published": {k: stats[k] for k in goal}, "errors": dict(run.errors),
                      "seconds": run.seconds}
    return result
