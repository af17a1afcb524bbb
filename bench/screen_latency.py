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

The target rate (500 events/s) is beyond what one machine's services can write, so a last step
publishes `live.viewers` events straight onto the livestream service's exchange, as the service
would, with ever larger viewer counts: it measures the broker, the gateway and the screens alone.
It runs only on the bench's own stack, whose screens nobody watches.
"""
import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aio_pika
import httpx

from bench.api import quiet_stats, settled_stats
from bench.load import LoadRun, expect, http_client, open_loop
from bench.measure import CpuMeter, Histogram, cores_text
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.screens import PUSH_INTERVAL, FleetSpec, ScreenFleet, merge
from bench.target import Target
from shared.events import LiveViewers, Source, exchange_name

COUNTER = "registrations_total"
GAUGE = "live_viewers_now"
GAUGE_BASE = 10_000_000  # above any real viewer count, so every published value is new
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
                await _step(result, target, profile, fleet, client, rate, connected, COUNTER, "registrations",
                            _drive(client, rate, profile))
    if target.stack is None:
        result.notes.append("published events skipped: they would reach a running stack's real screens")
        return result
    with ScreenFleet(FleetSpec(target.ws_url, profile.screens, profile.ws_batch, watch=GAUGE,
                               lifetime=profile.scenario_timeout * 2), processes) as fleet:
        connected = sum(r["connected"] for r in await fleet.open(timeout=profile.scenario_timeout))
        async with http_client(target.base_url, MAX_IN_FLIGHT) as client:
            rate = profile.screen_event_rate
            await _step(result, target, profile, fleet, client, rate, connected, GAUGE, "published events",
                        lambda: _publish(target.amqp_uri, rate, profile))
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


def _drive(client: httpx.AsyncClient, rate: float, profile: Profile) -> Callable[[], Awaitable[Drive]]:
    """Registrations through the API at `rate`: each moves registrations_total by one."""
    async def drive_registrations() -> Drive:
        count = round(rate * profile.screen_seconds)
        drive = Drive(LoadRun(), 0.0, [0.0] * count)
        prefix = f"scr{secrets.token_hex(3)}"

        async def register(i: int) -> None:
            drive.send_times[i] = time.monotonic()
            expect(await client.post("/api/attendees", json={"consent": True,
                "name": f"Bench {prefix} {i}", "request_id": f"{prefix}-{i}"}), 201)
            drive.response_times.append(time.monotonic())

        drive.load, drive.lag = await open_loop(count, rate, register, MAX_IN_FLIGHT,
                                                profile.screen_seconds + SEND_GRACE)
        return drive
    return drive_registrations


async def _publish(amqp_uri: str, rate: float, profile: Profile) -> Drive:
    """`live.viewers` events at `rate`, the i-th setting viewers-now to GAUGE_BASE + i + 1."""
    count = round(rate * profile.screen_seconds)
    drive = Drive(LoadRun(), 0.0, [0.0] * count)
    connection = await aio_pika.connect(amqp_uri)
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(exchange_name(Source.LIVESTREAM), aio_pika.ExchangeType.TOPIC,
                                                  durable=True)

        async def publish(i: int) -> None:
            value = GAUGE_BASE + i + 1
            drive.send_times[i] = time.monotonic()
            await exchange.publish(aio_pika.Message(json.dumps({"now": value, "peak": value}).encode(),
                                                    content_type="application/json"), routing_key=LiveViewers.NAME)
            drive.response_times.append(time.monotonic())

        drive.load, drive.lag = await open_loop(count, rate, publish, MAX_IN_FLIGHT,
                                                profile.screen_seconds + SEND_GRACE)
    finally:
        await connection.close()
    return drive


async def _step(result: ScenarioResult, target: Target, profile: Profile, fleet: ScreenFleet,
                client: httpx.AsyncClient, rate: float, screens: int, counter: str, what: str,
                make_events: Callable[[], Awaitable[Drive]]) -> None:
    base = GAUGE_BASE if counter == GAUGE else (await quiet_stats(client))[counter]
    await fleet.collect(timeout=60, start=0, end=0)  # forget what came before this step
    with CpuMeter({**target.pids, **fleet.pids}) as cpu:
        start = time.monotonic()
        drive = await make_events()
        _, reached, _ = await settled_stats(client, lambda s: s[counter] >= base + drive.load.done, timeout=10)
    await asyncio.sleep(3 * PUSH_INTERVAL)  # the last push to the screens
    # After its j-th answer the counter is at least base + j, whatever failed in between.
    series = {"response": drive.response_times}
    if drive.exact:
        series["send"] = drive.send_times[:drive.sent]
    merged = merge(await fleet.collect(timeout=120, start=start, end=time.monotonic(), series=series, base=base))
    from_send = merged["latency"].get("send", Histogram())
    from_response = merged["latency"].get("response", Histogram())

    tag = f"@{rate:g}/s {what}"
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
        f"{tag}: {len(drive.send_times)} planned, {drive.sent} sent, {load.done} answered in "
        f"{load.seconds:.1f} s (worst start lag behind schedule {drive.lag * 1000:.0f} ms); "
        f"{from_send.count:,} screen-event samples; counter {'reached' if reached else 'did NOT reach'} "
        f"base+{load.done}; sent to answered p50/p99 {load.latency.percentile_ms(50)}/"
        f"{load.latency.percentile_ms(99)} ms; from the answer to the screen p50/p99 {from_response.percentile_ms(50)}/"
        f"{from_response.percentile_ms(99)} ms")
    if not drive.exact:
        result.notes.append(f"{tag}: some requests failed ({dict(load.errors)}), so send order cannot be "
                            "matched to counter values: only the after-answer latency is measured")
    result.notes.append(f"{tag}: CPU (1.0 = one core): " + cores_text(cpu.result))
    result.details[tag] = {"planned": len(drive.send_times), "load": load.summary(), "lag_seconds": drive.lag,
                           "latency_from_send": from_send.summary(),
                           "latency_from_answer": from_response.summary(), "screens_open": merged["open"],
                           "closed": merged["closed"], "cpu_cores": cpu.result}
