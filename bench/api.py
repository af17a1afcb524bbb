"""The gateway calls the scenarios share: registering attendees, setting up booths, reading stats."""
import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bench.load import expect
from bench.target import Target
from bench.wrk import Request, WrkRun, measured


@dataclass(frozen=True)
class Attendee:
    code: str
    token: str


async def register_attendees(target: Target, count: int, prefix: str, connections: int,
                             limit: float) -> tuple[list[Attendee], WrkRun, dict[str, float]]:
    """Register `count` new attendees through wrk, each with a request id of its own (as the form
    sends, so none is a retry): (attendees, the run, CPU ms per registration of each process)."""
    plan = [Request(0.0, "POST", "/api/attendees",
                    {"consent": True, "name": f"Bench {prefix} {i}", "request_id": f"{prefix}-{i}"})
            for i in range(count)]
    run, _, cpu_ms = await measured(target.pids, target.base_url, plan, connections, keep_bodies=True, limit=limit)
    attendees = [Attendee(code=body["code"], token=body["token"])
                 for body in run.json_bodies() if "token" in body]
    return attendees, run, cpu_ms


async def setup_booths(client: httpx.AsyncClient, organiser_token: str, prefix: str, booths: int,
                       devices_per_booth: int) -> dict[str, list[str]]:
    """Booths named `<prefix>-<n>` with their devices: booth id -> device tokens."""
    organiser = {"Authorization": f"Bearer {organiser_token}"}
    tokens: dict[str, list[str]] = {}
    for n in range(1, booths + 1):
        booth_id = f"{prefix}-{n}"
        expect(await client.put(f"/api/admin/booths/{booth_id}", headers=organiser, json={
            "name": {"vi": f"Gian hàng {n}", "en": f"Booth {n}"}, "order": 100 + n}), 200)
        devices = await asyncio.gather(*(
            client.post(f"/api/admin/booths/{booth_id}/devices", headers=organiser,
                        json={"label": f"bench device {d}"}) for d in range(devices_per_booth)))
        tokens[booth_id] = [expect(response, 201)["device_token"] for response in devices]
    return tokens


async def stats(client: httpx.AsyncClient) -> dict:
    return expect(await client.get("/api/stats"), 200)


async def settled_stats(client: httpx.AsyncClient, done: Callable[[dict], bool],
                        timeout: float) -> tuple[dict, bool, float]:
    """Poll /api/stats until `done` holds (events may still be on their way) or time is up:
    (the last stats, whether `done` held, seconds waited)."""
    started = time.monotonic()
    while True:
        current = await stats(client)
        waited = time.monotonic() - started
        if done(current):
            return current, True, waited
        if waited > timeout:
            return current, False, waited
        await asyncio.sleep(0.1)


async def quiet_stats(client: httpx.AsyncClient, timeout: float = 10.0) -> dict:
    """Stats once they stop moving (earlier scenarios' events have all arrived)."""
    previous = await stats(client)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        current = await stats(client)
        if current == previous:
            return current
        previous = current
    return previous
