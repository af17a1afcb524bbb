"""Registration service: attendees and their badges' signed tokens, the registration counter,
and the staff passes that let MCs and moderators in."""
import secrets
from datetime import timedelta

from nameko.rpc import rpc

from services.registration.backups import Backups
from services.registration.commune_storage import CommuneStore
from services.registration.logic import (
    ProofVerdict,
    judge_holder,
    judge_proof,
    validate_holder_proof,
    validate_phone,
    validate_privacy_settings,
    validate_proof,
    validate_registration,
    validate_staff_pass,
)
from services.registration.privacy_storage import PrivacyStore
from services.registration.signer import Signer
from services.registration.staff_storage import StaffPassStore
from services.registration.storage import AttendeeStore
from shared.access import PASS_HOURS_DEFAULT
from shared.codes import new_code, normalise_code
from shared.communes import parse_communes_csv
from shared.entrypoints import CountersAndHealth, KeepsPersonalData, configured_timer
from shared.errors import BadRows, Forbidden, NotFound, ValidationFailed
from shared.events import AttendeeRegistered, PersonErased, RetentionExpired, Source
from shared.mongo import mongo_now
from shared.pages import EXPORT_PAGE, checked_limit
from shared.privacy import (
    CONSENT_VERSION,
    VIETNAM,
    AuditKind,
    Person,
    exported_since,
    mask_phones,
    retention_from,
    shred_due,
    stale_backups,
)
from shared.publishing import EventPublisher
from shared.signing import StaffPassClaims, TokenClaims
from shared.trend import TREND_MINUTES, per_minute

# How often the shredder looks at the clock (SHRED_CHECK_SECONDS in the config overrides it).
SHRED_CHECK_SECONDS = 3600


class RegistrationService(CountersAndHealth, KeepsPersonalData):
    name = Source.REGISTRATION.value

    store = AttendeeStore()
    commune_list = CommuneStore()
    passes = StaffPassStore()
    privacy = PrivacyStore()
    backups = Backups()
    signer = Signer()
    publish = EventPublisher()

    @rpc
    def register(self, **fields) -> dict:
        """Register an attendee who agreed to the consent text, or return the one this request (the
        device's retry) registered. A phone already registered by another request is refused
        (Refused "phone_taken")."""
        new = validate_registration(fields, phone_required=bool(self.privacy.settings().get("phone_required")),
                                    communes=self.commune_list.all())
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
    # Personal data ------------------------------------------------------------------

    @rpc
    def privacy_settings(self) -> dict:
        """The retention period, when the shredder runs, and whether an export was made before it."""
        settings = self.privacy.settings()
        retention = retention_from(settings)
        last_export = exported_since(self.privacy.export_times(), retention)
        last_shred = settings.get("last_shred_at")
        return {"retention_days": retention.days if retention else None,
                "event_date": retention.event_date.isoformat() if retention else None,
                "phone_required": bool(settings.get("phone_required")), "consent_version": CONSENT_VERSION,
                "shred_at": retention.shred_at().isoformat() if retention else None,
                "last_shred_at": last_shred.isoformat() if last_shred else None,
                "exported_at": last_export.isoformat() if last_export else None}

    @rpc
    def save_privacy_settings(self, **fields) -> dict:
        today = mongo_now().astimezone(VIETNAM).date()
        saved = validate_privacy_settings(fields, retention_from(self.privacy.settings()), today)
        self.privacy.save(saved.retention.as_doc() | {"phone_required": saved.phone_required})
        return self.privacy_settings()

    @configured_timer("SHRED_CHECK_SECONDS", SHRED_CHECK_SECONDS, eager=True)
    def shred_when_due(self) -> None:
        """Once the retention period ran out: every service forgets everyone, and every backup
        holding what they forget is deleted. A pure check of the clock and the settings."""
        now = mongo_now()
        settings = self.privacy.settings()
        if not shred_due(now, retention_from(settings), settings.get("last_shred_at")):
            return
        self.store.forget(None, now)
        self.publish(RetentionExpired(at=now))
        self.backups.remove(stale_backups(self.backups.taken(), now))
        self.privacy.save({"last_shred_at": now})

    @rpc
    def record_audit(self, kind: str, route: str, subject: str, pass_id: str | None = None) -> None:
        """Staff saw or exported personal data: who (their pass, else the organisers' token), when, what."""
        who = "organiser token"
        if pass_id:
            held = self.passes.find(str(pass_id))
            who = f"pass {pass_id}" + (f" ({held['label']})" if held and held["label"] else "")
        self.privacy.append(AuditKind(kind), who, str(route), mask_phones(str(subject)), mongo_now())

    @rpc
    def audit_log(self, limit: int = 200) -> list[dict]:
        return [doc | {"at": doc["at"].isoformat()} for doc in self.privacy.records(max(1, min(int(limit), 1000)))]

    def _holder(self, fields: dict) -> dict:
        """The attendee whose badge this is, for whoever proves it theirs; Forbidden otherwise."""
        proof = validate_holder_proof(fields)
        attendee, attempts = self.store.count_holder_attempt(proof.code)
        verdict = judge_holder(attendee, attempts, proof)
        if attendee is None or verdict is not ProofVerdict.MATCH:
            raise Forbidden(verdict.value)
        return attendee

    @rpc
    def prove_holder(self, **fields) -> dict:
        """The proven holder's badge code and phone, which the other services know them by."""
        attendee = self._holder(fields)
        return {"attendee_code": attendee["code"], "phone": attendee.get("phone")}

    @rpc
    def erase_person(self, viewer_id: str | None = None, **fields) -> None:
        """Forget the proven holder here at once, and everywhere else through PersonErased."""
        attendee, now = self._holder(fields), mongo_now()
        self.store.forget(attendee["code"], now)
        self.publish(PersonErased(attendee_code=attendee["code"], phone=attendee.get("phone"),
                                  viewer_id=str(viewer_id) if viewer_id else None, at=now))

    def held(self, person: Person) -> dict:
        attendee = self.store.find({"code": person.attendee_code, "erased_at": {"$exists": False}})
        if attendee is None:
            return {"attendee": None}
        return {"attendee": {field: attendee.get(field) for field in (
            "code", "name", "phone", "commune", "group", "registered_at", "consent_version", "consent_at")}}

    def forget(self, person: Person | None) -> None:
        if person is None or person.attendee_code:
            self.store.forget(person.attendee_code if person else None, mongo_now())

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
