"""Stats screens as separate client processes: each opens many /ws/stats connections.

The screens run outside the bench's own process (and spread over several) so that the
client side, which shares the same two cores with the stack, is less likely to be what
limits a figure. Every worker reports its own CPU use so that can be checked, not assumed.

Timestamps are `time.monotonic()`, which on Linux is one system-wide clock, so a worker's
receive times compare directly with the parent's send times.
"""
import asyncio
import multiprocessing
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from bench.measure import Histogram, own_cpu_seconds

VERSION = re.compile(r'"version":(\d+)')
BUCKET_SECONDS = 0.1
# The gateway's coalescing interval (STATS_PUSH_INTERVAL_SECONDS): at most one update per screen per interval.
PUSH_INTERVAL = float(os.environ.get("STATS_PUSH_INTERVAL_SECONDS", "0.1"))


@dataclass(frozen=True)
class FleetSpec:
    url: str
    count: int
    batch: int  # connections opened at once
    watch: str | None = None  # a counter whose every new value is timestamped per screen
    compression: str | None = "deflate"  # what browsers offer; None asks for no compression
    lifetime: float = 600.0  # a worker closes everything and exits after this, whatever happens


@dataclass
class Screen:
    """One connection's record: when each new value of the watched counter arrived."""

    values: list[tuple[float, int]] = field(default_factory=list)


class Worker:
    """The client-process side: open, listen, and answer the parent's commands."""

    def __init__(self, spec: FleetSpec, conn: Connection):
        self.spec = spec
        self.conn = conn
        self.watch = re.compile(rf'"{re.escape(spec.watch)}":(\d+)') if spec.watch else None
        self.screens: list[Screen] = []
        self.sockets: list[ClientConnection] = []
        self.connect_errors: Counter[str] = Counter()
        self.close_codes: Counter[str] = Counter()
        self._reset()

    def _reset(self) -> None:
        self.messages = 0
        self.buckets: Counter[int] = Counter()  # messages per 0.1 s of receive time
        self.versions: dict[int, list[float]] = {}  # version -> [first seen, last seen, count]
        for screen in self.screens:
            screen.values = screen.values[-1:]  # keep the last value as the next step's start

    async def main(self) -> None:
        deadline = time.monotonic() + self.spec.lifetime
        started = time.monotonic()
        readers: list[asyncio.Task] = []
        for first in range(0, self.spec.count, self.spec.batch):
            size = min(self.spec.batch, self.spec.count - first)
            opened = await asyncio.gather(*(self._open() for _ in range(size)))
            for ws in filter(None, opened):
                self.screens.append(Screen())
                self.sockets.append(ws)
                readers.append(asyncio.create_task(self._listen(ws, self.screens[-1])))
            if time.monotonic() > deadline:
                break
        self.conn.send({"connected": len(self.sockets), "failed": dict(self.connect_errors),
                        "seconds": time.monotonic() - started, "cpu": own_cpu_seconds()})
        await self._serve_commands(deadline)
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        for task in readers:
            task.cancel()

    async def _open(self) -> ClientConnection | None:
        try:
            return await connect(self.spec.url, compression=self.spec.compression, open_timeout=60,
                                 ping_interval=None, close_timeout=2, max_queue=64)
        except (OSError, TimeoutError, InvalidHandshake, InvalidStatus) as exc:
            self.connect_errors[type(exc).__name__] += 1
            return None

    async def _listen(self, ws: ClientConnection, screen: Screen) -> None:
        try:
            async for message in ws:
                self._record(screen, message if isinstance(message, str) else message.decode())
        except ConnectionClosed:
            pass
        code = ws.close_code
        self.close_codes[str(code)] += 1

    def _record(self, screen: Screen, text: str) -> None:
        now = time.monotonic()
        self.messages += 1
        self.buckets[int(now / BUCKET_SECONDS)] += 1
        version = VERSION.search(text)
        if version:
            seen = self.versions.setdefault(int(version.group(1)), [now, now, 0])
            seen[1] = now
            seen[2] += 1
        if self.watch:
            value = self.watch.search(text)
            if value and (not screen.values or int(value.group(1)) > screen.values[-1][1]):
                screen.values.append((now, int(value.group(1))))

    async def _serve_commands(self, deadline: float) -> None:
        readable = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_reader(self.conn.fileno(), readable.set)
        try:
            while time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(readable.wait(), deadline - time.monotonic())
                except TimeoutError:
                    return
                readable.clear()
                while self.conn.poll():
                    command, params = self.conn.recv()
                    if command == "close":
                        return
                    self.conn.send(self._collect(**params))
        finally:
            loop.remove_reader(self.conn.fileno())

    def _collect(self, start: float, end: float, series: dict[str, list[float]] | None = None,
                 base: int = 0) -> dict:
        """Figures for the window [start, end], then a fresh start for the next step.

        `series` names lists of times; in each, time i is matched with the watched counter
        reaching base + i + 1 (see `_screen_latencies`).
        """
        latency: dict[str, dict[int, int]] = {}
        missed = 0
        for label, times in (series or {}).items():
            histogram = Histogram()
            missed = max(missed, sum(not _screen_latencies(screen, times, base, histogram)
                                     for screen in self.screens))
            latency[label] = dict(histogram.buckets)
        first, last = int(start / BUCKET_SECONDS), int(end / BUCKET_SECONDS)
        reply = {
            "open": sum(1 for ws in self.sockets if ws.close_code is None),
            "closed": dict(self.close_codes), "messages": self.messages,
            "in_window": sum(n for bucket, n in self.buckets.items() if first <= bucket < last),
            "versions": {v: seen for v, seen in self.versions.items() if start <= seen[0] <= end},
            "latency": latency, "missed": missed, "cpu": own_cpu_seconds(),
        }
        self._reset()
        return reply


def _screen_latencies(screen: Screen, times: list[float], base: int, histogram: Histogram) -> bool:
    """Add, for every value this screen saw, the time from its matching time in `times`
    (time i for the value base+i+1) to the screen; True if the screen saw the last value."""
    if not screen.values:
        return False
    previous = screen.values[0][1]
    for seen_at, value in screen.values[1:]:
        for reached in range(max(previous, base) + 1, min(value, base + len(times)) + 1):
            histogram.add(seen_at - times[reached - base - 1])
        previous = max(previous, value)
    return previous >= base + len(times)


def _worker_main(spec: FleetSpec, conn: Connection) -> None:
    asyncio.run(Worker(spec, conn).main())


class ScreenFleet:
    """The parent's side: `processes` workers sharing `spec.count` connections between them."""

    def __init__(self, spec: FleetSpec, processes: int):
        context = multiprocessing.get_context("spawn")  # no inherited threads or event loop
        self.pipes: list[Connection] = []
        self.procs: list[BaseProcess] = []
        for i in range(processes):
            count = spec.count // processes + (1 if i < spec.count % processes else 0)
            parent, child = context.Pipe()
            proc = context.Process(target=_worker_main, args=(
                FleetSpec(**{**spec.__dict__, "count": count}), child), daemon=True)
            self.pipes.append(parent)
            self.procs.append(proc)

    async def open(self, timeout: float) -> list[dict]:
        """Start the workers; their reports once every connection is open (or has failed)."""
        for proc in self.procs:
            proc.start()
        return await self._replies(timeout)

    async def collect(self, timeout: float, **params) -> list[dict]:
        for pipe in self.pipes:
            pipe.send(("collect", params))
        return await self._replies(timeout)

    async def _replies(self, timeout: float) -> list[dict]:
        deadline = time.monotonic() + timeout
        replies = []
        for pipe in self.pipes:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                if not await asyncio.to_thread(pipe.poll, remaining):
                    raise TimeoutError("a screen worker did not answer in time")
                replies.append(pipe.recv())
            except EOFError:
                raise RuntimeError("a screen worker exited early (see its traceback above)") from None
        return replies

    def close(self) -> None:
        for pipe, proc in zip(self.pipes, self.procs, strict=True):
            if proc.is_alive():
                try:
                    pipe.send(("close", {}))
                except OSError:
                    pass
        for proc in self.procs:
            if proc.pid is None:
                continue  # never started
            proc.join(15)
            if proc.is_alive():
                proc.kill()
                proc.join()

    @property
    def pids(self) -> dict[str, int]:
        return {f"screens {i + 1}": proc.pid for i, proc in enumerate(self.procs) if proc.pid}

    def __enter__(self) -> "ScreenFleet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def merge(replies: list[dict]) -> dict:
    """One view of every worker's reply."""
    latency: dict[str, Histogram] = {}
    versions: dict[int, list[float]] = {}
    closed: Counter[str] = Counter()
    for reply in replies:
        for label, buckets in reply["latency"].items():
            latency.setdefault(label, Histogram()).merge({int(k): v for k, v in buckets.items()})
        closed.update(reply["closed"])
        for version, (first, last, count) in reply["versions"].items():
            seen = versions.setdefault(int(version), [first, last, 0])
            seen[0], seen[1], seen[2] = min(seen[0], first), max(seen[1], last), seen[2] + count
    return {"open": sum(r["open"] for r in replies), "in_window": sum(r["in_window"] for r in replies),
            "messages": sum(r["messages"] for r in replies), "missed": sum(r["missed"] for r in replies),
            "closed": dict(closed), "versions": versions, "latency": latency}
