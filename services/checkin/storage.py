"""The check-in service's collections: booths, volunteer devices, scans, visits, passports.

A scan id is stored once with its outcome, so a retried scan gets the same answer; a visit
is unique per attendee and booth in the database itself.
"""
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from pymongo import ASCENDING, MongoClient, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.checkin.logic import (
    PAIRING_CODE_LENGTH,
    REJECTED,
    Booth,
    device_refusal,
    judge_visit,
    passport_target,
    secret_hash,
)
from shared.cache import Recent
from shared.codes import new_code, normalise_code
from shared.errors import Forbidden, NotAuthenticated, NotFound, ServiceUnavailable
from shared.events import CheckinRecorded, Source
from shared.mongo import MongoProvider, MongoRepository
from shared.stats import COUNTERS

BOOTHS, DEVICES, SCANS, VISITS, PASSPORTS, SETTINGS, PROGRESS = (
    "booths", "devices", "scans", "visits", "passports", "settings", "attendee_progress")
PAIRING_CODE_TTL = timedelta(hours=24)
RECENT_SECONDS = 2.0
PASSPORT_RULE = "passport rule"
_RACE_ATTEMPTS = 5


def _public_booth(doc: dict) -> dict:
    return {"id": doc["_id"], "name": doc["name"], "description": doc["description"],
            "order": doc["order"], "active": doc["active"]}


class CheckinRepository(MongoRepository):
    def __init__(self, client: MongoClient, db: Database):
        super().__init__(client, db)
        # Every scan reads its device and the passport rule; organisers change them rarely.
        self._recent: Recent[Any] = Recent(RECENT_SECONDS)

    # Booths and settings -------------------------------------------------------------

    def save_booth(self, booth: Booth) -> dict:
        doc = booth.as_doc()
        self.guard(lambda: self.db[BOOTHS].replace_one({"_id": booth.id}, doc, upsert=True))
        self._recent.forget(PASSPORT_RULE)  # a booth opened or closed changes "all booths"
        return _public_booth(doc)

    def booths(self, active_only: bool = False) -> list[dict]:
        query = {"active": True} if active_only else {}
        docs = self.guard(lambda: list(self.db[BOOTHS].find(query).sort([("order", 1), ("_id", 1)])))
        return [_public_booth(doc) for doc in docs]

    def booth(self, booth_id: str) -> dict:
        doc = self.guard(lambda: self.db[BOOTHS].find_one({"_id": booth_id}))
        if doc is None:
            raise NotFound("booth")
        return _public_booth(doc)

    def set_passport_required(self, required: int | None) -> None:
        self.guard(lambda: self.db[SETTINGS].replace_one(
            {"_id": "passport"}, {"_id": "passport", "required": required}, upsert=True))
        self._recent.forget(PASSPORT_RULE)

    def passport_required(self) -> int:
        """How many booths make a passport."""
        def read() -> int:
            setting = self.db[SETTINGS].find_one({"_id": "passport"}) or {}
            return passport_target(setting.get("required"), self.db[BOOTHS].count_documents({"active": True}))
        return self._recent.get(PASSPORT_RULE, lambda: self.guard(read))

    # Devices -------------------------------------------------------------------------

    def add_device(self, booth_id: str, label: str, token: str, now: datetime, expires_at: datetime) -> dict:
        """A device for a booth, with a pairing code a volunteer can type instead of the link."""
        self.booth(booth_id)
        for _ in range(_RACE_ATTEMPTS):
            pairing_code = new_code(PAIRING_CODE_LENGTH)
            doc: dict[str, Any] = {"_id": secret_hash(token)[:16], "booth_id": booth_id, "label": label,
                   "token_hash": secret_hash(token), "pairing_hash": secret_hash(pairing_code),
                   "pairing_expires": min(now + PAIRING_CODE_TTL, expires_at), "revoked": False,
                   "created_at": now, "expires_at": expires_at}
            try:
                self.guard(partial(self.db[DEVICES].insert_one, doc))
            except DuplicateKeyError:
                continue
            return {"device_id": doc["_id"], "booth_id": booth_id, "label": label,
                    "pairing_code": pairing_code, "pairing_expires": doc["pairing_expires"].isoformat(),
                    "expires_at": expires_at.isoformat()}
        raise ServiceUnavailable("could not allocate a pairing code")

    def pair_device(self, pairing_code: str, token: str, now: datetime) -> dict:
        """Exchange a one-time pairing code for the device's token (the old token stops working)."""
        doc = self.guard(lambda: self.db[DEVICES].find_one_and_update(
            {"pairing_hash": secret_hash(normalise_code(pairing_code)), "revoked": False,
             "pairing_expires": {"$gt": now}},
            {"$set": {"token_hash": secret_hash(token), "pairing_hash": None, "paired_at": now}}))
        if doc is None:
            raise NotAuthenticated("unknown or expired pairing code")
        self._recent.forget()  # the device's old token stops working
        return {"device_id": doc["_id"], "booth_id": doc["booth_id"]}

    def device_for_token(self, token: str, now: datetime) -> dict:
        """The device this token belongs to; a revocation is seen within RECENT_SECONDS."""
        token_hash = secret_hash(token)
        doc = self._recent.get(token_hash, lambda: self.guard(
            lambda: self.db[DEVICES].find_one({"token_hash": token_hash})))
        if doc is None:
            raise NotAuthenticated("unknown device")
        refusal = device_refusal(doc["revoked"], doc["expires_at"], now)
        if refusal:
            raise Forbidden(refusal)
        return doc

    def revoke_device(self, device_id: str) -> None:
        result = self.guard(lambda: self.db[DEVICES].update_one(
            {"_id": device_id}, {"$set": {"revoked": True, "pairing_hash": None}}))
        if result.matched_count == 0:
            raise NotFound("device")
        self._recent.forget()

    def devices(self) -> list[dict]:
        docs = self.guard(lambda: list(self.db[DEVICES].find({}, {"token_hash": 0, "pairing_hash": 0})))
        return [{"device_id": d.pop("_id"), **d, "created_at": d["created_at"].isoformat(),
                 "pairing_expires": d["pairing_expires"].isoformat(), "expires_at": d["expires_at"].isoformat()}
                for d in docs]

    # Scans ---------------------------------------------------------------------------

    def stored_outcome(self, scan_id: str) -> dict | None:
        doc = self.guard(lambda: self.db[SCANS].find_one({"_id": scan_id}))
        return doc["outcome"] if doc else None

    def reject(self, scan: dict, reason: str) -> tuple[dict | None, bool]:
        """Keep a refused scan for the organisers: (outcome, stored now)."""
        outcome = {"status": REJECTED, "reason": reason, "scan_id": scan["_id"],
                   "booth_id": scan["booth_id"]}
        try:
            self.guard(lambda: self.db[SCANS].insert_one({**scan, "outcome": outcome}))
        except DuplicateKeyError:
            return self.stored_outcome(scan["_id"]), False
        return outcome, True

    def record_visit(self, scan: dict, attendee: dict, now: datetime) -> tuple[dict, dict | None]:
        """Store the scan and, if it is the attendee's first at this booth, the visit:
        (outcome, the checkin.recorded payload or None for a repeat)."""
        for _ in range(_RACE_ATTEMPTS):
            try:
                return self.in_transaction(lambda session: self._record(session, scan, attendee, now))
            except DuplicateKeyError:
                # The same scan id, or the same attendee at this booth, committed just now:
                # the next attempt sees it and answers as a retry or a repeat.
                stored = self.stored_outcome(scan["_id"])
                if stored:
                    return stored, None
        raise ServiceUnavailable("check-in kept conflicting; try again")

    def _count_visit(self, session: ClientSession, scan: dict, code: str, now: datetime) -> tuple[bool, int]:
        """Store the attendee's visit to this booth unless there is one: (first here, booths visited)."""
        visits = self.db[VISITS]
        if visits.find_one({"attendee_code": code, "booth_id": scan["booth_id"]}, session=session) is not None:
            return False, (self.db[PROGRESS].find_one({"_id": code}, session=session) or {}).get("visits", 0)
        visits.insert_one({"attendee_code": code, "booth_id": scan["booth_id"], "scan_id": scan["_id"],
                           "device_id": scan["device_id"], "client_time": scan["client_time"],
                           "recorded_at": now}, session=session)
        # Every first visit bumps the attendee's own tally in the same transaction: two booths
        # scanning one attendee at once then conflict and one retries, instead of each counting
        # from a snapshot without the other's visit (a first visit counted twice, a passport missed).
        tally = cast(dict[str, Any], self.db[PROGRESS].find_one_and_update(
            {"_id": code}, {"$inc": {"visits": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER, session=session))
        return True, tally["visits"]

    def _record(self, session: ClientSession, scan: dict, attendee: dict,
                now: datetime) -> tuple[dict, dict | None]:
        code, booth_id = attendee["code"], scan["booth_id"]
        first_here, booths_visited = self._count_visit(session, scan, code, now)
        visit = judge_visit(first_here, booths_visited, self.passport_required())
        passport_completed = visit.passport_due and self.db[PASSPORTS].find_one(
            {"_id": code}, session=session) is None
        if passport_completed:
            self.db[PASSPORTS].insert_one({"_id": code, "completed_at": now}, session=session)
        event = None
        if first_here:
            event = {"booth_id": booth_id, "attendee_code": code, "scan_id": scan["_id"],
                     "booths_visited": booths_visited, "first_visit_anywhere": visit.first_visit_anywhere,
                     "passport_completed": passport_completed, "recorded_at": now}
        outcome = {"status": visit.status, "scan_id": scan["_id"],
                   "booth_id": booth_id, "attendee": {"code": code, "name": attendee["name"]},
                   "booths_visited": booths_visited, "passport_required": visit.passport_required,
                   "passport_completed": passport_completed}
        self.db[SCANS].insert_one({**scan, "outcome": outcome}, session=session)
        if event:  # the counter last: the shared document is held for the shortest time
            event["stream"], event["seq"] = self.bump_counters(
                Source.CHECKIN, CheckinRecorded.deltas(event), session)
        return outcome, event

    def rejected_scans(self, limit: int) -> list[dict]:
        docs = self.guard(lambda: list(self.db[SCANS].find({"outcome.status": REJECTED}).sort(
            "received_at", -1).limit(limit)))
        return [{"scan_id": d["_id"], "booth_id": d["booth_id"], "device_id": d["device_id"],
                 "reason": d["outcome"]["reason"], "payload": d["payload"][:120],
                 "received_at": d["received_at"].isoformat()} for d in docs]

    def passport(self, code: str) -> dict:
        """The attendee's stamps: every active booth, and whether they visited it."""
        def read() -> dict:
            visited = {v["booth_id"] for v in self.db[VISITS].find({"attendee_code": code}, {"booth_id": 1})}
            return {"booths": [{**booth, "visited": booth["id"] in visited}
                               for booth in self.booths(active_only=True)],
                    "visited": len(visited), "required": self.passport_required(),
                    "completed": self.db[PASSPORTS].find_one({"_id": code}) is not None}
        return self.guard(read)

    def visit_hours(self) -> list[tuple[str, datetime]]:
        """Every first visit's booth and time."""
        docs = self.guard(lambda: list(self.db[VISITS].find({}, {"booth_id": 1, "recorded_at": 1})))
        return [(doc["booth_id"], doc["recorded_at"]) for doc in docs]

    def passports_page(self, after: str | None, limit: int) -> list[dict]:
        """Completed passports in the order of their attendees' codes, from the one after `after`."""
        query = {"_id": {"$gt": after}} if after else {}
        return self.guard(lambda: list(self.db[PASSPORTS].find(query).sort("_id", ASCENDING).limit(limit)))

    def visit_times_since(self, since: datetime) -> list[datetime]:
        docs = self.guard(lambda: list(self.db[VISITS].find({"recorded_at": {"$gte": since}}, {"recorded_at": 1})))
        return [doc["recorded_at"] for doc in docs]

    def counters(self) -> dict[str, Any]:
        return self.read_counters(Source.CHECKIN, COUNTERS[Source.CHECKIN])


class CheckinStore(MongoProvider):
    repository_class = CheckinRepository

    def prepare(self, repository: MongoRepository) -> None:
        db = repository.db
        db[VISITS].create_index([("attendee_code", ASCENDING), ("booth_id", ASCENDING)],
                                unique=True, name="one_visit_per_booth")
        db[SCANS].create_index([("outcome.status", ASCENDING), ("received_at", ASCENDING)])
        db[DEVICES].create_index([("token_hash", ASCENDING)], unique=True, name="device_token")
        db[DEVICES].create_index([("pairing_hash", ASCENDING)], unique=True, name="pairing_code",
                                 partialFilterExpression={"pairing_hash": {"$type": "string"}})

