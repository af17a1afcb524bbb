"""Booth check-in service: volunteers' devices scan badges; each visit is counted once."""
from datetime import timedelta

from nameko.rpc import RpcProxy, rpc

from services.checkin.logic import (
    FORGED,
    MALFORMED,
    UNKNOWN,
    checkins_by_hour,
    new_device_secret,
    read_scan,
    validate_booth,
    validate_scan,
)
from services.checkin.storage import CheckinStore
from services.checkin.verifier import TokenVerifier
from shared.access import DEVICE_HOURS_DEFAULT, DEVICE_HOURS_MAX, LABEL_MAX
from shared.calls import deferred_call
from shared.entrypoints import CountersAndHealth
from shared.errors import NotFound, ValidationFailed
from shared.events import CheckinRecorded, CheckinRejected, PassportCompleted, Source
from shared.mongo import mongo_now
from shared.numbers import is_whole_number
from shared.pages import EXPORT_PAGE, checked_limit
from shared.publishing import EventPublisher
from shared.signing import InvalidToken
from shared.trend import TREND_MINUTES, per_minute


class CheckinService(CountersAndHealth):
    name = Source.CHECKIN.value

    store = CheckinStore()
    verifier = TokenVerifier()
    registration = RpcProxy(Source.REGISTRATION.value)
    publish = EventPublisher()

    @rpc
    def check_in(self, device_token: str, scan_id: str, payload: str, client_time: str | None = None) -> dict:
        """Record a scan from a volunteer's device: checked_in, already_checked_in or rejected."""
        device = self.store.device_for_token(str(device_token), mongo_now())
        request = validate_scan(scan_id, payload, client_time)
        stored = self.store.stored_outcome(request.scan_id)
        if stored:
            return stored | {"replayed": True}
        now = mongo_now()
        scan = {"_id": request.scan_id, "booth_id": device["booth_id"], "device_id": device["_id"],
                "payload": request.payload, "client_time": request.client_time, "received_at": now}
        attendee, reason = self._identify(request.payload)
        if attendee is None:
            assert reason is not None  # no attendee comes with the reason why
            outcome, stored_now = self.store.reject(scan, reason)
            if stored_now:
                self.publish(CheckinRejected(booth_id=device["booth_id"], device_id=device["_id"],
                                             scan_id=request.scan_id, reason=reason, at=now))
            return outcome
        outcome, event = self.store.record_visit(scan, attendee, now)
        if event:
            self.publish(CheckinRecorded(**event))
            if event["passport_completed"]:
                self.publish(PassportCompleted(attendee_code=event["attendee_code"],
                                               booths_visited=event["booths_visited"], completed_at=now))
        return outcome

    def _identify(self, payload: str) -> tuple[dict | None, str | None]:
        """The attendee a scan names, or None and the reason it is refused."""
        scanned = read_scan(payload)
        if scanned is None:
            return None, MALFORMED
        if scanned.token:
            try:
                claims = self.verifier.verify(scanned.token, deferred_call(self.registration, "public_key"))
            except InvalidToken:
                return None, FORGED
            return {"code": claims.code, "name": claims.name}, None
        try:
            attendee = deferred_call(self.registration, "get_attendee", code=scanned.code)()
        except NotFound:
            return None, UNKNOWN
        return {"code": attendee["code"], "name": attendee["name"]}, None

    @rpc
    def pair_device(self, pairing_code: str) -> dict:
        """Trade a one-time pairing code for the device's own token."""
        token = new_device_secret()
        device = self.store.pair_device(str(pairing_code), token, mongo_now())
        return {"device_token": token, **device, "booth": self.store.booth(device["booth_id"])}

    @rpc
    def device_info(self, device_token: str) -> dict:
        device = self.store.device_for_token(str(device_token), mongo_now())
        return {"device_id": device["_id"], "label": device["label"],
                "booth": self.store.booth(device["booth_id"])}

    @rpc
    def booths(self, active_only: bool = True) -> list[dict]:
        return self.store.booths(active_only=bool(active_only))

    @rpc
    def save_booth(self, booth_id: str, booth: dict) -> dict:
        if not isinstance(booth, dict):
            raise ValidationFailed({"booth": "not_text"})
        return self.store.save_booth(validate_booth(booth_id, booth))

    @rpc
    def add_device(self, booth_id: str, label: str = "", hours: int = DEVICE_HOURS_DEFAULT) -> dict:
        """A new device for a booth: its token (for the link) and a pairing code (to type); it stops
        working after `hours`, so a phone left behind after the day lets nobody scan."""
        if not is_whole_number(hours, 1, DEVICE_HOURS_MAX):
            raise ValidationFailed({"hours": "invalid_number"})
        token, now = new_device_secret(), mongo_now()
        device = self.store.add_device(str(booth_id), str(label)[:LABEL_MAX], token, now,
                                       now + timedelta(hours=hours))
        return {**device, "device_token": token}

    @rpc
    def revoke_device(self, device_id: str) -> None:
        self.store.revoke_device(str(device_id))

    @rpc
    def devices(self) -> list[dict]:
        return self.store.devices()

    @rpc
    def rejected_scans(self, limit: int = 100) -> list[dict]:
        return self.store.rejected_scans(max(1, min(int(limit), 1000)))

    @rpc
    def set_passport_required(self, required: int | None) -> None:
        if required is not None and not is_whole_number(required, 0, 10_000):
            raise ValidationFailed({"required": "invalid_number"})
        self.store.set_passport_required(required)

    @rpc
    def passport(self, code: str) -> dict:
        return self.store.passport(str(code))

    @rpc
    def visits_by_hour(self) -> dict:
        """The organisers' file of first visits per booth and hour: one page."""
        names = {booth["id"]: booth["name"].get("vi", booth["id"]) for booth in self.store.booths()}
        rows = [row | {"booth": names.get(row["booth_id"], row["booth_id"])}
                for row in checkins_by_hour(self.store.visit_hours())]
        return {"rows": rows, "next": None}

    @rpc
    def passports_page(self, after: str | None = None, limit: int = EXPORT_PAGE) -> dict:
        """The organisers' file of completed passports, in code order, with each attendee's name and phone."""
        docs = self.store.passports_page(str(after) if after else None, checked_limit(limit))
        codes = [doc["_id"] for doc in docs]
        contacts = deferred_call(self.registration, "contacts", codes=codes)() if codes else {}
        rows = [{"code": code, **contacts.get(code, {}), "completed_at": doc["completed_at"].isoformat()}
                for code, doc in zip(codes, docs, strict=True)]
        return {"rows": rows, "next": codes[-1] if len(codes) == limit else None}

    @rpc
    def trend(self) -> list[int]:
        """Check-ins in each of the last 60 minutes, this minute last."""
        now = mongo_now()
        return per_minute(self.store.visit_times_since(now - timedelta(minutes=TREND_MINUTES)), now)
