"""Scenario 3: how long after a registration is sent every stats screen shows it.

Registrations go out at a steady rate (an open loop: the pace does not wait for answers).
Event i, in send order, is taken to be the one that brings registrations_total to
base + i + 1; its latency on a screen is from just before its request was sent to the
first update on that screen showing at least that value. Over a steady stream this is the
delay a person watching the screen sees; it includes, by design, up to one push interval
(0.1 s) during which the gateway coalesces changes.

When a request fails, send order no longer maps onto counter values, so a second measure
that holds regardless is also taken: after the j-th answer the counter is at least base + j,
and the after-answer latency is from that answer to a screen showing it.
"""
import asyncio
import secrets
import time
from dataclasses import dataclass, field

import httpx

from bench.api import quiet_stats, settled_stats
from bench.load import LoadRun, expect, http_client, open_loop
from bench.measure import CpuMeter, Histogram, cores_text
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.screens import PUSH_INTERVAL, FleetSpec, ScreenFleet, merge
from bench.target import Target

COUNTER = "registrations_total"
MAX_IN_FLIGHT = 256
SEND_GRACE = 10.0  # seconds past the planned duration that sending may lag before it stops
CEILING_PUBLISH = "5.AMQP publish+confirm"
CEILING_RTT_P50, CEILING_RTT_P99 = "5.AMQP round trip p50", "5.AMQP round trip p99"


async def run(target: Target, profile: Profile) -> ScenarioResult:
    result = ScenarioResult(3, "event-to-screen latency")
    spec = FleetSpec(target.ws_url, profile.screens, profile.ws_batch, watch=COUNTER,
                     lifetime=profile.scenario_timeout * (1 + len(profile.screen_rates)))
    processes = max(1, min(profile.ws_processes, profile.screens // 100))
    with ScreenFleet(spec, processes) as fleet:
        opened = await fleet.open(timeout=profile.scenario_timeout)
        connected = sum(r["connected"] for r in opened)
        result.notes.append(f"{connected} screens over {processes} client processes")
        async with http_client(target.base_url, MAX_IN_FLIGHT) as client:
            for rate in profile.screen_rates:
                await _step(result, target, profile, fleet, client, rate, connected)
    return result


@dataclass
class Drive:
    """One step's registrations: the loop's figures and, per request, when it went and came back."""

    load: LoadRun
    lag: float
    send_times: list[float]
    response_times: list[float] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return len(self.send_times) - self.load.unfinished

    @property
    def exact(self) -> bool:
        """Every request sent was answered: send order then maps onto counter values."""
        return self.load.done == self.sent


async def _drive(client: httpx.AsyncClient, rate: float, profile: Profile) -> Drive:
    count = round(rate * profile.screen_seconds)
    drive = Drive(LoadRun(), 0.0, [0.0] * count)
    prefix = f"scr{secrets.token_hex(3)}"

    async def register(i: int) -> None:
        drive.send_times[i] = time.monotonic()
        expect(await client.post("/api/attendees", json={
            "name": f"Bench {prefix} {i}", "request_id": f"{prefix}-{i}"}), 201)
        drive.response_times.append(time.monotonic())

    drive.load, drive.lag = await open_loop(count, rate, register, MAX_IN_FLIGHT,
                                            profile.screen_seconds + SEND_GRACE)
    return drive


async def _step(result: ScenarioResult, target: Target, profile: Profile, fleet: ScreenFleet,
                client: httpx.AsyncClient, rate: float, screens: int) -> None:
    base = (await quiet_stats(client))[COUNTER]
    await fleet.collect(timeout=60, start=0, end=0)  # forget what came before this step
    with CpuMeter({**target.pids, **fleet.pids}) as cpu:
        start = time.monotonic()
        drive = await _drive(client, rate, profile)
        _, reached, _ = await settled_stats(client, lambda s: s[COUNTER] >= base + drive.load.done, timeout=10)
    await asyncio.sleep(3 * PUSH_INTERVAL)  # the last push to the screens
    # After its j-th answer the counter is at least base + j, whatever failed in between.
    series = {"response": drive.response_times}
    if drive.exact:
        series["send"] = drive.send_times[:drive.sent]
    merged = merge(await fleet.collect(timeout=120, start=start, end=time.monotonic(), series=series, base=base))
    from_send = merged["latency"].get("send", Histogram())
    from_response = merged["latency"].get("response", Histogram())

    tag = f"@{rate:g}/s"
    load = drive.load
    result.add(f"events/s achieved {tag}", load.rate, "/s", ceiling=CEILING_PUBLISH)
    result.add(f"screen latency p50 {tag}", from_send.percentile_ms(50), "ms", ceiling=CEILING_RTT_P50)
    result.add(f"screen latency p99 {tag}", from_send.percentile_ms(99), "ms", target=("<", 150),
               ceiling=CEILING_RTT_P99)
    result.add(f"after-answer latency p99 {tag}", from_response.percentile_ms(99), "ms", ceiling=CEILING_RTT_P99)
    result.add(f"failed or not sent {tag}", sum(load.errors.values()) + load.unfinished, "", target=("==", 0))
    result.add(f"screens that missed events {tag}", merged["missed"] + (screens - merged["open"]), "",
               target=("==", 0))
    result.notes.append(
        f"{tag}: {len(drive.send_times)} registrations planned, {drive.sent} sent, {load.done} answered in "
        f"{load.seconds:.1f} s (worst start lag behind schedule {drive.lag * 1000:.0f} ms); "
        f"{from_send.count:,} screen-event samples; counter {'reached' if reached else 'did NOT reach'} "
        f"base+{load.done}; HTTP p50/p99 {load.latency.percentile_ms(50)}/{load.latency.percentile_ms(99)} ms; "
        f"from the HTTP answer to the screen p50/p99 {from_response.percentile_ms(50)}/"
        f"{from_response.percentile_ms(99)} ms")
    if not drive.exact:
        result.notes.append(f"{tag}: some requests failed ({dict(load.errors)}), so send order cannot be "
                            "matched to counter values: only the after-answer latency is measured")
    result.notes.append(f"{tag}: CPU (1.0 = one core): " + cores_text(cpu.result))
    result.details[tag] = {"planned": len(drive.send_times), "load": load.summary(), "lag_seconds": drive.lag,
                           "latency_from_send": from_send.summary(),
                           "latency_from_answer": from_response.summary(), "screens_open": merged["open"],
                           "closed": merged["closed"], "cpu_cores": cpu.result}
