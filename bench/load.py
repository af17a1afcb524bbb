"""Python requests at the gateway, for the slow paced loads beside sockets (screens, broadcasts).

The timed HTTP load goes through wrk (bench/wrk.py).

Every loop stops by itself: when its items run out or its deadline passes, whichever is first.
"""
import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from bench.measure import Histogram

T = TypeVar("T")
HTTP_TIMEOUT_SECONDS = 30.0  # above the gateway's own RPC timeout, so we see its 503s


class UnexpectedStatus(Exception):
    def __init__(self, response: httpx.Response):
        super().__init__(f"HTTP {response.status_code}: {response.text[:200]}")
        self.status = response.status_code


def expect(response: httpx.Response, *statuses: int) -> dict:
    if response.status_code not in statuses:
        raise UnexpectedStatus(response)
    return response.json()


def http_client(base_url: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, timeout=HTTP_TIMEOUT_SECONDS, limits=limits)


def error_name(exc: Exception) -> str:
    return f"HTTP {exc.status}" if isinstance(exc, UnexpectedStatus) else type(exc).__name__


@dataclass
class LoadRun:
    """What a loop did: successes, failures by kind, latency of the successes, wall time."""

    done: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latency: Histogram = field(default_factory=Histogram)
    seconds: float = 0.0
    unfinished: int = 0  # items left when the deadline passed

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {"done": self.done, "errors": dict(self.errors), "seconds": round(self.seconds, 3),
                "per_second": round(self.rate, 1), "unfinished": self.unfinished,
                **self.latency.summary()}


async def _timed(run: LoadRun, send: Callable[[T], Awaitable[object]], item: T) -> None:
    started = time.monotonic()
    try:
        await send(item)
    except (UnexpectedStatus, httpx.HTTPError) as exc:
        run.errors[error_name(exc)] += 1
        return
    run.latency.add(time.monotonic() - started)
    run.done += 1


async def open_loop(count: int, rate: float, send: Callable[[int], Awaitable[object]],
                    max_in_flight: int, timeout: float) -> tuple[LoadRun, float]:
    """Start `send(i)` for i in 0..count-1 at `rate` per second, whatever the answers' pace.

    At most `max_in_flight` requests wait at once; when the system falls behind, starts are
    delayed and the delay is returned (the worst lag behind schedule, in seconds) rather than
    hidden. Nothing starts after `timeout`; requests still waiting then are cancelled and
    counted as errors.
    """
    run = LoadRun()
    slots = asyncio.Semaphore(max_in_flight)
    started = time.monotonic()
    deadline = started + timeout
    worst_lag = 0.0
    tasks: list[asyncio.Task] = []

    async def one(i: int) -> None:
        try:
            await _timed(run, send, i)
        finally:
            slots.release()

    for i in range(count):
        due = started + i / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        await slots.acquire()
        now = time.monotonic()
        if now > deadline:
            slots.release()
            run.unfinished = count - i
            break
        worst_lag = max(worst_lag, now - due)
        tasks.append(asyncio.create_task(one(i)))
    if tasks:
        await asyncio.wait(tasks, timeout=max(1.0, deadline - time.monotonic()))
    waiting = [task for task in tasks if not task.done()]
    for task in waiting:
        task.cancel()
    if waiting:
        run.errors["no answer by the bench's deadline"] += len(waiting)
    run.seconds = time.monotonic() - started
    return run, worst_lag
