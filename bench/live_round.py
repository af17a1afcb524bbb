"""Scenario 6: the stage moment. Players join a live round, the MC opens a 10-second question, and
every player answers once, the answers spread evenly over its first 4 seconds, open loop (each
phone on its own schedule, whether or not the others were answered).

What must hold: no answer sent in time is refused, each is stored once (the close's histogram
counts exactly the players), and "received" comes back fast (p99 target 300 ms).
"""
import secrets
from collections import Counter

from bench.load import closed_loop, expect, http_client, open_loop
from bench.measure import CpuMeter, cores_text, cpu_ms_each
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.target import Target

QUESTION_SECONDS = 10
ANSWER_WINDOW_SECONDS = 4.0
BANK = [{"id": f"stage{i}", "text": {"vi": f"Câu {i}?"}, "choices": [{"vi": x} for x in "ABCD"], "correct": "A"}
        for i in range(3)]
CEILING_FLOOR = "5.HTTP floor (/healthz)"


async def run(target: Target, profile: Profile) -> ScenarioResult:
    players = profile.stage_players
    organiser = {"Authorization": f"Bearer {target.organiser_token}"}
    async with http_client(target.base_url, profile.stage_connections) as client:
        expect(await client.put("/api/admin/quiz/bank", headers=organiser, json=BANK), 200)
        round_id = expect(await client.post("/api/admin/quiz/rounds", headers=organiser, json={
            "question_count": 1, "seconds": QUESTION_SECONDS}), 201)["round_id"]
        tokens: list[str] = []

        async def join(i: int) -> None:
            tokens.append(expect(await client.post(f"/api/rounds/{round_id}/join", json={
                "name": f"Khán giả {i} {secrets.token_hex(2)}"}), 200)["player_token"])

        joined = await closed_loop(range(players), join, profile.stage_connections, profile.scenario_timeout)
        expect(await client.post(f"/api/admin/quiz/rounds/{round_id}/open", headers=organiser, json={"index": 0}), 200)
        outcomes = Counter[str]()

        async def answer(i: int) -> None:
            response = await client.post(f"/api/rounds/{round_id}/answer",
                                         json={"player_token": tokens[i], "index": 0, "choice": i % 4})
            outcomes[str(response.status_code) + ("" if response.status_code == 200 else
                                                  ":" + response.json().get("error", ""))] += 1
            expect(response, 200)

        with CpuMeter(target.pids) as cpu:
            answers, lag = await open_loop(len(tokens), len(tokens) / ANSWER_WINDOW_SECONDS, answer,
                                           max_in_flight=profile.stage_connections,
                                           timeout=QUESTION_SECONDS + 5)
        closed = expect(await client.post(f"/api/admin/quiz/rounds/{round_id}/close", headers=organiser,
                                          json={}, timeout=60), 200)
    stored = sum(closed.get("histogram") or [])
    refused_in_time = sum(n for kind, n in outcomes.items() if kind.startswith("409"))

    result = ScenarioResult(6, f"live round, {players} players")
    result.add("answers/s", answers.rate, "/s", ceiling=CEILING_FLOOR)
    result.add("answer p50", answers.latency.percentile_ms(50), "ms")
    result.add("answer p99", answers.latency.percentile_ms(99), "ms", target=("<=", 300))
    result.add("in-time answers refused", refused_in_time, "", target=("==", 0))
    result.add("answers stored", stored, "", target=("==", len(tokens)))
    per_answer = cpu_ms_each(cpu.result, answers.seconds, answers.done)
    result.notes += [
        f"{len(tokens)} players joined in {joined.seconds:.1f} s; answers offered at "
        f"{len(tokens) / ANSWER_WINDOW_SECONDS:.0f}/s over {ANSWER_WINDOW_SECONDS:.0f} s, open loop "
        f"(worst start lag behind schedule {lag * 1000:.0f} ms)",
        "outcomes: " + ", ".join(f"{kind}: {n}" for kind, n in sorted(outcomes.items())),
        f"stored after the close: {stored} of {len(tokens)}",
        "CPU during the answers (1.0 = one core): " + cores_text(cpu.result),
        "CPU ms per answer: " + cores_text(per_answer),
    ]
    result.details = {"answers": answers.summary(), "joins": joined.summary(), "outcomes": dict(outcomes),
                      "stored": stored, "cpu_cores": cpu.result, "cpu_ms_per_answer": per_answer}
    return result
