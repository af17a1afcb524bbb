"""The check-in service's collections: booths, volunteer devices, scans, visits, passports.

A scan id is stored once with its outcome, so a retried scan gets the same answer; a visit
is unique per attendee and booth in the database itself.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pymongo import ASCENDING, MongoClient
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.checkin.logic import (
    PAIRING_CODE_LENGTH,
    REJECTED,
    Booth,
    Identified,
    admit_device,
    counted,
    day_start,
    judge_scans,
    passport_target,
    secret_hash,
)
from shared.cache import Recent
from shared.codes import new_code, normalise_code
from shared.errors import NotAuthenticated, NotFound, ServiceUnavailable
from shared.events import CheckinsRecorded, Source
from shared.mongo import MongoProvider, MongoRepository, writer_stream
from shared.privacy import PSEUDONYM
from shared.stats import COUNTERS

BOOTHS, DEVICES, SCANS, VISITS, PASSPORTS, SETTINGS = ("booths", "devices", "scans", "visits", "passports", "settings")
PAIRING_CODE_TTL = timedelta(hours=24)
RECENT_SECONDS = 2.0
PASSPORT_RULE = "passport rule"
_RACE_ATTEMPTS = 5


@dataclass(frozen=True)
class Recorded:
    """A batch of scans stored: each one's outcome in order, the scans stored now, the checkins.recorded payload."""

    outcomes: list[dict]
    new: list[dict]
    event: dict | None


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

    def passport_rule(self) -> dict[str, int | None]:
        """The rule as set (None: every active booth) and how many booths that means now."""
        setting = self.guard(lambda: self.db[SETTINGS].find_one({"_id": "passport"})) or {}
        return {"required": setting.get("required"), "booths_needed": self.passport_required()}

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
        """The device this token belongs to, if it may scan; a revocation is seen within RECENT_SECONDS."""
        return admit_device(self.devices_for_tokens([token])[token], now)

    def devices_for_tokens(self, tokens: Iterable[str]) -> dict[str, dict | None]:
        """Each token's device (None for a token of none), with one query for those not read lately."""
        hashes = {token: secret_hash(token) for token in tokens}

        def read(wanted: list) -> dict:
            return {doc["token_hash"]: doc for doc in self.guard(
                lambda: list(self.db[DEVICES].find({"token_hash": {"$in": wanted}})))}
        devices = self._recent.get_many(hashes.values(), read, None)
        return {token: devices[token_hash] for token, token_hash in hashes.items()}

    def revoke_device(self, device_id: str) -> None:
        result = self.guard(lambda: self.db[DEVICES].update_one(
            {"_id": device_id}, {"$set": {"revoked": True, "pairing_hash": None}}))
        if result.matched_count == 0:
            raise NotFound("device")
        self._recent.forget()

    def devices(self, now: datetime) -> list[dict]:
        """Every device with its scans today (on the market's clock) and when it last scanned today."""
        docs = self.guard(lambda: list(self.db[DEVICES].find({}, {"token_hash": 0, "pairing_hash": 0})))
        activity = {seen["_id"]: seen for seen in self.guard(lambda: list(self.db[SCANS].aggregate([
            {"$match": {"received_at": {"$gte": day_start(now)}}},
            {"$group": {"_id": "$device_id", "scans_today": {"$sum": 1}, "last_scan_at": {"$max": "$received_at"}}}])))}
        return [{"device_id": d.pop("_id"), **d, "created_at": d["created_at"].isoformat(),
                 "pairing_expires": d["pairing_expires"].isoformat(), "expires_at": d["expires_at"].isoformat(),
                 "scans_today": seen["scans_today"],
                 "last_scan_at": seen["last_scan_at"] and seen["last_scan_at"].isoformat()}
                for d in docs for seen in [activity.get(d["_id"], {"scans_today": 0, "last_scan_at": None})]]

    # Scans ---------------------------------------------------------------------------

    def record_scans(self, scans: Sequence[tuple[Identified, dict]], now: datetime) -> Recorded:
        """Store a batch of scans (each judged, with its stored fields), each scan id once, and count the batch's
        first visits with one counter update.

        No transaction (a killed process would leave one open to hold the next batch up): the scans go in
        first with their outcomes, then the visits and passports they made, then one conditional counter
        update at the counter stream's next position, which each first visit stored carries. A first visit
        stored beyond the position counted is not counted yet: a batch redelivered after a crash at any
        point finishes its writes and counts it once, and a scan stored already keeps its outcome."""
        ids = [scan.scan_id for scan, _ in scans]
        stored = {doc["_id"]: doc for doc in self.guard(lambda: list(self.db[SCANS].find({"_id": {"$in": ids}})))}
        stream = writer_stream(Source.CHECKIN)
        position = self.counted_position(stream)
        uncounted = [doc for doc in stored.values() if doc.get("effect") and doc["position"] > position]
        fresh: dict[str, tuple[Identified, dict]] = {}  # the first of each new scan id, in order
        for scan, doc in scans:
            if scan.scan_id not in stored:
                fresh.setdefault(scan.scan_id, (scan, doc))
        codes = sorted({scan.attendee["code"] for scan, _ in fresh.values() if scan.attendee})
        visited, passports = self._visits_and_passports(codes, [doc["effect"] for doc in uncounted])
        judged = judge_scans([scan for scan, _ in fresh.values()], visited, passports, self.passport_required())
        new = [{**doc, "outcome": verdict.outcome} | ({"effect": verdict.effect, "position": position + 1}
                                                      if verdict.effect else {})
               for (_, doc), verdict in zip(fresh.values(), judged, strict=True)]
        self.insert_new(SCANS, new)
        counting = uncounted + [doc for doc in new if "effect" in doc]
        self.insert_new(VISITS, [{"attendee_code": doc["effect"]["attendee_code"], "booth_id": doc["booth_id"],
                                   "scan_id": doc["_id"], "device_id": doc["device_id"],
                                   "client_time": doc["client_time"], "recorded_at": doc["received_at"]}
                                  for doc in counting])
        self.insert_new(PASSPORTS, [{"_id": doc["effect"]["attendee_code"], "completed_at": doc["received_at"]}
                                     for doc in counting if doc["effect"]["passport_completed"]])
        event = None
        if counting:
            fields = counted(doc["effect"] for doc in counting)
            if not self.count_after(stream, position, CheckinsRecorded.deltas(fields)):
                raise ServiceUnavailable("the check-in counters moved under this batch")
            event = {**fields, "stream": stream, "seq": position + 1, "recorded_at": now}
        outcome_of = {doc["_id"]: doc["outcome"] for doc in [*stored.values(), *new]}
        outcomes, answered = [], set()
        for scan, _ in scans:  # one stored before, or earlier in this batch, is a replay
            replayed = scan.scan_id in stored or scan.scan_id in answered
            answered.add(scan.scan_id)
            outcomes.append(outcome_of[scan.scan_id] | ({"replayed": True} if replayed else {}))
        return Recorded(outcomes, new, event)

    def _visits_and_passports(self, codes: list[str], uncounted: list[dict]) -> tuple[dict[str, set[str]], set[str]]:
        """The booths each attendee visited and who holds a passport, with what a batch cut short stored."""
        def read() -> tuple[list[dict], list[dict]]:
            return (list(self.db[VISITS].find({"attendee_code": {"$in": codes}}, {"attendee_code": 1, "booth_id": 1})),
                    list(self.db[PASSPORTS].find({"_id": {"$in": codes}}, {"_id": 1})))
        visits, holders = self.guard(read) if codes else ([], [])
        visited: dict[str, set[str]] = {}
        for visit in [*visits, *uncounted]:
            visited.setdefault(visit["attendee_code"], set()).add(visit["booth_id"])
        return visited, {doc["_id"] for doc in holders} | {e["attendee_code"] for e in uncounted
                                                          if e["passport_completed"]}

    def rejected_scans(self, limit: int, booth_id: str | None = None, reason: str | None = None) -> list[dict]:
        """The latest refused scans, at one booth or for one reason when asked."""
        query: dict[str, Any] = {"outcome.status": REJECTED}
        if booth_id:
            query["booth_id"] = booth_id
        if reason:
            query["outcome.reason"] = reason
        docs = self.guard(lambda: list(self.db[SCANS].find(query).sort("received_at", -1).limit(limit)))
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

    def held(self, code: str) -> dict:
        """One attendee's visits (booth and time) and passport."""
        visits = self.guard(lambda: list(self.db[VISITS].find({"attendee_code": code},
                                                              {"_id": 0, "booth_id": 1, "recorded_at": 1})))
        passport = self.guard(lambda: self.db[PASSPORTS].find_one({"_id": code}))
        return {"visits": visits, "passport_completed_at": passport["completed_at"] if passport else None}

    def forget(self, code: str | None) -> None:
        """The names scans showed and the badges they read (a badge's token carries its name) go, for
        one attendee or everyone; visits stay under the badge code, a name no longer stands behind."""
        query = {"outcome.attendee.code": code} if code else {}
        self.guard(lambda: self.db[SCANS].update_many(query, {"$set": {"payload": ""}}))
        self.guard(lambda: self.db[SCANS].update_many(
            {**query, "outcome.attendee": {"$exists": True}}, {"$set": {"outcome.attendee.name": PSEUDONYM}}))

    def counters(self) -> dict[str, Any]:
        return self.read_counters(Source.CHECKIN, COUNTERS[Source.CHECKIN])


class CheckinStore(MongoProvider):
    repository_class = CheckinRepository

    def prepare(self, repository: MongoRepository) -> None:
        db = repository.db
        db[VISITS].create_index([("attendee_code", ASCENDING), ("booth_id", ASCENDING)],
                                unique=True, name="one_visit_per_booth")
        db[VISITS].create_index([("recorded_at", ASCENDING)])  # the screen's trend: the last minutes' visits
        db[SCANS].create_index([("outcome.status", ASCENDING), ("received_at", ASCENDING)])
        db[DEVICES].create_index([("token_hash", ASCENDING)], unique=True, name="device_token")
        db[DEVICES].create_index([("pairing_hash", ASCENDING)], unique=True, name="pairing_code",
                                 partialFilterExpression={"pairing_hash": {"$type": "string"}})

