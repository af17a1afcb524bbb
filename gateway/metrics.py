"""Prometheus metrics for one gateway process: sockets, messages, slow clients, event lag."""
import time
from collections.abc import Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from gateway.hub import SocketHub

# Payload fields that say when the service made the change, by event.
_EVENT_TIME_FIELDS = ("registered_at", "recorded_at", "created_at", "completed_at", "at")


class HubCollector(Collector):
    """Reads the hubs' own tallies at scrape time, so the hot path keeps plain integers."""

    def __init__(self, hubs: dict[str, SocketHub]):
        self._hubs = hubs

    def collect(self) -> Iterable:
        connections = GaugeMetricFamily("ndld_ws_connections", "Open WebSocket clients", labels=["hub"])
        sent = CounterMetricFamily("ndld_ws_messages_sent", "Messages sent to WebSocket clients", labels=["hub"])
        dropped = CounterMetricFamily("ndld_ws_slow_clients_dropped",
                                      "Clients dropped for not keeping up", labels=["hub"])
        for name, hub in self._hubs.items():
            connections.add_metric([name], hub.client_count)
            sent.add_metric([name], hub.messages_sent)
            dropped.add_metric([name], hub.slow_clients_dropped)
        yield from (connections, sent, dropped)


class GatewayMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.events = Counter("ndld_events_received", "Domain events consumed", ["source", "type"],
                              registry=self.registry)
        self.event_lag = Histogram(
            "ndld_event_lag_seconds", "From the service's change to this gateway receiving its event",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=self.registry)

    def watch_hubs(self, hubs: dict[str, SocketHub]) -> None:
        self.registry.register(HubCollector(hubs))

    def observe_event(self, source: str, event_type: str, payload: dict) -> None:
        self.events.labels(source, event_type).inc()
        for field in _EVENT_TIME_FIELDS:
            value = payload.get(field)
            if isinstance(value, str):
                try:
                    made = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
                except ValueError:
                    return
                self.event_lag.observe(max(0.0, time.time() - made))
                return
