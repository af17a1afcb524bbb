"""`make bench`: run every scenario against a fresh stack (or BENCH_URL), print and save the results.

    python -m bench.run            # the issue's sizes (several minutes)
    python -m bench.run --quick    # small sizes, a couple of minutes, for development
    python -m bench.run --only 6 --players 2000 5000 10000   # the live round at each size
    python -m bench.run --only 7   # a province's day in the database (slow; a tenth with --quick)
    python -m bench.run --only 8   # the organisers' ranking file, CSV and Excel, at a province's size
    BENCH_URL=http://127.0.0.1:8000 ORGANISER_TOKEN=... python -m bench.run --quick
                                   # a running stack (add MONGO_URL and BENCH_GATEWAY_PID
                                   # for the database ceiling and the gateway's memory)

Scenarios run in the order that disturbs each other least (WebSocket capacity first, while
the gateway's memory is still fresh; screen latency before the burst adds thousands of
attendees; the raw ceilings last, on an idle stack) and are reported by their number.
One that fails is reported as failed; the others still run.
"""
import argparse
import asyncio
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bench import ceilings, checkin_burst, contest, live_round, province, screen_latency, ws_capacity
from bench.machine import describe, source_state
from bench.profile import FULL, QUICK, Profile
from bench.report import ScenarioResult, notes_text, table, write_json
from bench.target import Target, open_target, raise_fd_limit
from shared.config import REPO_ROOT

Scenario = Callable[[Target, Profile], Awaitable[ScenarioResult]]
RESULTS_DIR = REPO_ROOT / "bench-results"
SPARE_FILES = 2_048  # beyond the WebSocket clients: the stack's own sockets, files and pipes


SLOW = {7}  # run only when named with --only: filling the database takes many minutes


def live_rounds(players: list[int] | None) -> list[tuple[int, str, Scenario]]:
    """Scenario 6 once for each number of players asked for (else the profile's)."""
    if not players:
        return [(6, "live round", live_round.run)]
    def sized(n: int) -> Scenario:
        return lambda target, profile: live_round.run(target, replace(profile, stage_players=n))
    return [(6, f"live round, {n} players", sized(n)) for n in players]


def scenarios(args: argparse.Namespace) -> list[tuple[int, str, Scenario]]:
    compression = None if args.no_deflate else "deflate"
    return [
        (1, "contest replay", contest.run),
        (4, "WebSocket capacity", lambda t, p: ws_capacity.run(t, p, compression)),
        (3, "event-to-screen latency", screen_latency.run),
        (2, "check-in burst", checkin_burst.run),
        *live_rounds(args.players),
        (8, "organisers' files", lambda t, p: __import__("bench.exports", fromlist=["run"]).run(t, p)),
        (5, "ceilings", ceilings.run),
        (7, "a province's day in the database", province.run),  # last: it fills the database
    ]


async def run_all(target: Target, profile: Profile, args: argparse.Namespace) -> list[ScenarioResult]:
    results = []
    for number, title, scenario in scenarios(args):
        if (args.only and number not in args.only) or (not args.only and number in SLOW):
            continue
        print(f"[{number}] {title} …", flush=True)
        started = time.monotonic()
        try:
            result = await scenario(target, profile)
        except Exception as exc:  # one broken scenario must not hide the others' figures
            traceback.print_exc()
            result = ScenarioResult(number, title, status="failed", notes=[f"failed: {exc!r}"])
        result.details["seconds"] = round(time.monotonic() - started, 1)
        for note in result.notes:
            print(f"    {note}", flush=True)
        results.append(result)
    return sorted(results, key=lambda r: r.number)  # stable: several live rounds keep their order


def stack_problems(target: Target) -> dict:
    """Warning and error lines the stack logged during the run, with a few examples each."""
    if target.stack is None:
        return {}
    return {key: {"lines": n, "examples": target.stack.problem_samples.get(key, [])}
            for key, n in target.stack.problems.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a couple of minutes")
    parser.add_argument("--only", type=int, nargs="+", metavar="N", help="run only these scenarios (1-8)")
    parser.add_argument("--players", type=int, nargs="+", metavar="N",
                        help="play the live round (6) with each of these numbers of players")
    parser.add_argument("--no-deflate", action="store_true",
                        help="WebSocket clients ask for no compression (browsers do ask for it)")
    args = parser.parse_args()
    profile = QUICK if args.quick else FULL
    files = raise_fd_limit(profile.ws_clients + SPARE_FILES)
    machine = describe()
    bench_url = os.environ.get("BENCH_URL")
    print(f"bench ({profile.name}) on {machine['cpus']} CPUs ({machine['cpu_model']}), "
          f"{machine['memory_total']}, open files limit {files}; target: {bench_url or 'a fresh stack'}",
          flush=True)
    started = time.monotonic()
    with open_target(bench_url) as target:
        results = asyncio.run(run_all(target, profile, args))
        problems = stack_problems(target)
    machine["load_average_after"] = os.getloadavg()
    print("\n" + table(results) + "\n\n" + notes_text(results))
    if problems:
        print("\nstack log lines worth a look: " + ", ".join(f"{k}: {v['lines']}" for k, v in problems.items()))
    path = write_json(results, {"profile": profile.__dict__, "machine": machine, "source": source_state(str(REPO_ROOT)),
                                "target": bench_url or "own stack",
                                "seconds": round(time.monotonic() - started, 1), "stack_log_problems": problems},
                      RESULTS_DIR)
    print(f"\nwritten to {path.relative_to(REPO_ROOT)}", flush=True)
    if any(r.status == "failed" for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
