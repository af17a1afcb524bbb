"""Entrypoints every service offers alike: its counters for the gateways, a health check over the
broker (readiness) and a heartbeat on local disk (liveness)."""
import tempfile
import time
from pathlib import Path
from typing import Any

import eventlet
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

HEARTBEAT_SECONDS = 5.0
# A heartbeat older than this means the process no longer runs its workers: restart it.
HEARTBEAT_STALE_SECONDS = 6 * HEARTBEAT_SECONDS


def heartbeat_file(service: str) -> Path:
    return Path(tempfile.gettempdir()) / f"ndld-{service}.alive"


def is_alive(service: str, now: float | None = None) -> bool:
    """Whether `service` on this host beat recently: a local check, so a broker outage restarts nothing."""
    try:
        beat = heartbeat_file(service).stat().st_mtime
    except FileNotFoundError:
        return False
    return (time.time() if now is None else now) - beat < HEARTBEAT_STALE_SECONDS


class Heartbeat(DependencyProvider):
    """Touches the service's heartbeat file while its event loop runs, and needs nothing else (no
    broker, no database): a service waiting out an outage is alive; a hung one goes stale."""

    def start(self) -> None:
        self._thread = self.container.spawn_managed_thread(self._beat)

    def stop(self) -> None:
        self._thread.kill()

    kill = stop

    def _beat(self) -> None:
        path = heartbeat_file(self.container.service_name)
        while True:
            path.touch()
            eventlet.sleep(HEARTBEAT_SECONDS)


class CountersAndHealth:
    """Mixed into a service whose `store` keeps live counters (`MongoRepository.read_counters`)."""

    name: str
    store: Any
    heartbeat = Heartbeat()

    @rpc
    def stats(self) -> dict[str, Any]:
        """Every counter stream with the position it reflects, for a gateway's snapshot."""
        counters: dict[str, Any] = self.store.counters()
        return counters

    @rpc
    def health(self) -> str:
        return "ok"
