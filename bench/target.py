"""What the bench measures: a throwaway stack of its own, or a running one named by BENCH_URL.

A stack of its own gets a fresh RabbitMQ virtual host (made and removed through the
management API), a fresh in-memory database server and a temporary DATA_DIR, so a run
leaves nothing behind and is not disturbed by anyone else's queues or data.
"""
import os
import re
import resource
import secrets
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, urlparse, urlunparse

import httpx

from shared.config import Settings
from tools.stack import Stack, free_port

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PROBLEM_LINE = re.compile(r"\b(WARNING|ERROR|CRITICAL|Traceback)\b")


@dataclass
class Target:
    base_url: str
    organiser_token: str
    amqp_uri: str  # the bench's own vhost, for the broker ceilings
    mongo_url: str | None  # the stack's database server, for the database ceiling
    db_name: str  # the stack's database on it
    pids: dict[str, int] = field(default_factory=dict)  # processes whose CPU and memory we read
    stack: "WatchedStack | None" = None

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http", "ws", 1) + "/ws/stats"

    @property
    def gateway_pid(self) -> int | None:
        return self.pids.get("gateway")


class WatchedStack(Stack):
    """A Stack that also counts each process's warning and error lines, as evidence of trouble,
    keeping the first few of each kind with the lines that follow them (their traceback)."""

    SAMPLES = 2
    CONTEXT_LINES = 25

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems: Counter[str] = Counter()
        self.problem_samples: dict[str, list[list[str]]] = {}

    def _relay(self, name: str, proc) -> None:  # runs in the Stack's relay thread, one per process
        capturing: list[str] | None = None
        for line in proc.stdout:
            self.output.append(f"{name:>12} | {line}")
            if capturing is not None and len(capturing) < self.CONTEXT_LINES:
                capturing.append(line.rstrip()[:300])
            match = PROBLEM_LINE.search(line)
            if match and match.group(1) != "Traceback":
                key = f"{name} {match.group(1)}"
                self.problems[key] += 1
                samples = self.problem_samples.setdefault(key, [])
                if len(samples) < self.SAMPLES:
                    capturing = [line.rstrip()[:300]]
                    samples.append(capturing)


def _require_loopback(url: str) -> None:
    if urlparse(url).hostname not in LOOPBACK:
        raise SystemExit(f"the bench only sends traffic to 127.0.0.1, not to {url}")


def raise_fd_limit(wanted: int) -> int:
    """Let this process (and the stack it starts, which inherits it) hold `wanted` sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    new = wanted if hard == resource.RLIM_INFINITY else min(max(soft, wanted), hard)
    if new > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@contextmanager
def bench_vhost(settings: Settings) -> Iterator[str]:
    """A RabbitMQ virtual host of the run's own; yields its AMQP URI and deletes it afterwards."""
    _require_loopback(settings.rabbit_api_uri)
    _require_loopback(settings.amqp_uri)
    api = urlparse(settings.rabbit_api_uri)
    auth = (api.username or "guest", api.password or "guest")
    base = urlunparse(api._replace(netloc=f"{api.hostname}:{api.port or 15672}"))
    name = f"bench-{secrets.token_hex(4)}"
    url = f"{base}/api/vhosts/{quote(name, safe='')}"
    httpx.put(url, auth=auth, timeout=10).raise_for_status()
    try:
        httpx.put(f"{base}/api/permissions/{quote(name, safe='')}/{quote(auth[0], safe='')}", auth=auth,
                  json={"configure": ".*", "write": ".*", "read": ".*"}, timeout=10).raise_for_status()
        amqp = urlparse(settings.amqp_uri)
        yield urlunparse(amqp._replace(path="/" + quote(name, safe="")))
    finally:
        httpx.delete(url, auth=auth, timeout=10)


@contextmanager
def own_stack(amqp_uri: str) -> Iterator[Target]:
    """A whole fresh stack as subprocesses, stopped (and its temp data removed) afterwards."""
    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="ndld-bench-") as data_dir:
        env = {"AMQP_URI": amqp_uri, "MONGO_URL": "", "MONGO_DB": "bench", "DATA_DIR": data_dir,
               "ORGANISER_TOKEN": token}
        stack = WatchedStack(env, mongo_storage=":memory:", mongo_port=free_port(),
                             gateway_port=free_port(), echo=False)
        try:
            stack.start(ready_timeout=90)
        except (RuntimeError, TimeoutError):
            sys.stderr.write("".join(stack.output))
            raise
        try:
            yield Target(base_url=stack.base_url, organiser_token=token, amqp_uri=amqp_uri,
                         mongo_url=stack.env["MONGO_URL"], db_name=env["MONGO_DB"],
                         pids={name: proc.pid for name, proc in stack.procs.items()}, stack=stack)
        finally:
            stack.stop()


def external_target(base_url: str, amqp_uri: str, settings: Settings) -> Target:
    """A running stack: BENCH_URL, with ORGANISER_TOKEN, and optionally MONGO_URL and
    BENCH_GATEWAY_PID for the database ceiling and the gateway's memory."""
    _require_loopback(base_url)
    token = os.environ.get("ORGANISER_TOKEN") or settings.organiser_secret()
    mongo_url = os.environ.get("MONGO_URL") or None
    if mongo_url:
        _require_loopback(mongo_url.replace("mongodb://", "http://", 1).split(",")[0])
    pid = os.environ.get("BENCH_GATEWAY_PID")
    return Target(base_url=base_url.rstrip("/"), organiser_token=token, amqp_uri=amqp_uri,
                  mongo_url=mongo_url, db_name=settings.mongo_db, pids={"gateway": int(pid)} if pid else {})


@contextmanager
def open_target(bench_url: str | None) -> Iterator[Target]:
    settings = Settings()
    with bench_vhost(settings) as amqp_uri:
        if bench_url:
            yield external_target(bench_url, amqp_uri, settings)
        else:
            with own_stack(amqp_uri) as target:
                yield target
