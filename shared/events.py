"""Every domain event: its source service, its name and its payload model, defined once.

Each payload carries `seq`, the position of the change in its source's counter stream
(see shared/stats.py), so a consumer that loaded a snapshot applies only later events.
"""
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class Source(StrEnum):
    """Service names; nameko publishes each one's events on the exchange `<name>.events`."""

    REGISTRATION = "registration"
    CHECKIN = "checkin"
    QUIZ = "quiz"
    LIVESTREAM = "livestream"


ATTENDEE_REGISTERED = "attendee.registered"

# The groups an attendee may say they belong to; pages show them in the visitor's language.
ATTENDEE_GROUPS = ("youth_union", "student", "trader", "official", "community", "other")


class EventPayload(BaseModel):
    seq: int


class AttendeeRegistered(EventPayload):
    code: str
    group: str
    commune: str | None
    registered_at: datetime


CHECKIN_RECORDED = "checkin.recorded"
CHECKIN_REJECTED = "checkin.rejected"
PASSPORT_COMPLETED = "passport.completed"


class CheckinRecorded(EventPayload):
    """A first visit of an attendee to a booth (repeats are not events)."""

    booth_id: str
    attendee_code: str
    scan_id: str
    booths_visited: int
    first_visit_anywhere: bool
    passport_completed: bool
    recorded_at: datetime


class CheckinRejected(BaseModel):
    """A scan refused (forged, malformed or unknown code); kept for the organisers."""

    booth_id: str
    device_id: str
    scan_id: str
    reason: str
    at: datetime


class PassportCompleted(BaseModel):
    attendee_code: str
    booths_visited: int
    completed_at: datetime


EVENT_MODELS: dict[tuple[Source, str], type[BaseModel]] = {
    (Source.REGISTRATION, ATTENDEE_REGISTERED): AttendeeRegistered,
    (Source.CHECKIN, CHECKIN_RECORDED): CheckinRecorded,
    (Source.CHECKIN, CHECKIN_REJECTED): CheckinRejected,
    (Source.CHECKIN, PASSPORT_COMPLETED): PassportCompleted,
}


def exchange_name(source: Source) -> str:
    """The topic exchange nameko's EventDispatcher publishes a service's events on."""
    return f"{source.value}.events"
