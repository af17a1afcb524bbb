"""Booth check-in service: volunteers' devices scan badges; each visit is counted once."""
from datetime import timedelta

from nameko.rpc import RpcProxy, rpc

from services.checkin.logic import (
    FORGED,
    MALFORMED,
    REJECTED,
    UNKNOWN,
    Identified,
    ScanRequest,
    admit_device,
    checkins_by_hour,
    new_device_secret,
    read_scan,
    validate_booth,
    validate_scan,
)
from services.checkin.storage import CheckinStore, Recorded
from services.checkin.verifier import TokenVerifier
from shared.access import DEVICE_HOURS_DEFAULT, DEVICE_HOURS_MAX, LABEL_MAX
from shared.batches import Reply, answer, batch, refusal
from shared.calls import deferred_call
from shared.commands import Stream
from shared.entrypoints import CountersAndHealth, KeepsPersonalData
from shared.errors import Forbidden, NotAuthenticated, ValidationFailed
from shared.events import CheckinRejected, CheckinsRecorded, PassportCompleted, Source
from shared.mongo import mongo_now
from shared.numbers import is_whole_number
from shared.pages import EXPORT_PAGE, checked_limit
from shared.privacy import Person
from shared.publishing import EventPublisher
from shared.signing import InvalidToken
from shared.trend import TREND_MINUTES, per_minute


class CheckinService(CountersAndHealth, KeepsPersonalData):
    name = Source.CHECKIN.value

    store = CheckinStore()
    verifier = TokenVerifier()
    registration = RpcProxy(Source.REGISTRATION.value)
    publish = EventPublisher()

    @batch(Stream.SCANS)
    def take_scans(self, commands: list[dict]) -> list[Reply]:
        """Scans from the booths' devices in the order the gateways took them, each answered with its outcome
        once stored: checked_in, already_checked_in or rejected. A scan from a device that may not scan, or
        with bad fields, is refused and nothing of it stored."""
        now = mongo_now()
        devices = self.store.devices_for_tokens({str(command.get("device_token")) for command in commands})
        replies: list[Reply] = []
        taken: list[tuple[int, ScanRequest, dict]] = []
        for command in commands:
            try:
                device = admit_device(devices[str(command.get("device_token"))], now)
                request = validate_scan(command.get("scan_id"), command.get("payload"), command.get("client_time"))
            except (NotAuthenticated, Forbidden, ValidationFailed) as refused:
                replies.append(refusal(refused))
                continue
            taken.append((len(replies), request, device))
            replies.append(answer(None))  # its outcome, once stored
        recorded = self.store.record_scans([
            (scan, {"_id": request.scan_id, "booth_id": device["booth_id"], "device_id": device["_id"],
                    "payload": request.payload, "client_time": request.client_time, "received_at": now})
            for scan, (_, request, device) in zip(self._identify(taken), taken, strict=True)], now)
        for (place, _, _), outcome in zip(taken, recorded.outcomes, strict=True):
            replies[place] = answer(outcome)
        self._announce(recorded)
        return replies

    def _announce(self, recorded: Recorded) -> None:
        """One event for the batch's counted visits; a passport earned or a scan refused, each its own."""
        if recorded.event:
            self.publish(CheckinsRecorded(**recorded.event))
        for scan in recorded.new:
            outcome = scan["outcome"]
            if outcome["status"] == REJECTED:
                self.publish(CheckinRejected(booth_id=scan["booth_id"], device_id=scan["device_id"],
                                             scan_id=scan["_id"], reason=outcome["reason"], at=scan["received_at"]))
            elif outcome["passport_completed"]:
                self.publish(PassportCompleted(attendee_code=outcome["attendee"]["code"],
                                               booths_visited=outcome["booths_visited"],
                                               completed_at=scan["received_at"]))

    def _identify(self, taken: list[tuple[int, ScanRequest, dict]]) -> list[Identified]:
        """The attendee each scan names, or the reason it is refused: badge tokens verified here, typed codes
        looked up with one call."""
        scanned = [read_scan(request.payload) for _, request, _ in taken]
        codes = sorted({s.code for s in scanned if s and s.code})
        known = deferred_call(self.registration, "attendees_by_code", codes=codes)() if codes else {}
        identified = []
        for (_, request, device), read in zip(taken, scanned, strict=True):
            attendee, reason = None, MALFORMED
            if read and read.token:
                try:
                    claims = self.verifier.verify(read.token, deferred_call(self.registration, "public_key"))
                    attendee = {"code": claims.code, "name": claims.name}
                except InvalidToken:
                    reason = FORGED
            elif read and read.code:
                attendee = {"code": read.code, "name": known[read.code]["name"]} if read.code in known else None
                reason = UNKNOWN
            identified.append(Identified(request.scan_id, device["booth_id"], attendee, None if attendee else reason))
        return identified

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
        return self.store.devices(mongo_now())

    @rpc
    def rejected_scans(self, limit: int = 100, booth_id: str | None = None, reason: str | None = None) -> list[dict]:
        return self.store.rejected_scans(max(1, min(int(limit), 1000)), booth_id and str(booth_id),
                                         reason and str(reason))

    @rpc
    def set_passport_required(self, required: int | None) -> None:
        if required is not None and not is_whole_number(required, 0, 10_000):
            raise ValidationFailed({"required": "invalid_number"})
        self.store.set_passport_required(required)

    @rpc
    def passport_rule(self) -> dict:
        return self.store.passport_rule()

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

    def held(self, person: Person) -> dict:
        return self.store.held(person.attendee_code) if person.attendee_code else {}

    def forget(self, person: Person | None) -> None:
        if person is None or person.attendee_code:
            self.store.forget(person.attendee_code if person else None)
