"""The gateway's live copy of the counters: a snapshot per source plus the events after it.

Each source numbers its counter changes (`seq`). A snapshot says which position it
reflects; an event at or below it is already counted, one above it is applied once.
Deltas add up in any order, so events may arrive out of order; a hole that stays open
(an event lost while the gateway was disconnected) is mended by taking a new snapshot.
"""
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.stats import Deltas, add_deltas, zero

Value = int | float | dict


@dataclass
class SourceState:
    loaded: bool = False
    position: int = 0  # every seq up to here is counted
    applied_above: dict[int, Deltas] = field(default_factory=dict)
    gap_since: float | None = None
    stale: bool = False  # events may have been missed while disconnected


class LiveCounters:
    def __init__(self, counter_names: Mapping[str, tuple[str, ...]]):
        self._owner = {name: source for source, names in counter_names.items() for name in names}
        self._sources = {source: SourceState() for source in counter_names}
        self.values: dict[str, Value] = {name: zero(name) for name in self._owner}
        self.version = 0
        self._changed: set[str] = set()

    def is_loaded(self, source: str) -> bool:
        return self._sources[source].loaded

    def load_snapshot(self, source: str, seq: int, counters: Mapping[str, Value]) -> None:
        """Replace a source's counters by its snapshot, keeping events newer than it."""
        state = self._sources[source]
        newer = {s: d for s, d in state.applied_above.items() if s > seq}
        if state.loaded and seq < state.position:
            return  # an older snapshot than what we already hold
        for name, value in counters.items():
            if self._owner.get(name) == source:
                self._set(name, value)
        state.loaded, state.position, state.applied_above, state.stale = True, seq, {}, False
        for event_seq, deltas in sorted(newer.items()):
            self.apply_event(source, event_seq, deltas)
        self._advance(state)

    def apply_event(self, source: str, seq: int, deltas: Deltas) -> bool:
        """Count an event once; False when it was already counted."""
        state = self._sources[source]
        if seq in state.applied_above or (state.loaded and seq <= state.position):
            return False
        state.applied_above[seq] = deltas
        for name, by in deltas.items():
            self._set(name, add_deltas(self.values.get(name, zero(name)), by))
        self._advance(state)
        return True

    def set_gauges(self, values: Mapping[str, Value]) -> None:
        """Gauges (viewers now, say) are current values, not sums: the latest report wins."""
        for name, value in values.items():
            if name in self._owner:
                self._set(name, value)

    def sources_needing_snapshot(self, gap_grace_seconds: float, now: float | None = None) -> list[str]:
        """Sources never loaded, or with a hole in their events open longer than the grace."""
        now = time.monotonic() if now is None else now
        due = []
        for source, state in self._sources.items():
            if not state.loaded or state.stale:
                due.append(source)
            elif state.gap_since is not None and now - state.gap_since >= gap_grace_seconds:
                due.append(source)
        return due

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

    def _set(self, name: str, value: Value) -> None:
        if self.values.get(name) != value:
            self.values[name] = value
            self._changed.add(name)
            self.version += 1

    def _advance(self, state: SourceState) -> None:
        if not state.loaded:
            return
        while state.position + 1 in state.applied_above:
            state.position += 1
            del state.applied_above[state.position]
        if state.applied_above:
            state.gap_since = state.gap_since if state.gap_since is not None else time.monotonic()
        else:
            state.gap_since = None
