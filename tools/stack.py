"""Starts the whole stack: the embedded database (unless MONGO_URL is set), the four
services and the gateway; `make run` and the end-to-end tests both use it.

Under `make run` a process that dies is restarted with backoff while the rest keeps serving;
only Ctrl-C (or SIGTERM) stops the stack, and then every process it started, and nothing else.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.config import REPO_ROOT, Settings

SERVICES = ("registration", "checkin", "quiz", "livestream")
EMBEDDED_MONGO_PORT = 27117
SECANTUSD = Path(sys.executable).with_name("secantusd-py")
# Waits before restarting a process that died, longer after each crash in a row.
RESTART_BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
# A process that ran this long before dying was healthy: its next restart waits the shortest time.
STEADY_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout}s")


@dataclass
class Backoff:
    """How long to wait before restarting one process: a crash loop backs off, a rare crash does not."""

    crashes: int = 0

    def next_delay(self, ran_for: float) -> float:
        if ran_for >= STEADY_SECONDS:
            self.crashes = 0
        delay = RESTART_BACKOFF_SECONDS[min(self.crashes, len(RESTART_BACKOFF_SECONDS) - 1)]
        self.crashes += 1
        return delay


def exit_reason(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"


class Stack:
    def __init__(self, env: dict[str, str], mongo_storage: str, mongo_port: int,
                 gateway_port: int, services: tuple[str, ...] = SERVICES, echo: bool = True,
                 sync_on_commit: bool = False):
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.own_mongo = not self.env.get("MONGO_URL")  # else MONGO_URL names the database to use
        self.mongo_storage = mongo_storage
        self.mongo_port = mongo_port
        self.sync_on_commit = sync_on_commit
        self.gateway_port = gateway_port
        self.services = services
        self.echo = echo
        self.procs: dict[str, subprocess.Popen] = {}
        self.started_at: dict[str, float] = {}
        self.output: deque[str] = deque(maxlen=500)  # the last lines, for a failing test's report

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(args, cwd=REPO_ROOT, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        threading.Thread(target=self._relay, args=(name, proc), daemon=True).start()
        self.procs[name] = proc
        self.started_at[name] = time.monotonic()
        return proc

    def _relay(self, name: str, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None  # spawned with a pipe
        for line in proc.stdout:
            self.output.append(f"{name:>12} | {line}")
            if self.echo:
                sys.stdout.write(self.output[-1])

    def start_mongo(self) -> None:
        """(Re)start the embedded database, unless MONGO_URL names one to use."""
        if not self.own_mongo:
            return
        if self.mongo_storage != ":memory:":
            Path(self.mongo_storage).mkdir(parents=True, exist_ok=True)
        proc = self._spawn("mongo", [
            str(SECANTUSD), "--host", "127.0.0.1",
            "--port", str(self.mongo_port), "--storage-path", self.mongo_storage,
            "--log-level", "WARNING", *(["--sync-on-commit"] if self.sync_on_commit else [])])
        wait_for_port(self.mongo_port, 60, proc)
        self.env["MONGO_URL"] = f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"

    def start(self, ready_timeout: float = 60, wait_ready: bool = True) -> "Stack":
        """Start everything; by default return once the gateway reports ready."""
        try:
            self.start_mongo()
            for service in self.services:
                self.start_service(service)
            self.start_gateway(ready_timeout, wait_ready)
        except BaseException:
            self.stop()
            raise
        return self

    def start_service(self, name: str) -> None:
        """(Re)start one service; it takes its share of requests once it has connected."""
        self._spawn(name, [sys.executable, "-m", "services.run", name])

    def kill(self, name: str) -> None:
        """Kill one process at once (SIGKILL): no clean shutdown, no acknowledgements sent."""
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def restart(self, name: str) -> None:
        """Start a process of the stack again after it died."""
        if name == "mongo":
            self.start_mongo()
        elif name == "gateway":
            self.start_gateway(wait_ready=False)
        else:
            self.start_service(name)

    def supervise(self, stop: threading.Event, log=print) -> None:
        """Restart every process that dies, with backoff, until `stop` is set; the rest keeps serving."""
        backoffs: dict[str, Backoff] = defaultdict(Backoff)
        due: dict[str, float] = {}
        while not stop.wait(0.2):
            now = time.monotonic()
            for name, proc in list(self.procs.items()):
                if name not in due and proc.poll() is not None:
                    delay = backoffs[name].next_delay(now - self.started_at[name])
                    log(f"{name} {exit_reason(proc.returncode)}; restarting it in {delay:g} s")
                    due[name] = now + delay
            for name, when in list(due.items()):
                if when <= now and not stop.is_set():
                    del due[name]
                    try:
                        self.restart(name)
                    except (RuntimeError, TimeoutError) as exc:
                        log(f"{name} did not start again: {exc}")

    def start_gateway(self, ready_timeout: float = 60, wait_ready: bool = True) -> None:
        """(Re)start the gateway; by default return once it reports ready."""
        self.env["GATEWAY_PORT"] = str(self.gateway_port)
        gateway = self._spawn("gateway", [sys.executable, "-m", "gateway.main"])
        if wait_ready:
            self.wait_ready(ready_timeout)
        else:
            wait_for_port(self.gateway_port, ready_timeout, gateway)

    def wait_ready(self, timeout: float) -> None:
        """Until the gateway has every counter's snapshot, so every service answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} {exit_reason(proc.returncode)}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError("the stack was not ready in time")

    def stop(self, name: str | None = None) -> None:
        """Stop one process, or all: the gateway and services together, then the database."""
        if name:
            self._stop_group([name])
            return
        self._stop_group([n for n in self.procs if n != "mongo"])
        self._stop_group(["mongo"])

    def _stop_group(self, names: list[str]) -> None:
        procs = [p for p in (self.procs.pop(n, None) for n in names) if p and p.poll() is None]
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    settings = Settings()
    stack = Stack({}, str(settings.data_dir / "mongo"), EMBEDDED_MONGO_PORT, settings.gateway_port,
                  sync_on_commit=settings.mongo_sync_on_commit)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stack.start()
        from tools.backup import backup_every
        from tools.seed import DEMO_CONTEST, seed

        links = seed(stack.base_url, settings.organiser_secret(), settings.data_dir)
        print(f"\nReady.\n  Registration:   {stack.base_url}/register\n"
              f"  Booth scanner:  {stack.base_url}/scan  (device links in {links})\n"
              f"  Contest:        {stack.base_url}/contest/{DEMO_CONTEST}\n"
              f"  Livestream:     {stack.base_url}/live   (moderators: {stack.base_url}/moderate)\n"
              f"  MC screen:      {stack.base_url}/screen\n  API docs:       {stack.base_url}/docs\n"
              f"  Organiser token (Authorization: Bearer …): {settings.organiser_secret()}\n"
              "Ctrl-C stops everything.\n", flush=True)
        def say(line: str) -> None:
            print(f"{'stack':>12} | {line}", flush=True)

        if stack.own_mongo and settings.backup_interval_minutes > 0:
            threading.Thread(target=backup_every, daemon=True, args=(
                stop, settings.backup_interval_minutes, stack.env["MONGO_URL"], settings.data_dir / "backups",
                settings.backups_kept, say)).start()
        stack.supervise(stop, log=say)
    except KeyboardInterrupt:
        pass
    except (RuntimeError, TimeoutError, httpx.HTTPError) as exc:
        print(f"The stack did not start: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    finally:
        print("Stopping…", flush=True)
        stack.stop()


if __name__ == "__main__":
    main()
