"""Personal data rules every process shares: the consent text's version, when the retention period
runs out, which backups go with it, and phone numbers masked wherever text is logged. No I/O."""
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any

# The consent text shown at registration (catalog keys consent_*): a new wording gets a new version,
# so each attendee's record says which words they agreed to.
CONSENT_VERSION = "2026-12"
# What a name becomes once its person is forgotten: rankings keep their places, not their people.
PSEUDONYM = "—"
RETENTION_DAYS_MAX = 3650
# Vietnam keeps one offset all year: the event's date ends at midnight there.
VIETNAM = timezone(timedelta(hours=7), "ICT")


class AuditKind(StrEnum):
    """What a staff member did with personal data."""

    VIEW = "view"
    EXPORT = "export"


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept: `days` after the event's day ends."""

    days: int
    event_date: date

    def shred_at(self) -> datetime:
        return datetime.combine(self.event_date + timedelta(days=self.days + 1), time(), VIETNAM).astimezone(UTC)

    def as_doc(self) -> dict[str, Any]:
        return {"retention_days": self.days, "event_date": self.event_date.isoformat()}


def retention_from(doc: Mapping[str, Any] | None) -> Retention | None:
    """The stored retention setting, or None while organisers have set none (nothing is shredded)."""
    if not doc or doc.get("retention_days") is None or not doc.get("event_date"):
        return None
    return Retention(int(doc["retention_days"]), date.fromisoformat(str(doc["event_date"])))


def shred_due(now: datetime, retention: Retention | None, last_shred_at: datetime | None) -> bool:
    """Whether the shredder runs now: the period ran out and no run happened since it did."""
    if retention is None:
        return False
    due = retention.shred_at()
    return now >= due and (last_shred_at is None or last_shred_at < due)


def stale_backups(taken: Mapping[str, datetime], shredded_at: datetime) -> list[str]:
    """Backups taken before a shred run: each holds the data the run removed, so each goes too."""
    return sorted(name for name, at in taken.items() if at < shredded_at)


def exported_since(exports: list[datetime], retention: Retention | None) -> datetime | None:
    """The last export made since the event's day began: the warning before the run asks for one."""
    if retention is None:
        return None
    start = datetime.combine(retention.event_date, time(), VIETNAM)
    after = [at for at in exports if at >= start]
    return max(after) if after else None


# A Vietnamese number as it may appear in text: 0 or +84/84, then 8-10 digits, maybe spaced or dotted.
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")


def mask_phones(text: str) -> str:
    """Every phone number in `text` down to its last two digits."""
    return _PHONE_IN_TEXT.sub(lambda m: "*" * 6 + re.sub(r"\D", "", m.group())[-2:], text)


class MaskPhones(logging.Filter):
    """On a log handler: no phone number reaches a log line in clear, whatever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phones(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones(record.exc_text)
        if masked != message:
            record.msg, record.args = masked, None
        return True


@dataclass(frozen=True)
class Person:
    """Whom a service forgets or reports on: their badge code, the phone they gave, their phone's viewer id."""

    attendee_code: str | None = None
    phone: str | None = None
    viewer_id: str | None = None
