"""Registration rules: validation and normalisation of what a person types. No I/O."""
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.access import LABEL_MAX, PASS_HOURS_MAX, Role
from shared.errors import ValidationFailed
from shared.events import ATTENDEE_GROUPS
from shared.numbers import is_whole_number
from shared.phones import normalise_phone
from shared.text import clean_text

NAME_MAX = 80
COMMUNE_MAX = 80
REQUEST_ID_MAX = 64


@dataclass(frozen=True)
class NewAttendee:
    name: str
    phone: str | None
    commune: str | None
    group: str
    request_id: str | None


def validate_registration(raw: Mapping[str, Any]) -> NewAttendee:
    """The attendee to register, or ValidationFailed naming every bad field at once."""
    errors: dict[str, str] = {}

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

    phone: str | None = text("phone") or None
    if phone is not None:
        try:
            phone = normalise_phone(phone)
        except ValueError:
            errors["phone"] = "invalid_phone"

    commune = text("commune") or None
    if commune is not None and len(commune) > COMMUNE_MAX:
        errors["commune"] = "too_long"

    group = text("group") or "other"
    if group not in ATTENDEE_GROUPS and "group" not in errors:
        errors["group"] = "unknown_group"

    request_id = text("request_id") or None
    if request_id is not None and len(request_id) > REQUEST_ID_MAX:
        errors["request_id"] = "too_long"

    if errors:
        raise ValidationFailed(errors)
    return NewAttendee(name=name, phone=phone, commune=commune, group=group, request_id=request_id)


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
