"""The registration service's Mongo collection: attendees, unique by code, phone and request id."""
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.registration.logic import NewAttendee, repeated_registration
from shared import commune_records
from shared.communes import Commune, CommuneList
from shared.errors import ServiceUnavailable
from shared.events import AttendeeRegistered, Source
from shared.mongo import MongoProvider, MongoRepository
from shared.privacy import PSEUDONYM
from shared.stats import COUNTERS

ATTENDEES = "attendees"
_ATTEMPTS = 8
_CODE_INDEX = "code_unique"
_IN_LIST = 100


class AttendeeRepository(MongoRepository):
    def find(self, query: dict[str, Any]) -> dict | None:
        return self.guard(lambda: self.db[ATTENDEES].find_one(query, {"_id": 0}))

    def by_codes(self, codes: list[str], fields: tuple[str, ...] = ("name", "commune", "commune_code")
                 ) -> dict[str, dict]:
        """These attendees' `fields` (by default name and commune, and its code), by code."""
        projection = {"_id": 0, "code": 1, **dict.fromkeys(fields, 1)}

        def read(chunk: list[str]) -> list[dict]:
            return list(self.db[ATTENDEES].find({"code": {"$in": chunk}}, projection))
        # A few short `$in` lists: SecantusDB's work grows with the list's length squared (500 codes: 20x 100's).
        return {doc.pop("code"): doc for start in range(0, len(codes), _IN_LIST)
                for doc in self.guard(partial(read, codes[start:start + _IN_LIST]))}

    def matches(self, new: NewAttendee) -> tuple[dict | None, dict | None]:
        """The attendees holding this registration's request id and its phone, if any."""
        # The phone first: a retry committed between the two reads is then seen by the request id
        # too, rather than found by its phone alone and refused as someone else's.
        by_phone = self.find({"phone": new.phone}) if new.phone else None
        by_request = self.find({"request_id": new.request_id}) if new.request_id else None
        return by_request, by_phone

    def register(self, new: NewAttendee, make_code: Callable[[], str],
                 now: datetime) -> tuple[dict, bool]:
        """Store the attendee and count it in one transaction: (attendee, created), or Refused."""
        existing = repeated_registration(new, *self.matches(new))
        if existing:
            return existing, False
        for attempt in range(_ATTEMPTS):
            doc = {"code": make_code(), "name": new.name, "group": new.group, "registered_at": now,
                   "consent_version": new.consent_version, "consent_at": now,
                   **commune_records.labels(new.listed, new.commune)}
            # Absent, not null: the sparse unique indexes skip attendees without a phone or request id.
            doc |= {k: v for k, v in (("phone", new.phone), ("request_id", new.request_id)) if v}

            def insert(session, doc=doc) -> dict:
                self.db[ATTENDEES].insert_one(doc, session=session)
                # The counter last: the shared document is held for the shortest time.
                doc["stream"], doc["seq"] = self.bump_counters(
                    Source.REGISTRATION, AttendeeRegistered.deltas(doc), session)
                doc.pop("_id", None)
                return doc

            try:
                return self.in_transaction(insert), True
            except DuplicateKeyError as exc:
                if _CODE_INDEX in str((exc.details or {}).get("errmsg", exc)):
                    continue  # a rare clash of random codes: draw another
                # The same phone or request is being registered right now: the rules judge
                # against it once it commits; if it aborts instead, our next attempt succeeds.
                existing = repeated_registration(new, *self.matches(new))
                if existing:
                    return existing, False
                time.sleep(0.02 * (attempt + 1))
        raise ServiceUnavailable("registration kept conflicting; try again")

    def count_proof_attempt(self, phone: str) -> tuple[dict | None, int]:
        """The attendee holding this phone and how many proofs were tried for it, this one included.

        Counted before judging, in one atomic step, so parallel guesses cannot share a count.
        """
        attendee = self.guard(lambda: self.db[ATTENDEES].find_one_and_update(
            {"phone": phone}, {"$inc": {"proof_attempts": 1}}, projection={"_id": 0},
            return_document=ReturnDocument.AFTER))
        return attendee, attendee["proof_attempts"] if attendee else 0

    def times_since(self, since: datetime) -> list[datetime]:
        docs = self.guard(lambda: list(self.db[ATTENDEES].find({"registered_at": {"$gte": since}},
                                                                 {"registered_at": 1})))
        return [doc["registered_at"] for doc in docs]

    def contacts(self, codes: list[str]) -> dict[str, dict]:
        """These attendees' name, commune and phone ("" without one), by code."""
        return {code: {"name": doc["name"], "commune": doc["commune"], "phone": doc.get("phone", "")}
                for code, doc in self.by_codes(codes, ("name", "commune", "phone")).items()}

    def page(self, after: str | None, limit: int) -> list[dict]:
        """Attendees in the order of their codes, from the one after `after`."""
        query = {"code": {"$gt": after}} if after else {}
        return self.guard(lambda: list(self.db[ATTENDEES].find(query, {"_id": 0, "request_id": 0, "proof_attempts": 0})
                                       .sort("code", ASCENDING).limit(limit)))
    def count_holder_attempt(self, code: str) -> tuple[dict | None, int]:
        """The attendee with this badge code and how many proofs were tried for it, this one included."""
        attendee = self.guard(lambda: self.db[ATTENDEES].find_one_and_update(
            {"code": code, "erased_at": {"$exists": False}}, {"$inc": {"proof_attempts": 1}},
            projection={"_id": 0}, return_document=ReturnDocument.AFTER))
        return attendee, attendee["proof_attempts"] if attendee else 0

    def forget(self, code: str | None, now: datetime) -> None:
        """The name, phone, request id and the commune as typed of one attendee (None: of everyone) go;
        the badge code, commune (as listed), group and time stay, so every figure and per-commune total
        stays exact."""
        query: dict[str, Any] = {"erased_at": {"$exists": False}} | ({"code": code} if code else {})
        self.guard(lambda: self.db[ATTENDEES].update_many(query, {
            "$set": {"name": PSEUDONYM, "erased_at": now},
            "$unset": {"phone": "", "request_id": "", "proof_attempts": "", "commune_text": ""}}))

    def follow_communes(self, communes: CommuneList) -> int:
        """Attendees follow a (re)loaded list; how many typed communes were matched to it."""
        return self.guard(lambda: commune_records.follow_list(self.db[ATTENDEES], communes))

    def unmatched_communes(self) -> dict[str, int]:
        return dict(self.guard(lambda: commune_records.unmatched(self.db[ATTENDEES])))

    def relabel_commune(self, text: str, commune: Commune) -> int:
        return self.guard(lambda: commune_records.relabel(self.db[ATTENDEES], text, commune))

    def counters(self) -> dict[str, Any]:
        return self.read_counters(Source.REGISTRATION, COUNTERS[Source.REGISTRATION])


class AttendeeStore(MongoProvider):
    repository_class = AttendeeRepository

    def prepare(self, repository: MongoRepository) -> None:
        attendees = repository.db[ATTENDEES]
        attendees.create_index([("code", ASCENDING)], unique=True, name=_CODE_INDEX)
        attendees.create_index([("registered_at", ASCENDING)])  # the screen's trend: the last minutes' arrivals
        for field in ("phone", "request_id"):
            # Sparse, not partial: SecantusDB answers lookups from a sparse index but scans the
            # collection past a partial one. Older data kept nulls and a partial index: mend both.
            if f"{field}_unique" in attendees.index_information():
                attendees.drop_index(f"{field}_unique")
            attendees.update_many({field: None}, {"$unset": {field: ""}})
            attendees.create_index([(field, ASCENDING)], unique=True, sparse=True, name=f"{field}_unique_sparse")
