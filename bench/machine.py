"""What machine a result came from: figures mean little without the cores and memory behind them."""
import os
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version


def _first(path: str, prefix: str) -> str | None:
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def source_state(repo: str) -> dict:
    """Which code was measured: the commit, and how many files differ from it (read-only git)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            return ""
    changed = git("status", "--porcelain").splitlines()
    return {"commit": git("rev-parse", "--short", "HEAD").strip() or None, "files_changed": len(changed)}


def describe() -> dict:
    mem_kib = _first("/proc/meminfo", "MemTotal")
    return {
        "cpus": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": _first("/proc/cpuinfo", "model name"),
        "memory_total": f"{int(mem_kib.split()[0]) / 1024 / 1024:.1f} GiB" if mem_kib else None,
        "load_average": os.getloadavg(), "kernel": platform.release(),
        "python": sys.version.split()[0],
        "packages": {p: _version(p) for p in ("SecantusDB", "nameko", "uvicorn", "websockets",
                                              "aio-pika", "httpx", "fastapi")},
    }
