"""The timed load: wrk (C, LuaJIT) sends a planned list of requests, open loop.

Python plans the requests (who sends what, when); `bench/wrk.lua` schedules each at its planned
time on the next free connection, whatever the answers' pace, and counts what comes back. A
Python client cannot do this here: at a few hundred requests per second it takes as much CPU as
the stack it measures and falls seconds behind its own schedule. The run reports how far behind
schedule wrk itself started requests and the CPU it used, so a late generator is seen, not hidden.
"""
import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import CpuMeter, cpu_ms_each
from bench.target import raise_fd_limit

SCRIPT = Path(__file__).with_name("wrk.lua")
SPARE_FILES = 1_024  # wrk's own files beside its connections
CONNECT_SECONDS_EACH = 0.000_2  # time allowed per connection before the schedule starts
START_MARGIN_SECONDS = 0.2
POLL_SECONDS = 0.05
ANSWER_TIMEOUT_SECONDS = 30  # above the gateway's own time limits, so their 503s are seen
INSTALL_HINT = "wrk is missing: run 'sudo apt-get install -y wrk' (or `make wrk` as root)"


@dataclass(frozen=True)
class Request:
    at: float  # seconds after the schedule starts
    method: str
    path: str
    body: dict | list | None = None
    headers: dict[str, str] | None = None


@dataclass
class WrkRun:
    """What wrk saw: answers by status (and error or outcome code), latency, lag behind schedule."""

    planned: int
    statuses: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    answered: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # sockets: connect, read, write, timeout
    latency_ms: dict[str, float] = field(default_factory=dict)  # p50 p90 p99 max, from the send
    lag_ms: dict[str, float] = field(default_factory=dict)  # start behind schedule: p50 p99 max
    seconds: float = 0.0  # first request sent to last answer in
    wrk_cpu_seconds: float = 0.0
    bodies: list[str] = field(default_factory=list)

    def json_bodies(self) -> list[dict]:
        """The answers' bodies that are JSON objects (an error page is skipped, and counted in statuses)."""
        found = []
        for body in self.bodies:
            try:
                value = json.loads(body)
            except ValueError:
                continue
            if isinstance(value, dict):
                found.append(value)
        return found

    @property
    def ok(self) -> int:
        return sum(n for key, n in self.statuses.items() if key.startswith("2"))

    @property
    def rate(self) -> float:
        """Answers in per second, between the first request out and the last answer in."""
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return self.planned - self.ok

    def cpu_ms_each(self) -> float:
        return round(self.wrk_cpu_seconds / self.answered * 1000, 3) if self.answered else 0.0

    def summary(self) -> dict:
        return {"planned": self.planned, "sent": self.sent, "answered": self.answered,
                "statuses": dict(self.statuses), "socket_errors": self.errors, "latency_ms": self.latency_ms,
                "lag_ms": self.lag_ms, "seconds": round(self.seconds, 3), "per_second": round(self.rate, 1),
                "wrk_cpu_seconds": round(self.wrk_cpu_seconds, 3), "wrk_cpu_ms_each": self.cpu_ms_each()}

    def text(self) -> str:
        return (f"{self.answered:,} of {self.planned:,} answered in {self.seconds:.1f} s "
                f"({self.rate:,.0f}/s): {dict(sorted(self.statuses.items()))}"
                + (f", socket errors {self.errors}" if any(self.errors.values()) else "")
                + f"; wrk started requests behind schedule p50 {self.lag_ms.get('p50', 0):.1f} ms, "
                  f"max {self.lag_ms.get('max', 0):.0f} ms, on {self.cpu_ms_each():.2f} ms CPU each")


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError(INSTALL_HINT)
    return path


def _lua_plan(start: float, threads: int, requests: list[Request]) -> str:
    """The plan as a Lua table; JSON strings without \\u escapes are Lua strings too."""
    def lua(value: object) -> str:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if "\\u" in text:
            raise ValueError(f"a control character in {text[:80]}")
        return text

    rows = []
    for r in requests:
        headers = "{" + ",".join(f"[{lua(k)}]={lua(v)}" for k, v in (r.headers or {}).items()) + "}"
        body = "nil" if r.body is None else lua(lua(r.body))
        rows.append(f"{{{r.at:.6f},{lua(r.method)},{lua(r.path)},{body},{headers}}}")
    return f"return {{start={start:.6f},threads={threads},requests={{\n" + ",\n".join(rows) + "\n}}\n"


def run_wrk(base_url: str, requests: list[Request], connections: int, threads: int = 1,
            keep_bodies: bool = False, limit: float | None = None) -> WrkRun:
    """Send `requests` (sorted by `at`) over `connections` kept-alive connections, open loop.

    wrk stops `limit` seconds after the schedule starts, answered or not; by default when the
    last request has had ANSWER_TIMEOUT_SECONDS. A plan that starts everything at once (as fast as
    the connections go) needs a limit of its own."""
    requests = sorted(requests, key=lambda r: r.at)
    connections = max(connections, threads)
    files = raise_fd_limit(connections + SPARE_FILES)
    if files < connections + SPARE_FILES // 4:
        raise RuntimeError(f"{connections:,} connections need more open files than {files:,}: raise `ulimit -n`")
    run = WrkRun(planned=len(requests))
    with tempfile.TemporaryDirectory(prefix="ndld-wrk-") as scratch:
        folder = Path(scratch)
        start = time.monotonic() + START_MARGIN_SECONDS + connections * CONNECT_SECONDS_EACH
        (folder / "plan.lua").write_text(_lua_plan(start, threads, requests))
        last = requests[-1].at if requests else 0.0
        limit = start - time.monotonic() + (limit or last + ANSWER_TIMEOUT_SECONDS)
        args = [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{limit:.0f}s",
                "--timeout", f"{ANSWER_TIMEOUT_SECONDS}s", "-s", str(SCRIPT), base_url, "--",
                str(folder / "plan.lua"), str(folder / "done.")]
        if keep_bodies:
            args.append(str(folder / "bodies."))
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        _stop_when_answered(proc, folder, threads, time.monotonic() + limit)
        output = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        run.wrk_cpu_seconds = usage.ru_utime + usage.ru_stime
        line = next((x for x in output.splitlines() if x.startswith("BENCH-WRK ")), None)
        if line is None:
            raise RuntimeError(f"wrk gave no result (exit {proc.returncode}): {output[-500:]}")
        data = json.loads(line.removeprefix("BENCH-WRK "))
        if keep_bodies:
            for k in range(threads):
                run.bodies += (folder / f"bodies.{k}").read_text().splitlines()
    run.statuses.update(data["statuses"])
    run.sent, run.answered, run.errors = data["sent"], data["answered"], data["errors"]
    run.latency_ms, run.lag_ms, run.seconds = data["latency_ms"], data["lag_ms"], data["busy_seconds"]
    return run


def _stop_when_answered(proc: subprocess.Popen, folder: Path, threads: int, deadline: float) -> None:
    """wrk runs for a fixed time; once every thread has all its answers, stop it (SIGINT: it reports)."""
    while proc.poll() is None and time.monotonic() < deadline:
        if all((folder / f"done.{k}").exists() for k in range(threads)):
            proc.send_signal(signal.SIGINT)
            return
        time.sleep(POLL_SECONDS)


async def wrk(base_url: str, requests: list[Request], connections: int, keep_bodies: bool = False,
              limit: float | None = None) -> WrkRun:
    return await asyncio.to_thread(run_wrk, base_url, requests, connections, 1, keep_bodies, limit)


def spread(count: int, seconds: float) -> list[float]:
    """`count` send times evenly over `seconds`: an open loop's schedule."""
    return [i * seconds / count for i in range(count)] if count else []


async def measured(pids: dict[str, int], base_url: str, requests: list[Request], connections: int,
                   keep_bodies: bool = False, limit: float | None = None,
                   ) -> tuple[WrkRun, dict[str, float], dict[str, float]]:
    """A wrk run with the CPU each process spent: (run, cores used, CPU ms per answer)."""
    with CpuMeter(pids) as cpu:
        run = await wrk(base_url, requests, connections, keep_bodies, limit)
    cpu.add("wrk", run.wrk_cpu_seconds)
    return run, cpu.result, cpu_ms_each(cpu.result, cpu.seconds, run.answered)
