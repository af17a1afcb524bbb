"""The privacy settings (retention, the phone rule, the last shred run) and the audit log of staff
who saw or exported personal data: appended to, never changed or deleted through any call."""
from datetime import datetime
from typing import Any

from pymongo import DESCENDING

from shared.cache import Recent
from shared.mongo import MongoProvider, MongoRepository
from shared.privacy import AuditKind

SETTINGS, AUDIT = "settings", "audit"
PRIVACY = "privacy"
RECENT_SECONDS = 2.0


class PrivacyRepository(MongoRepository):
    def __init__(self, *args: Any):
        super().__init__(*args)
        self._recent: Recent[dict[str, Any]] = Recent(RECENT_SECONDS)  # every registration reads the phone rule

    def settings(self) -> dict[str, Any]:
        return self._recent.get(PRIVACY, lambda: self.guard(
            lambda: self.db[SETTINGS].find_one({"_id": PRIVACY}, {"_id": 0})) or {})

    def save(self, changes: dict[str, Any]) -> dict[str, Any]:
        self.guard(lambda: self.db[SETTINGS].update_one({"_id": PRIVACY}, {"$set": changes}, upsert=True))
        self._recent.forget(PRIVACY)
        return self.settings()

    def append(self, kind: AuditKind, who: str, route: str, subject: str, now: datetime) -> None:
        self.guard(lambda: self.db[AUDIT].insert_one(
            {"at": now, "kind": kind.value, "who": who, "route": route, "subject": subject}))

    def records(self, limit: int) -> list[dict[str, Any]]:
        return self.guard(lambda: list(self.db[AUDIT].find({}, {"_id": 0}).sort("at", DESCENDING).limit(limit)))

    def export_times(self) -> list[datetime]:
        return [doc["at"] for doc in self.guard(lambda: list(self.db[AUDIT].find(
            {"kind": AuditKind.EXPORT.value}, {"at": 1}).sort("at", DESCENDING).limit(1)))]


class PrivacyStore(MongoProvider):
    repository_class = PrivacyRepository

    def prepare(self, repository: MongoRepository) -> None:
        repository.db[AUDIT].create_index([("at", DESCENDING)])
