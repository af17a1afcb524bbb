"""Scenario 2: many booth devices scanning at once, and the live counters still exact after.

The scan plan mixes what a real morning brings: first visits (by QR token and by a typed
short code), the same attendee scanned again at a booth (a repeat: answered, not counted),
a device resending a scan it never heard back about (a retry: the same scan id), and forged
or unknown badges (refused, never counted). The expected counters follow from the plan
alone, so the check is exact whatever order the scans land in.
"""
import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

from bench.api import Attendee, register_attendees, settled_stats, setup_booths, stats
from bench.ceilings import HTTP_FLOOR, INSERT_MANY, RTT_P50, RTT_P99
from bench.load import expect, http_client
from bench.measure import cores_text, stack_total
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.target import Target
from bench.wrk import Request, WrkRun, measured, spread

Kind = Literal["first", "repeat", "retry", "forged", "unknown"]
DOCUMENTS_PER_CHECKIN = 4  # a first visit: the scan, the visit, the attendee's tally, a counter shard
UNKNOWN_CODE = "3333333"  # well formed, in the code alphabet, and never issued by this run
SETTLE_SECONDS = 5.0  # how long the counters may take to catch up with the last answer
TYPED_SHARE, REPEAT_SHARE, RETRY_SHARE, REFUSED_SHARE = 0.10, 0.07, 0.03, 0.01
UNKNOWN_SCANS = 2  # of the refused scans; the rest are forged tokens


@dataclass(frozen=True)
class Scan:
    kind: Kind
    booth: str
    scan_id: str
    payload: str
    attendee: str | None = None


def forge(token: str) -> str:
    """The same badge with one character of its signature changed: it must not verify."""
    head, _, signature = token.rpartition(".")
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{signature[:middle]}{swapped}{signature[middle + 1:]}"


def plan_scans(attendees: list[Attendee], booths: list[str], total: int, seed: int = 7) -> list[Scan]:
    """A shuffled scan plan of `total` scans; retries come last so their originals have answered."""
    rng = random.Random(seed)
    refused = max(UNKNOWN_SCANS + 1, round(total * REFUSED_SHARE))
    retries = round(total * RETRY_SHARE)
    repeats = round(total * REPEAT_SHARE)
    firsts = total - refused - retries - repeats
    if firsts > len(attendees) * len(booths):
        raise ValueError("more first visits planned than attendee-booth pairs exist")
    # Some attendees go round every booth (so passports complete); the rest visit a few.
    completers = min(len(attendees) // 10, firsts // (2 * len(booths)))
    pairs = [(a, b) for a in attendees[:completers] for b in booths]
    others = [(a, b) for a in attendees[completers:] for b in booths]
    pairs += rng.sample(others, firsts - len(pairs))

    def scan(kind: Kind, attendee: Attendee, booth: str, payload: str | None = None) -> Scan:
        if payload is None:
            payload = attendee.code if rng.random() < TYPED_SHARE else attendee.token
        return Scan(kind, booth, f"bench-{secrets.token_hex(8)}", payload, attendee.code)

    body = [scan("first", a, b) for a, b in pairs]
    body += [scan("repeat", a, b) for a, b in rng.choices(pairs, k=repeats)]
    body += [scan("forged", a, rng.choice(booths), forge(a.token))
             for a in rng.choices(attendees, k=refused - UNKNOWN_SCANS)]
    body += [Scan("unknown", rng.choice(booths), f"bench-{secrets.token_hex(8)}", UNKNOWN_CODE)
             for _ in range(UNKNOWN_SCANS)]
    rng.shuffle(body)
    originals = [s for s in body[: len(body) // 2] if s.kind == "first"]
    body += [Scan("retry", s.booth, s.scan_id, s.payload, s.attendee) for s in rng.sample(originals, retries)]
    return body


def expected_deltas(plan: list[Scan], passport_required: int) -> dict:
    """How much each counter must move: one visit per attendee and booth, nothing else."""
    visits = {(s.attendee, s.booth) for s in plan if s.kind == "first"}
    per_attendee = Counter(attendee for attendee, _ in visits)
    return {
        "checkins_total": len(visits),
        "unique_visitors": len(per_attendee),
        "checkins_by_booth": dict(Counter(booth for _, booth in visits)),
        "passports_completed": sum(1 for n in per_attendee.values() if n >= passport_required),
    }


def counter_mismatches(before: dict, after: dict, expected: dict) -> dict[str, tuple]:
    """Counters whose change differs from the plan's: name -> (expected, actual)."""
    wrong: dict[str, tuple] = {}
    for name, delta in expected.items():
        if isinstance(delta, dict):
            for key, n in delta.items():
                moved = after[name].get(key, 0) - before[name].get(key, 0)
                if moved != n:
                    wrong[f"{name}.{key}"] = (n, moved)
        elif after[name] - before[name] != delta:
            wrong[name] = (delta, after[name] - before[name])
    return wrong


def counters_reached(before: dict, expected: dict) -> Callable[[dict], bool]:
    def done(current: dict) -> bool:
        return not counter_mismatches(before, current, expected)
    return done


@dataclass
class Setup:
    """Everything the burst needs, made before the clock starts."""

    attendees: list[Attendee]
    registrations: WrkRun
    registration_ms: dict[str, float]  # CPU ms per registration, by process
    attendees_before: int  # registered before this scenario began (a bigger collection to search)
    headers: dict[str, list[dict[str, str]]]  # booth id -> its devices' Authorization headers
    required: int  # booths a passport needs


async def _prepare(client: httpx.AsyncClient, target: Target, profile: Profile) -> Setup:
    attendees_before = (await stats(client))["registrations_total"]
    attendees, registrations, registration_ms = await register_attendees(
        target, profile.attendees, f"burst{secrets.token_hex(3)}", profile.scan_connections, profile.scenario_timeout)
    devices = await setup_booths(client, target.organiser_token, f"bench{secrets.token_hex(2)}",
                                 profile.booths, profile.devices_per_booth)
    required = expect(await client.get(f"/api/attendees/{attendees[0].code}/passport"), 200)["required"]
    headers = {booth: [{"Authorization": f"Bearer {t}"} for t in tokens] for booth, tokens in devices.items()}
    return Setup(attendees, registrations, registration_ms, attendees_before, headers, required)


def _requests(plan: list[Scan], setup: Setup, rate: float) -> list[Request]:
    """The plan at `rate` scans/s, each booth's scans spread over its devices."""
    sent = Counter[str]()
    requests = []
    for at, scan in zip(spread(len(plan), len(plan) / rate), plan, strict=True):
        devices = setup.headers[scan.booth]
        sent[scan.booth] += 1
        requests.append(Request(at, "POST", "/api/checkins", {"scan_id": scan.scan_id, "payload": scan.payload},
                                devices[sent[scan.booth] % len(devices)]))
    return requests


async def run(target: Target, profile: Profile) -> ScenarioResult:
    async with http_client(target.base_url, 4) as client:
        setup = await _prepare(client, target, profile)
        plan = plan_scans(setup.attendees, list(setup.headers), profile.scans)
        expected = expected_deltas(plan, setup.required)
        before = await stats(client)
        burst, cores, checkin_ms = await measured(target.pids, target.base_url,
                                                  _requests(plan, setup, profile.scan_rate), profile.scan_connections)
        after, exact, waited = await settled_stats(client, counters_reached(before, expected), SETTLE_SECONDS)
    wrong = counter_mismatches(before, after, expected)
    registrations = setup.registrations

    result = ScenarioResult(2, "check-in burst")
    result.add("registrations/s", registrations.rate, "/s", ceiling=(HTTP_FLOOR, INSERT_MANY))
    result.add("registration p50", registrations.latency_ms.get("p50"), "ms", ceiling=RTT_P50)
    result.add("registration p99", registrations.latency_ms.get("p99"), "ms", ceiling=RTT_P99)
    result.add("check-ins/s", burst.rate, "/s", target=(">=", 1000), ceiling=HTTP_FLOOR,
               note=f"{profile.scan_rate:,}/s offered")
    result.add("check-in documents written/s", burst.rate * DOCUMENTS_PER_CHECKIN, "docs/s", ceiling=INSERT_MANY)
    result.add("check-in p50", burst.latency_ms.get("p50"), "ms", ceiling=RTT_P50)
    result.add("check-in p99", burst.latency_ms.get("p99"), "ms", target=("<", 250), ceiling=RTT_P99)
    result.add("failed requests", burst.failed + registrations.failed, "", target=("==", 0))
    result.add("counter mismatches", len(wrong), "", target=("==", 0))

    result.notes += [
        f"{len(setup.attendees)} attendees registered (with {setup.attendees_before:,} already there): "
        f"{registrations.text()}",
        f"{profile.booths} booths x {profile.devices_per_booth} devices, {len(plan)} scans offered at "
        f"{profile.scan_rate:,}/s by wrk over {profile.scan_connections} connections, open loop: {burst.text()}",
        f"counters {'exact' if exact else 'WRONG'} {waited:.1f} s after the last answer"
        + (f" (name: (expected change, actual change)): {wrong}" if wrong else ""),
        "CPU during the burst (1.0 = one core): " + cores_text(cores),
        f"CPU ms per check-in: {cores_text(checkin_ms)}; stack total {stack_total(checkin_ms):.1f} ms",
        f"CPU ms per registration: {cores_text(setup.registration_ms)}; "
        f"stack total {stack_total(setup.registration_ms):.1f} ms",
    ]
    result.details = {"registrations": registrations.summary(), "checkins": burst.summary(),
                      "plan": dict(Counter(s.kind for s in plan)), "expected_deltas": expected,
                      "mismatches": wrong, "passport_required": setup.required, "cpu_cores": cores,
                      "cpu_ms_per_checkin": checkin_ms, "cpu_ms_per_registration": setup.registration_ms,
                      "stats_settled_seconds": round(waited, 2)}
    return result
