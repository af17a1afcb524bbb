"""Registration rules: validation and normalisation of what a person types, who gets which
badge back, and what proves a lost badge is yours. No I/O."""
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from shared.access import LABEL_MAX, PASS_HOURS_MAX, Role
from shared.codes import normalise_code
from shared.communes import Commune, CommuneList
from shared.errors import Refused, ValidationFailed
from shared.events import ATTENDEE_GROUPS
from shared.numbers import is_whole_number
from shared.phones import normalise_phone
from shared.privacy import CONSENT_VERSION, RETENTION_DAYS_MAX, Retention
from shared.text import clean_text

NAME_MAX = 80
COMMUNE_MAX = 80
REQUEST_ID_MAX = 64
# Tries at proving a badge is yours, per phone number, before only the help desk can help:
# enough for typos, too few to guess a name.
PROOF_ATTEMPTS_MAX = 5


@dataclass(frozen=True)
class NewAttendee:
    name: str
    phone: str | None
    commune: str | None  # as typed when no list is loaded
    group: str
    request_id: str | None
    listed: Commune | None = None  # the commune picked from the province's list, once one is loaded
    consent_version: str | None = None


# What a ticked box sends: JSON's true, or a plain form's "on" (never 1, which equals True).
_AGREED = ("on", "true")


def _phone(value: Any, required: bool) -> tuple[str | None, str | None]:
    """(the number in its stored form, the error code): a phone as typed, judged once for every form."""
    try:
        typed = clean_text(value)
    except TypeError:
        return None, "not_text"
    if not typed:
        return None, "required" if required else None
    try:
        return normalise_phone(typed), None
    except ValueError:
        return None, "invalid_phone"


def validate_phone(value: Any) -> str:
    """A phone number to find a badge by, in its stored form, or ValidationFailed."""
    phone, error = _phone(value, required=True)
    if error or phone is None:
        raise ValidationFailed({"phone": error or "required"})
    return phone


def validate_registration(raw: Mapping[str, Any], phone_required: bool = False,
                          consent_needed: bool = True, communes: CommuneList | None = None) -> NewAttendee:
    """The attendee to register, or ValidationFailed naming every bad field at once.

    Nobody is registered without agreeing to the consent text of CONSENT_VERSION; the phone is
    optional unless the organisers require it (contest prizes are called by phone). Once the
    province's list is loaded (`communes`), the commune must be one of it: its code, or a name that
    matches exactly one."""
    errors: dict[str, str] = {}
    consent = raw.get("consent")
    if consent_needed and consent is not True and not (isinstance(consent, str) and consent in _AGREED):
        errors["consent"] = "consent_required"

    def text(field: str) -> str:
        try:
            return clean_text(raw.get(field))
        except TypeError:
            errors[field] = "not_text"
            return ""

    name = text("name")
    if "name" not in errors:
        if not name:
            errors["name"] = "required"
        elif len(name) > NAME_MAX:
            errors["name"] = "too_long"

    phone, phone_error = _phone(raw.get("phone"), phone_required)
    if phone_error:
        errors["phone"] = phone_error

    commune = text("commune") or None
    if commune is not None and len(commune) > COMMUNE_MAX:
        errors["commune"] = "too_long"
    listed = communes.pick(commune) if communes and commune else None
    if communes and commune and listed is None and "commune" not in errors:
        errors["commune"] = "unknown_commune"

    group = text("group") or "other"
    if group not in ATTENDEE_GROUPS and "group" not in errors:
        errors["group"] = "unknown_group"

    request_id = text("request_id") or None
    if request_id is not None and len(request_id) > REQUEST_ID_MAX:
        errors["request_id"] = "too_long"

    if errors:
        raise ValidationFailed(errors)
    return NewAttendee(name=name, phone=phone, commune=None if listed else commune, group=group,
                       request_id=request_id, listed=listed,
                       consent_version=CONSENT_VERSION if consent_needed else None)


def repeated_registration(new: NewAttendee, by_request: dict[str, Any] | None,
                          by_phone: dict[str, Any] | None) -> dict[str, Any] | None:
    """The attendee this registration repeats (None: a new one), or Refused.

    Only the device's own request id gets a badge back, and only with the phone it was sent with:
    knowing a phone number is no proof of whose it is, so a taken phone is refused saying nothing
    about its holder.
    """
    if by_request is not None:
        if by_request.get("phone") != new.phone:
            raise Refused("request_reused")
        return by_request
    if by_phone is not None:
        raise Refused("phone_taken")
    return None



@dataclass(frozen=True)
class BadgeProof:
    phone: str
    name: str
    commune: str


def validate_proof(raw: Mapping[str, Any]) -> BadgeProof:
    """What a person offers to show a lost badge is theirs: their phone, name and commune."""
    new = validate_registration({field: raw.get(field) for field in ("name", "phone", "commune")},
                                phone_required=True, consent_needed=False)
    return BadgeProof(phone=new.phone or "", name=new.name, commune=new.commune or "")


def _comparable(value: str | None) -> str:
    """Case and spacing do not matter; Vietnamese tone marks do (they tell names apart)."""
    return clean_text(value).casefold()


class ProofVerdict(StrEnum):
    MATCH = "match"
    MISMATCH = "proof_mismatch"
    LOCKED = "proof_locked"


def judge_proof(attendee: Mapping[str, Any] | None, attempts: int, proof: BadgeProof) -> ProofVerdict:
    """Whether the proof shows this phone's badge is the prover's; `attempts` counts this one.

    An unknown phone is a mismatch like a wrong name, so the answer tells nothing more.
    """
    if attempts > PROOF_ATTEMPTS_MAX:
        return ProofVerdict.LOCKED
    if attendee is None or _comparable(attendee["name"]) != _comparable(proof.name):
        return ProofVerdict.MISMATCH
    # A commune matched to the province's list later is proven by its name or by what was typed.
    known = {_comparable(attendee.get(field)) for field in ("commune", "commune_text")
             if field == "commune" or attendee.get(field)}
    if _comparable(proof.commune) not in known:
        return ProofVerdict.MISMATCH
    return ProofVerdict.MATCH


@dataclass(frozen=True)
class HolderProof:
    """What shows a badge is yours, for your own data: its code and the phone registered with it
    (an attendee who gave no phone: the name and commune instead, as badge recovery weighs them)."""

    code: str
    phone: str | None
    name: str
    commune: str


def validate_holder_proof(raw: Mapping[str, Any]) -> HolderProof:
    errors: dict[str, str] = {}
    try:
        code = normalise_code(clean_text(raw.get("code")))
    except TypeError:
        code, errors["code"] = "", "not_text"
    if not code and "code" not in errors:
        errors["code"] = "required"
    phone, phone_error = _phone(raw.get("phone"), required=False)
    if phone_error:
        errors["phone"] = phone_error
    texts = {}
    for field in ("name", "commune"):
        try:
            texts[field] = clean_text(raw.get(field))
        except TypeError:
            texts[field], errors[field] = "", "not_text"
    if errors:
        raise ValidationFailed(errors)
    return HolderProof(code=code, phone=phone, name=texts["name"], commune=texts["commune"])


def judge_holder(attendee: Mapping[str, Any] | None, attempts: int, proof: HolderProof) -> ProofVerdict:
    """Whether the proof shows this badge is the prover's; `attempts` counts this one, per badge,
    with the same limit as badge recovery. An unknown code is a mismatch like a wrong phone."""
    if attempts > PROOF_ATTEMPTS_MAX:
        return ProofVerdict.LOCKED
    if attendee is None:
        return ProofVerdict.MISMATCH
    if attendee.get("phone"):
        return ProofVerdict.MATCH if proof.phone == attendee["phone"] else ProofVerdict.MISMATCH
    same = _comparable(attendee["name"]) == _comparable(proof.name) and proof.name and \
        _comparable(attendee.get("commune")) == _comparable(proof.commune)
    return ProofVerdict.MATCH if same else ProofVerdict.MISMATCH


@dataclass(frozen=True)
class PrivacySettings:
    retention: Retention
    phone_required: bool


def validate_privacy_settings(raw: Mapping[str, Any], stored: Retention | None, today: date) -> PrivacySettings:
    """Organisers' retention period (days after the event; the event's date defaults to the one
    stored, else today) and whether registration asks for a phone; ValidationFailed otherwise."""
    errors: dict[str, str] = {}
    days = raw.get("retention_days")
    if not isinstance(days, int) or not is_whole_number(days, 0, RETENTION_DAYS_MAX):
        errors["retention_days"] = "invalid_number"
    event_date = stored.event_date if stored else today
    if raw.get("event_date") is not None:
        try:
            event_date = date.fromisoformat(str(raw["event_date"]))
            Retention(RETENTION_DAYS_MAX, event_date).shred_at()  # a date past the calendar's end is refused
        except (ValueError, OverflowError):
            errors["event_date"] = "invalid_date"
    phone_required = raw.get("phone_required", False)
    if not isinstance(phone_required, bool):
        errors["phone_required"] = "not_boolean"
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(days, int)  # checked above
    return PrivacySettings(Retention(days, event_date), phone_required)


@dataclass(frozen=True)
class StaffPassRequest:
    role: Role
    label: str
    hours: int


def validate_staff_pass(role: Any, label: Any, hours: Any) -> StaffPassRequest:
    """A pass to issue, or ValidationFailed naming every bad field."""
    errors: dict[str, str] = {}
    if not isinstance(role, str) or role not in {r.value for r in Role}:
        errors["role"] = "unknown_role"
    try:
        label = clean_text(label)[:LABEL_MAX]
    except TypeError:
        errors["label"] = "not_text"
    if not is_whole_number(hours, 1, PASS_HOURS_MAX):
        errors["hours"] = "invalid_number"
    if errors:
        raise ValidationFailed(errors)
    return StaffPassRequest(Role(role), label, hours)
