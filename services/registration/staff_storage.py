"""The staff passes issued: the signed token is the credential; this record is what can revoke it."""
from datetime import datetime, timedelta

from services.registration.logic import StaffPassRequest
from shared.errors import NotFound
from shared.mongo import MongoProvider, MongoRepository

STAFF_PASSES = "staff_passes"


class StaffPassRepository(MongoRepository):
    def issue(self, request: StaffPassRequest, pass_id: str, now: datetime) -> dict:
        doc = {"_id": pass_id, "role": request.role.value, "label": request.label, "issued_at": now,
               "expires_at": now + timedelta(hours=request.hours), "revoked": False}
        self.guard(lambda: self.db[STAFF_PASSES].insert_one(doc))
        return doc

    def revoke(self, pass_id: str, now: datetime) -> None:
        result = self.guard(lambda: self.db[STAFF_PASSES].update_one(
            {"_id": pass_id}, {"$set": {"revoked": True, "revoked_at": now}}))
        if result.matched_count == 0:
            raise NotFound("staff_pass")

    def is_active(self, pass_id: str, now: datetime) -> bool:
        doc = self.guard(lambda: self.db[STAFF_PASSES].find_one({"_id": pass_id}))
        return doc is not None and not doc["revoked"] and now < doc["expires_at"]

    def find(self, pass_id: str) -> dict | None:
        return self.guard(lambda: self.db[STAFF_PASSES].find_one({"_id": pass_id}))

    def all(self) -> list[dict]:
        return self.guard(lambda: list(self.db[STAFF_PASSES].find().sort("issued_at", -1)))


class StaffPassStore(MongoProvider):
    repository_class = StaffPassRepository
