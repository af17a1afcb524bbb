"""Keeps the live counters true: events as they come, snapshots when a source needs one."""
import asyncio
import logging
from collections.abc import Callable, Iterable

from gateway.counters import LiveCounters
from gateway.events import EventConsumer
from gateway.rpc import RemoteError, RpcClient, RpcUnavailable
from shared.events import Source
from shared.stats import COUNTERS, COUNTING_EVENTS, GAUGE_EVENTS, counter_deltas

log = logging.getLogger(__name__)

# How long a hole in a source's events may stay open before a new snapshot mends it.
GAP_GRACE_SECONDS = 2.0
# How old a snapshot may grow: an event lost last (its service could not publish it after
# committing, say while the broker restarted) leaves no hole, so only a new snapshot shows it.
SNAPSHOT_MAX_AGE_SECONDS = 30.0
CHECK_INTERVAL_SECONDS = 0.5


EventListener = Callable[[Source, str, dict], None]


class LiveStats:
    """Counters from events and snapshots; other events it hears go to its listeners."""

    def __init__(self, amqp_uri: str, rpc: RpcClient, feed_events: Iterable[tuple[Source, str]] = ()):
        self.counters = LiveCounters({source.value: names for source, names in COUNTERS.items()})
        self._rpc = rpc
        self.listeners: list[EventListener] = []
        bindings = dict.fromkeys([*COUNTING_EVENTS, *GAUGE_EVENTS, *feed_events])
        self.consumer = EventConsumer(amqp_uri, bindings, self._on_event, self.counters.mark_all_stale)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        # Consume first, then snapshot: nothing published in between is missed.
        await self.consumer.start()
        self._task = asyncio.create_task(self._keep_loaded())

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
        await self.consumer.close()

    @property
    def ready(self) -> bool:
        return all(self.counters.is_loaded(source.value) for source in COUNTERS)

    async def _on_event(self, source: Source, event_type: str, payload: dict) -> None:
        seq, stream = payload.get("seq"), payload.get("stream")
        if (source, event_type) in COUNTING_EVENTS and isinstance(seq, int) and isinstance(stream, str):
            self.counters.apply_event(source.value, stream, seq, counter_deltas(event_type, payload))
        gauges = GAUGE_EVENTS.get((source, event_type))
        if gauges:
            self.counters.set_gauges(source.value, {name: payload.get(field, 0) for field, name in gauges.items()})
        for listener in self.listeners:
            listener(source, event_type, payload)

    async def refresh(self, source: str) -> None:
        self.counters.load_snapshot(source, await self._rpc.call(source, "stats"))

    async def _keep_loaded(self) -> None:
        await self.consumer.bound.wait()  # a snapshot taken before this could miss events
        while True:
            for source in self.counters.sources_needing_snapshot(GAP_GRACE_SECONDS, SNAPSHOT_MAX_AGE_SECONDS):
                try:
                    await self.refresh(source)
                except (RpcUnavailable, RemoteError) as exc:
                    log.warning("no snapshot from %s yet: %s", source, exc)
            await asyncio.sleep(CHECK_INTERVAL_SECONDS)
