"""Small measuring tools every scenario shares: latency histograms, process CPU and memory.

Latencies go into 0.1 ms buckets rather than lists so a run with millions of samples (every
screen times every event) stays small in memory and merges cheaply across processes.
"""
import os
import resource
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

BUCKETS_PER_MS = 10
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Histogram:
    """Latencies in 0.1 ms buckets; exact enough for p50/p99 and mergeable across processes."""

    buckets: Counter[int] = field(default_factory=Counter)

    def add(self, seconds: float) -> None:
        self.buckets[max(0, round(seconds * 1000 * BUCKETS_PER_MS))] += 1

    def extend(self, samples: Iterable[float]) -> None:
        for seconds in samples:
            self.add(seconds)

    def merge(self, other: "Histogram | dict[int, int]") -> None:
        self.buckets.update(other.buckets if isinstance(other, Histogram) else other)

    @property
    def count(self) -> int:
        return sum(self.buckets.values())

    def percentile_ms(self, pct: float) -> float | None:
        """The smallest latency at or above which `pct` % of samples lie, in ms."""
        total = self.count
        if not total:
            return None
        rank = max(1, round(total * pct / 100))
        seen = 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen >= rank:
                return bucket / BUCKETS_PER_MS
        return None

    def max_ms(self) -> float | None:
        return max(self.buckets) / BUCKETS_PER_MS if self.buckets else None

    def summary(self) -> dict[str, float | int | None]:
        return {"count": self.count, "p50_ms": self.percentile_ms(50),
                "p99_ms": self.percentile_ms(99), "max_ms": self.max_ms()}


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process (VmRSS), in KiB; None when it is gone or not ours to read."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU a process has used so far (from /proc/<pid>/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores, from /proc/stat.

    Whatever else runs on the machine (another developer's tests) shows up here too.
    """
    with open("/proc/stat") as stat:
        fields = [int(n) for n in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # guest time is already inside user time
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU used by named processes over a stretch of time, as a share of one core.

    It shows where a scenario's time went (which service is the bottleneck, how much the
    load generator itself took from the same two cores).
    """

    def __init__(self, pids: dict[str, int]):
        self._pids = pids
        self._start: dict[str, float | None] = {}
        self._started_at = 0.0
        self.seconds = 0.0

    def __enter__(self) -> "CpuMeter":
        self._started_at = time.monotonic()
        self._start = {name: cpu_seconds(pid) for name, pid in self._pids.items()}
        self._start["bench client"] = own_cpu_seconds()
        self._machine = machine_busy_seconds()
        self.result: dict[str, float] = {}
        return self

    def __exit__(self, *exc: object) -> None:
        wall = self.seconds = max(time.monotonic() - self._started_at, 1e-9)
        now = {name: cpu_seconds(pid) for name, pid in self._pids.items()}
        now["bench client"] = own_cpu_seconds()
        for name, start in self._start.items():
            end = now.get(name)
            if start is not None and end is not None:
                self.result[name] = round((end - start) / wall, 3)  # 1.0 = one full core
        busy, total = machine_busy_seconds()
        cores = os.cpu_count() or 1
        if total > self._machine[1]:
            self.result["whole machine"] = round((busy - self._machine[0]) / (total - self._machine[1]) * cores, 3)

    def add(self, name: str, cpu_seconds: float) -> None:
        """A child that has ended (wrk) and whose CPU was read when it was reaped."""
        self.result[name] = round(cpu_seconds / self.seconds, 3)


def cpu_ms_each(cores: dict[str, float], seconds: float, count: int) -> dict[str, float]:
    """CPU milliseconds each process spent per request: what one request costs the machine."""
    if not count:
        return {}
    return {name: round(share * seconds / count * 1000, 2) for name, share in cores.items()
            if name != "whole machine"}


def stack_total(ms: dict[str, float]) -> float:
    """The stack's own processes only: not the load generator, not the bench itself."""
    return sum(v for name, v in ms.items() if name not in ("bench client", "wrk"))


def cores_text(cores: dict[str, float]) -> str:
    """CPU shares, busiest first: `checkin 0.97, mongo 0.60, ...` (1.0 = one full core)."""
    return ", ".join(f"{name} {share:.2f}" for name, share in sorted(cores.items(), key=lambda kv: -kv[1]))


def fmt_number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"
