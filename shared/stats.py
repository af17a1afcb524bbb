"""Which live counter each event moves.

The owning service applies these deltas to its stored counters in the same transaction
as the change, and the gateway applies the same deltas to its live copy, so both agree.
"""
from collections.abc import Mapping

from shared.events import ATTENDEE_REGISTERED, Source

# Counters each source owns; a snapshot of a source reports exactly these.
COUNTERS: dict[Source, tuple[str, ...]] = {
    Source.REGISTRATION: ("registrations_total",),
}

_DELTAS: dict[str, Mapping[str, int]] = {
    ATTENDEE_REGISTERED: {"registrations_total": 1},
}


def counter_deltas(event_type: str) -> Mapping[str, int]:
    """The increments an event of this type makes to its source's counters."""
    return _DELTAS.get(event_type, {})
