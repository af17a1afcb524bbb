"""Keeps the live counters true: events as they come, snapshots when a source needs one."""
import asyncio
import logging

from gateway.counters import LiveCounters
from gateway.events import EventBus, EventConsumer
from gateway.rpc import RemoteError, RpcClient, RpcUnavailable
from shared.events import EVENTS, CountedEvent, Event
from shared.stats import COUNTERS

log = logging.getLogger(__name__)

# How long a hole in a source's events may stay open before a new snapshot mends it.
GAP_GRACE_SECONDS = 2.0
# How old a snapshot may grow: an event lost last (its service could not publish it after
# committing, say while the broker restarted) leaves no hole, so only a new snapshot shows it.
SNAPSHOT_MAX_AGE_SECONDS = 30.0
CHECK_INTERVAL_SECONDS = 0.5


class LiveStats:
    """Counters from the events that declare counters, and from snapshots; consumes the bus's queue."""

    def __init__(self, amqp_uri: str, rpc: RpcClient, bus: EventBus):
        self.counters = LiveCounters({source.value: names for source, names in COUNTERS.items()})
        self._rpc = rpc
        for model in EVENTS.values():
            if model.COUNTERS:
                bus.subscribe(model, self._on_event)
        self.consumer = EventConsumer(amqp_uri, bus, self.counters.mark_all_stale)
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

    def _on_event(self, event: Event) -> None:
        source = event.SOURCE.value
        if isinstance(event, CountedEvent):
            # The rule reads the fields as the service read them, in the change's own transaction.
            self.counters.apply_event(source, event.stream, event.seq, event.deltas(dict(event)))
        if gauges := event.gauges():
            self.counters.set_gauges(source, gauges)

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
