"""Scenario 1: contest replay (issue 7) — a hook, left pending on purpose.

This harness was written before the quiz service had its contest API, so the scenario only
reports itself as pending. To fill it in: replay a recorded contest through the gateway
(players start their entries, answer every question within the window, submit near the
close), with screens watching the contest's live figures; report entries and answers per
second, answer-to-screen latency p50/p99 and whether the final scores and stats are exact.
Keep the signature `async def run(target, profile) -> ScenarioResult`; bench/run.py already
calls it first.
"""
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.target import Target

PENDING = "pending: quiz service not built yet"


async def run(target: Target, profile: Profile) -> ScenarioResult:
    return ScenarioResult(1, "contest replay", status="pending", notes=[PENDING])
