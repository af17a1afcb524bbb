"""Registration service: attendees, their badges' signed tokens, and the registration counter."""
from datetime import timedelta

from nameko.events import EventDispatcher
from nameko.rpc import rpc

from services.registration.logic import validate_registration
from services.registration.signer import Signer
from services.registration.storage import AttendeeStore
from shared.codes import new_code, normalise_code
from shared.errors import NotFound
from shared.events import ATTENDEE_REGISTERED, AttendeeRegistered, Source
from shared.mongo import mongo_now
from shared.signing import TokenClaims
from shared.trend import TREND_MINUTES, per_minute


class RegistrationService:
    name = Source.REGISTRATION.value

    store = AttendeeStore()
    signer = Signer()
    dispatch = EventDispatcher()

    @rpc
    def register(self, **fields) -> dict:
        """Register an attendee, or return the one this phone or request already registered."""
        new = validate_registration(fields)
        attendee, created = self.store.register(new, new_code, mongo_now())
        if created:
            self.dispatch(ATTENDEE_REGISTERED, AttendeeRegistered(**attendee).model_dump(mode="json"))
        return self._public(attendee) | {"created": created}

    @rpc
    def get_attendee(self, code: str) -> dict:
        attendee = self.store.find({"code": normalise_code(str(code))})
        if attendee is None:
            raise NotFound("attendee")
        return self._public(attendee)

    @rpc
    def public_key(self) -> str:
        """The key scanners verify badge tokens with, offline."""
        return self.signer.public_key()

    @rpc
    def trend(self) -> list[int]:
        """Registrations in each of the last 60 minutes, this minute last."""
        now = mongo_now()
        return per_minute(self.store.times_since(now - timedelta(minutes=TREND_MINUTES)), now)

    @rpc
    def stats(self) -> dict:
        return self.store.counters()

    @rpc
    def health(self) -> str:
        return "ok"

    def _public(self, attendee: dict) -> dict:
        """What the attendee's badge shows: no phone, no request id."""
        token = self.signer.sign(TokenClaims(code=attendee["code"], name=attendee["name"]))
        return {
            "code": attendee["code"], "name": attendee["name"], "commune": attendee["commune"],
            "group": attendee["group"], "registered_at": attendee["registered_at"].isoformat(),
            "token": token,
        }
