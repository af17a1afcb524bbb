"""Entrypoints every service offers alike: its counters for the gateways, a health check over the
broker (readiness), a heartbeat on local disk (liveness) and a log line per piece of work, under the
request id it came with."""
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import eventlet
from nameko.events import event_handler
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import Timer
from pydantic_core import to_jsonable_python

from shared.events import PersonErased, RetentionExpired, Source
from shared.logs import CONTEXT_KEY, REQUEST_ID, known_request_id
from shared.privacy import Person

log = logging.getLogger(__name__)

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


class RequestIds(DependencyProvider):
    """Holds the worker's request id (nameko's context data, from the `nameko.request_id` header) for
    its log lines, and writes one line when the work is done. Whatever the worker sends on (RPC,
    events) carries the same id, as nameko passes the context data on by itself."""

    def setup(self) -> None:
        self._started: dict[Any, float] = {}

    def worker_setup(self, worker_ctx: Any) -> None:
        REQUEST_ID.set(known_request_id(worker_ctx.data.get(CONTEXT_KEY)))
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        took = (time.perf_counter() - self._started.get(worker_ctx, time.perf_counter())) * 1000
        outcome = f"raised {exc_info[0].__name__}" if exc_info else "done"
        log.info("%s %s in %.1f ms", worker_ctx.entrypoint.method_name, outcome, took)

    def worker_teardown(self, worker_ctx: Any) -> None:
        self._started.pop(worker_ctx, None)
        REQUEST_ID.set(None)


class CountersAndHealth:
    """Mixed into a service whose `store` keeps live counters (`MongoRepository.read_counters`)."""

    name: str
    store: Any
    heartbeat = Heartbeat()
    request_ids = RequestIds()

    @rpc
    def stats(self) -> dict[str, Any]:
        """Every counter stream with the position it reflects, for a gateway's snapshot."""
        counters: dict[str, Any] = self.store.counters()
        return counters

    @rpc
    def health(self) -> str:
        return "ok"


class ConfiguredTimer(Timer):
    """nameko's timer, its interval read from the container's config when set (tests tick faster)."""

    def __init__(self, config_key: str, interval: float, **kwargs: Any) -> None:
        super().__init__(interval=interval, **kwargs)
        self.config_key = config_key

    def setup(self) -> None:
        self.interval: float = float(self.container.config.get(self.config_key) or self.interval)


configured_timer = ConfiguredTimer.decorator


class KeepsPersonalData:
    """Mixed into every service: its share of the retention run and of a person's requests.

    A service says what it holds of a person (`held`) and forgets it (`forget`, None: everyone):
    names and phones go, free text goes, counters and positions stay."""

    def held(self, person: Person) -> dict[str, Any]:
        raise NotImplementedError

    def forget(self, person: Person | None) -> None:
        raise NotImplementedError

    @event_handler(Source.REGISTRATION.value, RetentionExpired.NAME)
    def retention_expired(self, payload: dict[str, Any]) -> None:
        self.forget(None)

    @event_handler(Source.REGISTRATION.value, PersonErased.NAME)
    def person_erased(self, payload: dict[str, Any]) -> None:
        erased = PersonErased(**payload)
        self.forget(Person(erased.attendee_code, erased.phone, erased.viewer_id))

    @rpc
    def personal_data(self, attendee_code: str | None = None, phone: str | None = None,
                      viewer_id: str | None = None) -> dict[str, Any]:
        """What this service holds of one person, for their own copy (the gateway checked their proof)."""
        held: dict[str, Any] = to_jsonable_python(self.held(Person(attendee_code, phone, viewer_id)))
        return held
