"""Scenario 6: the stage moment. Players join a live round, the MC opens a 10-second question, and
every player answers once, the answers spread evenly over its first 4 seconds, open loop (each
phone on its own schedule, whether or not the others were answered).

What must hold: no answer sent in time is refused, each is stored once (the close's histogram
counts exactly the players), and "received" comes back fast (p99 target 300 ms).
"""
import asyncio
import secrets
import time

import httpx

from bench.ceilings import CONFIRMS, HTTP_FLOOR
from bench.load import expect, http_client
from bench.measure import cores_text
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.target import Target
from bench.wrk import Request, WrkRun, measured, spread, wrk

QUESTION_SECONDS = 10
JOIN_SECONDS_EACH = 0.05  # beyond the scenario's time limit: joins at 20/s would still all get in
ANSWER_WINDOW_SECONDS = 4.0
BANK = [{"id": f"stage{i}", "text": {"vi": f"Câu {i}?"}, "choices": [{"vi": x} for x in "ABCD"], "correct": "A"}
        for i in range(3)]


async def _join(target: Target, profile: Profile, round_id: str) -> tuple[list[str], list[WrkRun]]:
    """Every player joins (through wrk, as fast as the round takes them); a join the gateway
    gave up on (503) is sent again, so the answers that follow come from every player."""
    tokens: list[str] = []
    runs: list[WrkRun] = []
    deadline = time.monotonic() + profile.scenario_timeout + profile.stage_players * JOIN_SECONDS_EACH
    while len(tokens) < profile.stage_players and time.monotonic() < deadline:
        run = await wrk(target.base_url, [
            Request(0.0, "POST", f"/api/rounds/{round_id}/join", {"name": f"Khán giả {secrets.token_hex(4)}"})
            for _ in range(profile.stage_players - len(tokens))], connections=profile.stage_connections,
            keep_bodies=True, limit=deadline - time.monotonic())
        tokens += [body["player_token"] for body in run.json_bodies() if "player_token" in body]
        runs.append(run)
    return tokens, runs


async def _close(client: httpx.AsyncClient, organiser: dict[str, str], round_id: str,
                 timeout: float) -> tuple[dict, float]:
    """The MC closes the question: the close waits for every answer taken before it, so while the
    quiz service is still writing them the gateway may give up (503); the MC presses again.
    (the round as closed, seconds from the first press to the answer)."""
    started = time.monotonic()
    while True:
        response = await client.post(f"/api/admin/quiz/rounds/{round_id}/close", headers=organiser, json={},
                                     timeout=60)
        if response.status_code != 503 or time.monotonic() - started > timeout:
            return expect(response, 200), time.monotonic() - started
        await asyncio.sleep(1.0)


async def run(target: Target, profile: Profile) -> ScenarioResult:
    players = profile.stage_players
    organiser = {"Authorization": f"Bearer {target.organiser_token}"}
    async with http_client(target.base_url, profile.stage_connections) as client:
        expect(await client.put("/api/admin/quiz/bank", headers=organiser, json=BANK), 200)
        round_id = expect(await client.post("/api/admin/quiz/rounds", headers=organiser, json={
            "question_count": 1, "seconds": QUESTION_SECONDS}), 201)["round_id"]
        tokens, joined = await _join(target, profile, round_id)
        expect(await client.post(f"/api/admin/quiz/rounds/{round_id}/open", headers=organiser, json={"index": 0}), 200)
        answers_plan = [Request(at, "POST", f"/api/rounds/{round_id}/answer",
                                {"player_token": token, "index": 0, "choice": i % 4})
                        for i, (token, at) in enumerate(zip(tokens, spread(len(tokens), ANSWER_WINDOW_SECONDS),
                                                            strict=True))]
        answers, cores, per_answer = await measured(target.pids, target.base_url, answers_plan, len(tokens))
        closed, close_seconds = await _close(client, organiser, round_id, profile.scenario_timeout)
    stored = sum(closed.get("histogram") or [])
    refused_in_time = sum(n for kind, n in answers.statuses.items() if kind.startswith("409"))

    result = ScenarioResult(6, f"live round, {players} players")
    result.add("players joined", len(tokens), "", target=("==", players))
    result.add("answers/s", answers.rate, "/s", ceiling=(HTTP_FLOOR, CONFIRMS),
               note=f"{len(tokens) / ANSWER_WINDOW_SECONDS:,.0f}/s offered")
    result.add("answer p50", answers.latency_ms.get("p50"), "ms")
    result.add("answer p99", answers.latency_ms.get("p99"), "ms", target=("<=", 300))
    result.add("answers not answered 200", answers.failed, "", target=("==", 0))
    result.add("in-time answers refused", refused_in_time, "", target=("==", 0))
    result.add("answers stored", stored, "", target=("==", len(tokens)))
    result.notes += [
        f"{len(tokens)} of {players} players joined in {sum(r.seconds for r in joined):.1f} s, "
        f"{profile.stage_connections} at once, in {len(joined)} goes: " + "; ".join(r.text() for r in joined),
        f"answers offered at "
        f"{len(tokens) / ANSWER_WINDOW_SECONDS:.0f}/s over {ANSWER_WINDOW_SECONDS:.0f} s by wrk, open loop, "
        f"one connection per player",
        "answers: " + answers.text(),
        f"stored after the close: {stored} of {len(tokens)}; the close answered {close_seconds:.1f} s after the "
        "MC first pressed it",
        "CPU during the answers (1.0 = one core): " + cores_text(cores),
        "CPU ms per answer: " + cores_text(per_answer),
    ]
    result.details = {"answers": answers.summary(), "joins": [r.summary() for r in joined],
                      "stored": stored, "cpu_cores": cores, "cpu_ms_per_answer": per_answer}
    return result
