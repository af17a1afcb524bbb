"""The gateway's live copy of the counters: snapshots plus the events after them.

A source keeps its counters in a few shards (so concurrent writers rarely touch the same
document); each shard is a stream that numbers its changes (`seq`). A snapshot gives every
stream's counters and the position they reflect: an event at or below it is already
counted, one above it is applied once. Deltas add up in any order, so events may arrive
out of order; a hole that stays open (an event lost while the gateway was disconnected) is
mended by a new snapshot, and so is a lost last event, which leaves no hole, by a snapshot
taken again after a while. A record counter (the fastest perfect time) keeps the least value,
which is as order-free as a sum. Gauges (viewers now) are current values: the latest one wins.
"""
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.events import Deltas
from shared.stats import combine, zero

Value = int | float | dict


@dataclass
class StreamState:
    position: int = 0  # every seq up to here is counted
    applied_above: dict[int, Deltas] = field(default_factory=dict)
    gap_since: float | None = None
    values: dict[str, Value] = field(default_factory=dict)


@dataclass
class SourceState:
    loaded: bool = False
    loaded_at: float = 0.0  # time.monotonic() of the last snapshot
    stale: bool = False  # events may have been missed while disconnected
    streams: dict[str, StreamState] = field(default_factory=dict)
    gauges: dict[str, Value] = field(default_factory=dict)


class LiveCounters:
    def __init__(self, counter_names: Mapping[str, tuple[str, ...]]):
        self._owner = {name: source for source, names in counter_names.items() for name in names}
        self._sources = {source: SourceState() for source in counter_names}
        self.values: dict[str, Value] = {name: zero(name) for name in self._owner}
        self.version = 0
        self._changed: set[str] = set()

    def is_loaded(self, source: str) -> bool:
        return self._sources[source].loaded

    def load_snapshot(self, source: str, snapshot: Mapping[str, Any]) -> None:
        """Replace a source's counters by its snapshot, keeping events newer than it.

        `snapshot` is {"streams": {stream: {"seq": n, "counters": {...}}}, "gauges": {...}}; a
        stream the snapshot does not name had no changes yet (position 0).
        """
        state = self._sources[source]
        streams = snapshot.get("streams", {})
        for stream_id in set(streams) | set(state.streams):
            given = streams.get(stream_id, {"seq": 0, "counters": {}})
            stream = state.streams.setdefault(stream_id, StreamState())
            if state.loaded and given["seq"] < stream.position:
                continue  # older than what we already hold
            newer = {s: d for s, d in stream.applied_above.items() if s > given["seq"]}
            stream.values = {n: v for n, v in given["counters"].items() if self._owner.get(n) == source}
            stream.position, stream.applied_above, stream.gap_since = given["seq"], {}, None
            for seq, deltas in newer.items():
                self._count(stream, seq, deltas)
            self._advance(stream)
        state.gauges.update({n: v for n, v in snapshot.get("gauges", {}).items() if self._owner.get(n) == source})
        state.loaded, state.stale, state.loaded_at = True, False, time.monotonic()
        self._recompute(source)

    def apply_event(self, source: str, stream_id: str, seq: int, deltas: Deltas) -> bool:
        """Count an event once; False when it was already counted."""
        state = self._sources[source]
        stream = state.streams.setdefault(stream_id, StreamState())
        if seq in stream.applied_above or (state.loaded and seq <= stream.position):
            return False
        self._count(stream, seq, deltas)
        if state.loaded:
            self._advance(stream)
        self._recompute(source, deltas)
        return True

    def set_gauges(self, source: str, values: Mapping[str, Value]) -> None:
        gauges = self._sources[source].gauges
        for name, value in values.items():
            if self._owner.get(name) == source and value is not None:
                gauges[name] = value
        self._recompute(source, values)

    def sources_needing_snapshot(self, gap_grace_seconds: float, max_age_seconds: float = float("inf"),
                                 now: float | None = None) -> list[str]:
        """Sources never loaded, stale, with a hole in a stream open longer than the grace, or
        whose snapshot is older than `max_age_seconds` (an event lost last leaves no hole)."""
        now = time.monotonic() if now is None else now

        def overdue(stream: StreamState) -> bool:
            return stream.gap_since is not None and now - stream.gap_since >= gap_grace_seconds

        return [source for source, state in self._sources.items()
                if not state.loaded or state.stale or now - state.loaded_at >= max_age_seconds
                or any(map(overdue, state.streams.values()))]

    def mark_all_stale(self) -> None:
        """After a lost connection events may be missing: every source needs a new snapshot."""
        for state in self._sources.values():
            state.stale = True

    def take_changes(self) -> dict[str, Value]:
        """Counters changed since the last call, with their current values."""
        changed = {name: self.values[name] for name in self._changed}
        self._changed.clear()
        return changed

    def snapshot(self) -> dict[str, Any]:
        return dict(self.values)

    @staticmethod
    def _count(stream: StreamState, seq: int, deltas: Deltas) -> None:
        stream.applied_above[seq] = deltas
        for name, by in deltas.items():
            stream.values[name] = combine(name, stream.values.get(name, zero(name)), by)

    @staticmethod
    def _advance(stream: StreamState) -> None:
        while stream.position + 1 in stream.applied_above:
            stream.position += 1
            del stream.applied_above[stream.position]
        if stream.applied_above:
            stream.gap_since = stream.gap_since if stream.gap_since is not None else time.monotonic()
        else:
            stream.gap_since = None

    def _recompute(self, source: str, names: Mapping[str, Any] | None = None) -> None:
        """Totals over a source's streams (and its gauges) for the named counters, or all of them."""
        state = self._sources[source]
        for name in (names or [n for n, s in self._owner.items() if s == source]):
            if self._owner.get(name) != source:
                continue
            if name in state.gauges:
                total = state.gauges[name]
            else:
                total = zero(name)
                for stream in state.streams.values():
                    if name in stream.values:
                        total = combine(name, total, stream.values[name])
            if self.values.get(name) != total:
                self.values[name] = total
                self._changed.add(name)
                self.version += 1
