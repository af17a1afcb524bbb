"""Starts the whole stack: the embedded database (unless MONGO_URL is set), the four
services and the gateway; `make run` and the end-to-end tests both use it.

Ctrl-C (or SIGTERM) stops every process it started, and nothing else.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

import httpx

from shared.config import REPO_ROOT, Settings

SERVICES = ("registration", "checkin", "quiz", "livestream")
EMBEDDED_MONGO_PORT = 27117


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout}s")


class Stack:
    def __init__(self, env: dict[str, str], mongo_storage: str, mongo_port: int,
                 gateway_port: int, services: tuple[str, ...] = SERVICES, echo: bool = True):
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.own_mongo = not self.env.get("MONGO_URL")  # else MONGO_URL names the database to use
        self.mongo_storage = mongo_storage
        self.mongo_port = mongo_port
        self.gateway_port = gateway_port
        self.services = services
        self.echo = echo
        self.procs: dict[str, subprocess.Popen] = {}
        self.output: deque[str] = deque(maxlen=500)  # the last lines, for a failing test's report

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(args, cwd=REPO_ROOT, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        threading.Thread(target=self._relay, args=(name, proc), daemon=True).start()
        self.procs[name] = proc
        return proc

    def _relay(self, name: str, proc: subprocess.Popen) -> None:
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
            str(Path(sys.executable).with_name("secantusd-py")), "--host", "127.0.0.1",
            "--port", str(self.mongo_port), "--storage-path", self.mongo_storage,
            "--log-level", "WARNING"])
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
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

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
                    raise RuntimeError(f"{name} exited with {proc.returncode}")
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
    stack = Stack({}, str(settings.data_dir / "mongo"), EMBEDDED_MONGO_PORT, settings.gateway_port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stack.start()
        from tools.seed import DEMO_CONTEST, seed

        links = seed(stack.base_url, settings.organiser_secret(), settings.data_dir)
        print(f"\nReady.\n  Registration:   {stack.base_url}/register\n"
              f"  Booth scanner:  {stack.base_url}/scan  (device links in {links})\n"
              f"  Contest:        {stack.base_url}/contest/{DEMO_CONTEST}\n"
              f"  Livestream:     {stack.base_url}/live   (moderators: {stack.base_url}/moderate)\n"
              f"  MC screen:      {stack.base_url}/screen\n  API docs:       {stack.base_url}/docs\n"
              f"  Organiser token (Authorization: Bearer …): {settings.organiser_secret()}\n"
              "Ctrl-C stops everything.\n", flush=True)
        while not stop.is_set():
            for name, proc in stack.procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping.", flush=True)
                    stop.set()
            stop.wait(1)
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
