"""The live counters, as the events declare them (shared/events.py), and how their values combine.

The owning service applies an event's deltas to its stored counters in the same transaction as
the change, and the gateway applies the same deltas to its live copy, so both agree. A keyed
counter (such as check-ins by booth) is a map of names to counts.
"""
from collections.abc import Mapping

from shared.events import EVENTS, Deltas, Kind, Source

# How each counter moves, from the events that move it.
KINDS: dict[str, Kind] = {name: kind for model in EVENTS.values() for name, kind in model.COUNTERS.items()}
# Counters each source owns; a snapshot of a source reports exactly these.
COUNTERS: dict[Source, tuple[str, ...]] = {
    source: tuple(dict.fromkeys(name for (of, _), model in EVENTS.items() if of == source for name in model.COUNTERS))
    for source in Source}
KEYED_COUNTERS = frozenset(name for name, kind in KINDS.items() if kind in (Kind.KEYED, Kind.LEAST))
# Record counters keep the least value per key (a record time), not a sum: order and repeats never matter.
LEAST_COUNTERS = frozenset(name for name, kind in KINDS.items() if kind is Kind.LEAST)


Number = int | float
Value = Number | dict[str, Number]  # a counter's value: a number, or a number per key


def zero(name: str) -> Value:
    return {} if name in KEYED_COUNTERS else 0


def add_deltas(value: Value, delta: Number | Mapping[str, Number]) -> Value:
    """A counter's value after a delta: numbers add, keyed counters add per key."""
    if isinstance(delta, Mapping):
        merged: dict[str, Number] = dict(value) if isinstance(value, Mapping) else {}
        for key, by in delta.items():
            merged[key] = merged.get(key, 0) + by
        return merged
    return (value if isinstance(value, int | float) else 0) + delta


def combine(name: str, value: Value, delta: Number | Mapping[str, Number]) -> Value:
    """A counter's value after a delta: a record counter keeps the least per key, others add up."""
    if name not in LEAST_COUNTERS or not isinstance(delta, Mapping):
        return add_deltas(value, delta)
    merged: dict[str, Number] = dict(value) if isinstance(value, Mapping) else {}
    for key, low in delta.items():
        merged[key] = min(merged.get(key, low), low)
    return merged


def split_least(deltas: Deltas) -> tuple[Deltas, Deltas]:
    """(deltas to add, record values to keep the least of): stored with `$inc` and `$min` respectively."""
    return ({n: d for n, d in deltas.items() if n not in LEAST_COUNTERS},
            {n: d for n, d in deltas.items() if n in LEAST_COUNTERS})


def flatten(deltas: Deltas, prefix: str = "counters.") -> dict[str, Number]:
    """Deltas as Mongo update paths: keyed counters become `counters.<name>.<key>`."""
    flat: dict[str, Number] = {}
    for name, by in deltas.items():
        if isinstance(by, Mapping):
            flat.update({f"{prefix}{name}.{key}": n for key, n in by.items()})
        else:
            flat[f"{prefix}{name}"] = by
    return flat
