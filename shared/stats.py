"""Which live counter each event moves.

The owning service applies these deltas to its stored counters in the same transaction
as the change, and the gateway applies the same deltas to its live copy, so both agree.
A keyed counter (such as check-ins by booth) is a map of names to counts; every quiz counter
is keyed by its contest, so each contest's figures stay its own.
"""
from collections.abc import Mapping
from typing import Any

from shared.events import (
    ATTENDEE_REGISTERED,
    CHECKIN_RECORDED,
    LIVE_COMMENT_POSTED,
    LIVE_REACTION,
    LIVE_VIEWERS,
    QUIZ_ENTRY_SUBMITTED,
    Source,
)

Deltas = dict[str, int | dict[str, int | float]]

# Counters each source owns; a snapshot of a source reports exactly these.
COUNTERS: dict[Source, tuple[str, ...]] = {
    Source.REGISTRATION: ("registrations_total",),
    Source.CHECKIN: ("checkins_total", "unique_visitors", "checkins_by_booth", "passports_completed"),
    Source.QUIZ: ("quiz_participants", "quiz_entries", "quiz_perfect_participants", "quiz_perfect_entries",
                  "quiz_fastest_perfect_seconds"),
    Source.LIVESTREAM: ("live_reactions_total", "live_reactions_by_kind", "live_comments_total",
                        "live_questions_total", "live_viewers_now", "live_viewers_peak"),
}
KEYED_COUNTERS = frozenset({"checkins_by_booth", "live_reactions_by_kind", *COUNTERS[Source.QUIZ]})
# Record counters keep the least value per key (a record time), not a sum: order and repeats never matter.
LEAST_COUNTERS = frozenset({"quiz_fastest_perfect_seconds"})
# Gauges are set, not added up: an event carries their current values.
GAUGE_EVENTS: dict[tuple[Source, str], dict[str, str]] = {
    (Source.LIVESTREAM, LIVE_VIEWERS): {"now": "live_viewers_now", "peak": "live_viewers_peak"},
}

# The events that move counters, and so carry a position (`seq`) in their source's stream.
COUNTING_EVENTS: tuple[tuple[Source, str], ...] = (
    (Source.REGISTRATION, ATTENDEE_REGISTERED),
    (Source.CHECKIN, CHECKIN_RECORDED),
    (Source.QUIZ, QUIZ_ENTRY_SUBMITTED),
    (Source.LIVESTREAM, LIVE_REACTION),
    (Source.LIVESTREAM, LIVE_COMMENT_POSTED),
)


def zero(name: str) -> int | dict:
    return {} if name in KEYED_COUNTERS else 0


def counter_deltas(event_type: str, payload: Mapping[str, Any]) -> Deltas:
    """The increments an event makes to its source's counters."""
    if event_type == ATTENDEE_REGISTERED:
        return {"registrations_total": 1}
    if event_type == CHECKIN_RECORDED:
        deltas: Deltas = {"checkins_total": 1, "checkins_by_booth": {payload["booth_id"]: 1}}
        if payload.get("first_visit_anywhere"):
            deltas["unique_visitors"] = 1
        if payload.get("passport_completed"):
            deltas["passports_completed"] = 1
        return deltas
    if event_type == QUIZ_ENTRY_SUBMITTED:
        contest, perfect = payload["contest_id"], payload["correct"] == payload["total"]
        counts = {"quiz_entries": 1, "quiz_perfect_entries": int(perfect),
                  "quiz_participants": int(payload["first_entry_of_participant"]),
                  "quiz_perfect_participants": int(payload["first_perfect_of_participant"])}
        deltas = {name: {contest: by} for name, by in counts.items() if by}
        if perfect:
            deltas["quiz_fastest_perfect_seconds"] = {contest: payload["duration_ms"] / 1000}
        return deltas
    if event_type == LIVE_REACTION:
        counts = {kind: n for kind, n in payload["counts"].items() if n > 0}
        return {"live_reactions_total": sum(counts.values()), "live_reactions_by_kind": counts}
    if event_type == LIVE_COMMENT_POSTED:
        return {"live_questions_total" if payload["kind"] == "question" else "live_comments_total": 1}
    return {}


def add_deltas(value: int | dict, delta: int | Mapping[str, int]) -> int | dict:
    """A counter's value after a delta: numbers add, keyed counters add per key."""
    if isinstance(delta, Mapping):
        merged = dict(value) if isinstance(value, Mapping) else {}
        for key, by in delta.items():
            merged[key] = merged.get(key, 0) + by
        return merged
    return (value if isinstance(value, int | float) else 0) + delta


def combine(name: str, value: int | float | dict, delta: int | float | Mapping[str, int | float]) -> int | float | dict:
    """A counter's value after a delta: a record counter keeps the least per key, others add up."""
    if name not in LEAST_COUNTERS:
        return add_deltas(value, delta)
    merged = dict(value) if isinstance(value, Mapping) else {}
    for key, low in delta.items():
        merged[key] = min(merged.get(key, low), low)
    return merged


def split_least(deltas: Deltas) -> tuple[Deltas, Deltas]:
    """(deltas to add, record values to keep the least of): stored with `$inc` and `$min` respectively."""
    return ({n: d for n, d in deltas.items() if n not in LEAST_COUNTERS},
            {n: d for n, d in deltas.items() if n in LEAST_COUNTERS})


def flatten(deltas: Deltas, prefix: str = "counters.") -> dict[str, int | float]:
    """Deltas as Mongo update paths: keyed counters become `counters.<name>.<key>`."""
    flat: dict[str, int | float] = {}
    for name, by in deltas.items():
        if isinstance(by, Mapping):
            flat.update({f"{prefix}{name}.{key}": n for key, n in by.items()})
        else:
            flat[f"{prefix}{name}"] = by
    return flat
