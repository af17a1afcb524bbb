"""Scenario 4: how many idle stats screens one gateway process holds, at what memory cost,
and how fast it fans an update out to all of them.

It runs first in a bench run: the gateway's memory is then not yet inflated by earlier
scenarios, so the growth measured is the connections' own.
"""
import asyncio
import secrets
import time

from bench.load import expect, http_client, open_loop
from bench.measure import CpuMeter, Histogram, cores_text, rss_kib
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.screens import PUSH_INTERVAL, FleetSpec, ScreenFleet, merge
from bench.target import Target

CEILING_IDEAL = "4.broadcast ideal"  # the hub coalesces: at most one push per client per interval
IDLE_SETTLE_SECONDS = 2.0


async def run(target: Target, profile: Profile, compression: str | None = "deflate") -> ScenarioResult:
    result = ScenarioResult(4, "WebSocket capacity")
    pid = target.gateway_pid
    rss_before = rss_kib(pid) if pid else None
    spec = FleetSpec(target.ws_url, profile.ws_clients, profile.ws_batch, compression=compression,
                     lifetime=profile.scenario_timeout)
    with ScreenFleet(spec, profile.ws_processes) as fleet:
        opened = await fleet.open(timeout=profile.scenario_timeout)
        connected = sum(r["connected"] for r in opened)
        open_seconds = max(r["seconds"] for r in opened)
        await asyncio.sleep(IDLE_SETTLE_SECONDS)
        rss_idle = rss_kib(pid) if pid else None
        broadcast, cpu = await _broadcast(target, profile, fleet)
        rss_after = rss_kib(pid) if pid else None

    per_client = ((rss_idle - rss_before) / connected if connected and rss_before and rss_idle else None)
    result.add("clients connected", connected, "", target=(">=", profile.ws_clients))
    result.add("connections opened/s", connected / open_seconds if open_seconds else None, "/s")
    result.add("gateway RSS before", rss_before and rss_before / 1024, "MiB")
    result.add("gateway RSS with clients", rss_idle and rss_idle / 1024, "MiB")
    result.add("memory per idle client", per_client, "KiB", target=("<", 40))
    result.add("broadcast ideal", broadcast["ideal_per_second"], "msg/s", note="every client, every push interval")
    result.add("broadcast delivered/s", broadcast["delivered_per_second"], "msg/s", ceiling=CEILING_IDEAL)
    result.add("fan-out spread p50", broadcast["spread_p50_ms"], "ms")
    result.add("fan-out spread p99", broadcast["spread_p99_ms"], "ms")
    result.add("clients dropped", broadcast["dropped"], "", target=("==", 0))
    result.notes.append(
        f"{connected} clients over {profile.ws_processes} client processes (so the client is less "
        f"likely the bottleneck), compression offered: {compression or 'none'}; opened in "
        f"{open_seconds:.1f} s in batches of {profile.ws_batch}; failures: "
        f"{[r['failed'] for r in opened if r['failed']] or 'none'}")
    result.notes.append(
        f"broadcast: registrations at {profile.broadcast_rate}/s for {profile.broadcast_seconds} s so every "
        f"{PUSH_INTERVAL} s push carries a change; ideal = clients / push interval = "
        f"{broadcast['ideal_per_second']:,.0f} msg/s; fan-out spread = first to last client per update")
    result.notes.append("CPU during the broadcast (1.0 = one core): " + cores_text(cpu))
    if rss_after is not None:
        result.notes.append(f"gateway RSS after the broadcast: {rss_after / 1024:.1f} MiB")
    result.details = {"opened": opened, "broadcast": broadcast, "cpu_cores": cpu,
                      "rss_kib": {"before": rss_before, "idle": rss_idle, "after": rss_after},
                      "compression": compression}
    return result


async def _broadcast(target: Target, profile: Profile, fleet: ScreenFleet) -> tuple[dict, dict]:
    """Keep the counters moving and count what reaches the clients in a steady window."""
    count = max(1, round(profile.broadcast_rate * profile.broadcast_seconds))
    prefix = f"cast{secrets.token_hex(3)}"
    async with http_client(target.base_url, 16) as client:
        async def register(i: int) -> None:
            expect(await client.post("/api/attendees", json={"consent": True,
                "name": f"Bench {prefix} {i}", "request_id": f"{prefix}-{i}"}), 201)

        with CpuMeter({**target.pids, **fleet.pids}) as cpu:
            start = time.monotonic() + 1.0  # the first pushes may still be settling in
            await open_loop(count, profile.broadcast_rate, register, 64, profile.broadcast_seconds + 20)
            end = time.monotonic()
    await asyncio.sleep(0.5)
    merged = merge(await fleet.collect(timeout=60, start=start, end=end))
    window = max(end - start, 1e-9)
    open_clients = merged["open"]
    ideal = open_clients / PUSH_INTERVAL
    spreads = Histogram()
    spreads.extend(last - first for first, last, _ in merged["versions"].values())
    complete = sum(1 for *_, n in merged["versions"].values() if n >= open_clients)
    return {
        "window_seconds": round(window, 2), "delivered_in_window": merged["in_window"],
        "delivered_per_second": merged["in_window"] / window, "ideal_per_second": ideal,
        "share_of_ideal": merged["in_window"] / window / ideal if ideal else None,
        "updates": spreads.count, "updates_reaching_every_client": complete,
        "spread_p50_ms": spreads.percentile_ms(50), "spread_p99_ms": spreads.percentile_ms(99),
        "dropped": sum(n for code, n in merged["closed"].items()), "close_codes": merged["closed"],
        "open_clients": open_clients,
    }, cpu.result
