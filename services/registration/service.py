"""Registration service: attendees and their badges' signed tokens, the registration counter,
and the staff passes that let MCs and moderators in."""
import secrets
from datetime import timedelta

from nameko.rpc import rpc

from services.registration.commune_storage import CommuneStore
from services.registration.logic import (
    ProofVerdict,
    judge_proof,
    validate_phone,
    validate_proof,
    validate_registration,
    validate_staff_pass,
)
from services.registration.signer import Signer
from services.registration.staff_storage import StaffPassStore
from services.registration.storage import AttendeeStore
from shared.access import PASS_HOURS_DEFAULT
from shared.codes import new_code, normalise_code
from shared.communes import parse_communes_csv
from shared.entrypoints import CountersAndHealth
from shared.errors import BadRows, Forbidden, NotFound, ValidationFailed
from shared.events import AttendeeRegistered, Source
from shared.mongo import mongo_now
from shared.pages import EXPORT_PAGE, checked_limit
from shared.publishing import EventPublisher
from shared.signing import StaffPassClaims, TokenClaims
from shared.trend import TREND_MINUTES, per_minute


class RegistrationService(CountersAndHealth):
    name = Source.REGISTRATION.value

    store = AttendeeStore()
    commune_list = CommuneStore()
    passes = StaffPassStore()
    signer = Signer()
    publish = EventPublisher()

    @rpc
    def register(self, **fields) -> dict:
        """Register an attendee, or return the one this request (the device's retry) registered.

        A phone already registered by another request is refused (Refused "phone_taken").
        """
        new = validate_registration(fields, communes=self.commune_list.all())
        attendee, created = self.store.register(new, new_code, mongo_now())
        if created:
            self.publish(AttendeeRegistered(**attendee))
        return self._public(attendee) | {"created": created}

    @rpc
    def get_attendee(self, code: str) -> dict:
        attendee = self.store.find({"code": normalise_code(str(code))})
        if attendee is None:
            raise NotFound("attendee")
        return self._public(attendee)

    @rpc
    def attendees_by_code(self, codes: list[str]) -> dict[str, dict]:
        """Name and commune by code, for a batch of typed codes (scans, contest entries); an unknown code is left
        out."""
        return self.store.by_codes(sorted({normalise_code(str(code)) for code in codes}))

    @rpc
    def badge_at_desk(self, phone: str) -> dict:
        """The badge registered with this phone, for staff at the help desk (the gateway checks who asks)."""
        attendee = self.store.find({"phone": validate_phone(phone)})
        if attendee is None:
            raise NotFound("attendee")
        return self._public(attendee)

    @rpc
    def recover_badge(self, **fields) -> dict:
        """A lost badge back for whoever proves it theirs: its phone, name and commune as registered."""
        proof = validate_proof(fields)
        attendee, attempts = self.store.count_proof_attempt(proof.phone)
        verdict = judge_proof(attendee, attempts, proof)
        if attendee is None or verdict is not ProofVerdict.MATCH:
            raise Forbidden(verdict.value)
        return self._public(attendee)

    # The province's communes -----------------------------------------------------

    @rpc
    def load_communes(self, text: str) -> dict:
        """Replace the list with this CSV (code, name, district), or refuse naming every bad row;
        then attendees' typed communes that name exactly one commune are matched to it."""
        if not isinstance(text, str):
            raise ValidationFailed({"file": "not_text"})
        communes, bad = parse_communes_csv(text)
        if bad:
            raise BadRows([[row.row, row.field, row.code] for row in bad])
        self.commune_list.replace(communes)
        return {"loaded": len(communes), "matched": self.store.follow_communes(self.commune_list.all())}

    @rpc
    def communes(self) -> list[dict]:
        return [commune.public() for commune in self.commune_list.all().communes]

    @rpc
    def unmatched_communes(self) -> dict[str, int]:
        """Typed communes no list entry matched yet, with how many attendees gave each."""
        return self.store.unmatched_communes()

    @rpc
    def resolve_commune(self, text: str, code: str) -> dict:
        """An organiser's answer for a typed commune: every attendee who typed it now has this one."""
        commune = self.commune_list.all().get(str(code))
        if commune is None:
            raise ValidationFailed({"code": "unknown_commune"})
        return {"commune": commune.public(), "relabelled": self.store.relabel_commune(str(text), commune)}

    @rpc
    def public_key(self) -> str:
        """The key scanners verify badge tokens with, offline."""
        return self.signer.public_key()

    @rpc
    def issue_staff_pass(self, role: str, label: str = "", hours: int = PASS_HOURS_DEFAULT) -> dict:
        """A signed pass for an MC, a moderator or another organiser; shown once, revocable."""
        request = validate_staff_pass(role, label, hours)
        doc = self.passes.issue(request, secrets.token_hex(8), mongo_now())
        token = self.signer.sign_staff_pass(StaffPassClaims(
            pass_id=doc["_id"], role=doc["role"], expires=int(doc["expires_at"].timestamp())))
        return self._public_pass(doc) | {"token": token}

    @rpc
    def staff_passes(self) -> list[dict]:
        return [self._public_pass(doc) for doc in self.passes.all()]

    @rpc
    def revoke_staff_pass(self, pass_id: str) -> None:
        self.passes.revoke(str(pass_id), mongo_now())

    @rpc
    def staff_pass_active(self, pass_id: str) -> bool:
        """Whether a genuine pass still lets its holder in: not revoked, not expired."""
        return self.passes.is_active(str(pass_id), mongo_now())

    @rpc
    def trend(self) -> list[int]:
        """Registrations in each of the last 60 minutes, this minute last."""
        now = mongo_now()
        return per_minute(self.store.times_since(now - timedelta(minutes=TREND_MINUTES)), now)

    @rpc
    def contacts(self, codes: list[str]) -> dict[str, dict]:
        """Attendees' name, commune and phone by code, for the organisers' files only (the gateway checks who
        asks): the quiz and check-in services keep codes, not phones."""
        if not isinstance(codes, list) or len(codes) > EXPORT_PAGE or not all(isinstance(c, str) for c in codes):
            raise ValidationFailed({"codes": "invalid_codes"})
        return self.store.contacts(codes)

    @rpc
    def attendees_page(self, after: str | None = None, limit: int = EXPORT_PAGE) -> dict:
        """The organisers' attendee file, a page at a time in code order; `next` is the last code given."""
        limit = checked_limit(limit)
        docs = self.store.page(str(after) if after else None, limit)
        rows = [{"code": doc["code"], "name": doc["name"], "commune": doc["commune"], "group": doc["group"],
                 "phone": doc.get("phone", ""), "registered_at": doc["registered_at"].isoformat()} for doc in docs]
        return {"rows": rows, "next": rows[-1]["code"] if len(rows) == limit else None}

    def _public(self, attendee: dict) -> dict:
        """What the attendee's badge shows: no phone, no request id."""
        token = self.signer.sign(TokenClaims(code=attendee["code"], name=attendee["name"]))
        return {
            "code": attendee["code"], "name": attendee["name"], "commune": attendee["commune"],
            "commune_code": attendee.get("commune_code"),
            "group": attendee["group"], "registered_at": attendee["registered_at"].isoformat(),
            "token": token,
        }

    @staticmethod
    def _public_pass(doc: dict) -> dict:
        return {"pass_id": doc["_id"], "role": doc["role"], "label": doc["label"],
                "issued_at": doc["issued_at"].isoformat(), "expires_at": doc["expires_at"].isoformat(),
                "revoked": doc["revoked"]}
