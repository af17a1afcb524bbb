"""The province's communes and wards, loaded by the organisers: one document per code."""
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from shared.cache import Recent
from shared.communes import Commune, CommuneList
from shared.mongo import MongoProvider, MongoRepository

COMMUNES = "communes"
# Every registration reads the list; organisers load it before the day. Another replica's load is
# seen within this time, this one's at once.
RECENT_SECONDS = 5.0


class CommuneRepository(MongoRepository):
    def __init__(self, client: MongoClient, db: Database):
        super().__init__(client, db)
        self._recent: Recent[CommuneList] = Recent(RECENT_SECONDS)

    def all(self) -> CommuneList:
        """The list loaded last (empty before the first load)."""
        return self._recent.get(COMMUNES, lambda: CommuneList.from_docs(
            {"code": doc["_id"], **doc} for doc in self.guard(lambda: list(self.db[COMMUNES].find()))))

    def replace(self, communes: list[Commune]) -> None:
        """The whole list at once, keyed by code: readers see the old list or the new one, never half."""
        def swap(session: Any) -> None:
            self.db[COMMUNES].delete_many({}, session=session)
            self.db[COMMUNES].insert_many([{"_id": c.code, "name": c.name, "district": c.district}
                                           for c in communes], session=session)
        self.in_transaction(swap)
        self._recent.forget()


class CommuneStore(MongoProvider):
    repository_class = CommuneRepository
