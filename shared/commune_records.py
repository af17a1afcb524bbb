"""Records that name a commune (attendees, contest entries and participants), kept in step with the
province's list: `commune_code` is what figures group by, `commune` the name shown, and
`commune_text` what the person typed before it was matched (kept so it still proves a lost badge)."""
from collections import Counter
from collections.abc import Mapping
from typing import Any

from pymongo.collection import Collection

from shared.communes import Commune, CommuneList, matched_texts

# Typed before a list was loaded, and not matched to it yet.
FREE_TEXT: dict[str, Any] = {"commune_code": None, "commune": {"$ne": None}}


def labels(commune: Commune | None, typed: str | None) -> dict[str, Any]:
    """The fields a new record stores: the list's code and name, or the text as typed without a list."""
    if commune is None:
        return {"commune": typed or None}
    return {"commune": commune.name, "commune_code": commune.code}


def group(record: Mapping[str, Any]) -> str:
    """What figures per commune count a record under: its commune's code, else the text typed."""
    return record.get("commune_code") or record.get("commune") or "—"


def unmatched(collection: Collection[dict[str, Any]]) -> Counter[str]:
    """Each free text still unmatched, with how many records carry it."""
    return Counter(doc["commune"] for doc in collection.find(FREE_TEXT, {"commune": 1}) if doc["commune"])


def relabel(collection: Collection[dict[str, Any]], text: str, commune: Commune) -> int:
    """Every record with this free text now names this commune; how many changed."""
    return collection.update_many(
        FREE_TEXT | {"commune": text},
        {"$set": {"commune": commune.name, "commune_code": commune.code, "commune_text": text}}).modified_count


def follow_list(collection: Collection[dict[str, Any]], communes: CommuneList) -> int:
    """After a (re)load: coded records take their commune's new name, and free texts that name
    exactly one commune are matched to it. How many free-text records were matched."""
    coded = {(doc["commune_code"], doc.get("commune")) for doc in collection.find(
        {"commune_code": {"$ne": None}}, {"commune_code": 1, "commune": 1})}
    for code, name in coded:
        commune = communes.get(code)
        if commune is not None and commune.name != name:
            collection.update_many({"commune_code": code}, {"$set": {"commune": commune.name}})
    return sum(relabel(collection, text, commune)
               for text, commune in matched_texts(unmatched(collection), communes).items())
