"""Check-in rules: what a scan says, booths as organisers define them, the passport. No I/O."""
import hashlib
import re
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from shared.codes import looks_like_code, normalise_code
from shared.errors import Forbidden, NotAuthenticated, ValidationFailed
from shared.numbers import is_whole_number
from shared.signing import TOKEN_VERSION
from shared.text import clean_text

CHECKED_IN = "checked_in"
ALREADY_CHECKED_IN = "already_checked_in"
REJECTED = "rejected"

# Why a scan is refused; the scanner shows each in the volunteer's language.
MALFORMED = "malformed"  # neither a badge token nor a short code
FORGED = "forged"  # looks like a token but its signature does not verify
UNKNOWN = "unknown"  # a well-formed short code nobody registered

SCAN_ID = re.compile(r"[A-Za-z0-9_\-]{8,64}")
BOOTH_ID = re.compile(r"[a-z0-9][a-z0-9\-]{1,39}")
PAYLOAD_MAX = 1000
# The market's clock: "today" for the organisers, whatever zone a server is set to.
EVENT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
PAIRING_CODE_LENGTH = 8


@dataclass(frozen=True)
class ScanRequest:
    scan_id: str
    payload: str
    client_time: str | None


@dataclass(frozen=True)
class ScannedCode:
    """What a scan names: a signed token (`token`) or a typed short code (`code`)."""

    token: str | None = None
    code: str | None = None


def validate_scan(scan_id: Any, payload: Any, client_time: Any) -> ScanRequest:
    errors: dict[str, str] = {}
    if not isinstance(scan_id, str) or not SCAN_ID.fullmatch(scan_id):
        errors["scan_id"] = "invalid_scan_id"
    if not isinstance(payload, str) or not payload.strip():
        errors["payload"] = "required"
    elif len(payload) > PAYLOAD_MAX:
        errors["payload"] = "too_long"
    if client_time is not None and (not isinstance(client_time, str) or len(client_time) > 40):
        errors["client_time"] = "not_text"
    if errors:
        raise ValidationFailed(errors)
    return ScanRequest(scan_id=scan_id, payload=payload.strip(), client_time=client_time)


def read_scan(payload: str) -> ScannedCode | None:
    """A token or short code from what the camera, a handheld scanner or a person gave us."""
    if payload.startswith(f"{TOKEN_VERSION}."):
        return ScannedCode(token=payload)
    code = normalise_code(payload)
    return ScannedCode(code=code) if looks_like_code(code) else None


@dataclass(frozen=True)
class Booth:
    id: str
    name: dict[str, str]
    description: dict[str, str]
    order: int
    active: bool

    def as_doc(self) -> dict[str, Any]:
        return {"_id": self.id, "name": self.name, "description": self.description,
                "order": self.order, "active": self.active}


def validate_booth(booth_id: Any, raw: Mapping[str, Any]) -> Booth:
    """A booth as an organiser defines it; Vietnamese name required, English optional."""
    errors: dict[str, str] = {}
    if not isinstance(booth_id, str) or not BOOTH_ID.fullmatch(booth_id):
        errors["id"] = "invalid_booth_id"
    texts: dict[str, dict[str, str]] = {"name": {}, "description": {}}
    for field, limit in (("name", 80), ("description", 500)):
        value = raw.get(field) or {}
        if not isinstance(value, Mapping):
            errors[field] = "not_text"
            continue
        for lang in ("vi", "en"):
            try:
                text = clean_text(value.get(lang))
            except TypeError:
                errors[f"{field}.{lang}"] = "not_text"
                continue
            if len(text) > limit:
                errors[f"{field}.{lang}"] = "too_long"
            texts[field][lang] = text
    if "name" not in errors and not texts["name"].get("vi"):
        errors["name.vi"] = "required"
    order = raw.get("order", 0)
    if not is_whole_number(order, 0, 10_000):
        errors["order"] = "invalid_number"
    active = raw.get("active", True)
    if not isinstance(active, bool):
        errors["active"] = "invalid_boolean"
    if errors:
        raise ValidationFailed(errors)
    for field in texts:
        texts[field]["en"] = texts[field].get("en") or texts[field].get("vi", "")
    return Booth(id=booth_id, name=texts["name"], description=texts["description"],
                 order=order, active=active)


def passport_target(required: int | None, active_booths: int) -> int:
    """Booths to visit for the passport: the organisers' number, capped by the booths there are."""
    if required is None or required <= 0:
        return active_booths
    return min(required, active_booths)


@dataclass(frozen=True)
class Visit:
    """What a scan of a known attendee at a booth amounts to."""

    first_here: bool
    booths_visited: int  # with this visit
    passport_required: int
    passport_due: bool  # the passport is earned now unless the attendee already holds it

    @property
    def status(self) -> str:
        return CHECKED_IN if self.first_here else ALREADY_CHECKED_IN

    @property
    def first_visit_anywhere(self) -> bool:
        return self.first_here and self.booths_visited == 1


def judge_visit(first_here: bool, booths_visited: int, passport_required: int) -> Visit:
    """A repeat at a booth counts nothing; a first visit that reaches the target earns the passport.

    `>=`, not `==`: organisers may lower the target after attendees passed it."""
    return Visit(first_here=first_here, booths_visited=booths_visited, passport_required=passport_required,
                 passport_due=first_here and booths_visited >= passport_required)


@dataclass(frozen=True)
class Identified:
    """A scan from a known device whose badge was read: the attendee it names, or why it is refused."""

    scan_id: str
    booth_id: str
    attendee: Mapping[str, str] | None  # code and name
    reason: str | None = None


@dataclass(frozen=True)
class Judged:
    """A scan's outcome as the device sees it, and its first visit if it made one."""

    outcome: dict[str, Any]
    effect: dict[str, Any] | None = None  # attendee_code, booth_id, first_visit_anywhere, passport_completed


def judge_scans(scans: Sequence[Identified], visited: Mapping[str, Collection[str]], passports: Collection[str],
                passport_required: int) -> list[Judged]:
    """A batch of new scans, in the order they were taken, against the booths each attendee had visited and the
    passports held before it: a second scan of an attendee at one booth in the batch is a repeat."""
    booths = {code: set(held) for code, held in visited.items()}
    holders = set(passports)
    judged = []
    for scan in scans:
        if scan.attendee is None:
            judged.append(Judged({"status": REJECTED, "reason": scan.reason, "scan_id": scan.scan_id,
                                  "booth_id": scan.booth_id}))
            continue
        code = scan.attendee["code"]
        seen = booths.setdefault(code, set())
        visit = judge_visit(scan.booth_id not in seen, len(seen | {scan.booth_id}), passport_required)
        seen.add(scan.booth_id)
        completed = visit.passport_due and code not in holders
        if completed:
            holders.add(code)
        outcome = {"status": visit.status, "scan_id": scan.scan_id, "booth_id": scan.booth_id,
                   "attendee": {"code": code, "name": scan.attendee["name"]}, "booths_visited": visit.booths_visited,
                   "passport_required": passport_required, "passport_completed": completed}
        effect = {"attendee_code": code, "booth_id": scan.booth_id, "first_visit_anywhere": visit.first_visit_anywhere,
                  "passport_completed": completed} if visit.first_here else None
        judged.append(Judged(outcome, effect))
    return judged


def counted(effects: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """First visits summed into the fields of one checkins.recorded event."""
    by_booth: dict[str, int] = {}
    visitors = passports = 0
    for effect in effects:
        by_booth[effect["booth_id"]] = by_booth.get(effect["booth_id"], 0) + 1
        visitors += int(effect["first_visit_anywhere"])
        passports += int(effect["passport_completed"])
    return {"by_booth": by_booth, "unique_visitors": visitors, "passports_completed": passports}


def device_refusal(revoked: bool, expires_at: datetime, now: datetime) -> str | None:
    """Why a paired device may no longer scan, or None."""
    if revoked:
        return "device_revoked"
    if expires_at <= now:
        return "device_expired"
    return None


def admit_device(device: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """The device a token named, if it may scan now: NotAuthenticated for none, Forbidden saying why not."""
    if device is None:
        raise NotAuthenticated("unknown device")
    refusal = device_refusal(device["revoked"], device["expires_at"], now)
    if refusal:
        raise Forbidden(refusal)
    return device


def new_device_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """Device tokens and pairing codes are stored only as hashes."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def checkins_by_hour(visits: Iterable[tuple[str, datetime]]) -> list[dict[str, Any]]:
    """First visits counted per booth and hour, by booth and then hour (hours start on the hour, UTC: the
    event's clock is a whole number of hours ahead)."""
    counts: dict[tuple[str, datetime], int] = {}
    for booth_id, at in visits:
        key = (booth_id, at.replace(minute=0, second=0, microsecond=0))
        counts[key] = counts.get(key, 0) + 1
    return [{"booth_id": booth_id, "hour": hour.isoformat(), "checkins": n}
            for (booth_id, hour), n in sorted(counts.items())]


def day_start(now: datetime) -> datetime:
    """Midnight today on the market's clock (`now` is aware), where a device's "scans today" start."""
    return datetime.combine(now.astimezone(EVENT_ZONE).date(), time(), EVENT_ZONE)
