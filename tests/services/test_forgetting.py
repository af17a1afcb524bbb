"""Each service's share of forgetting, against the real database: what goes, what stays, and a run
cut short by a crash completed by the next one."""
from datetime import UTC, datetime

import pytest

from services.quiz.round_storage import RoundRepository, RoundStore
from services.quiz.storage import QuizRepository, QuizStore
from shared.errors import Refused
from shared.privacy import PSEUDONYM


@pytest.fixture
def quiz(mongo_client, mongo_db):
    repository = QuizRepository(mongo_client, mongo_client[mongo_db])
    QuizStore().prepare(repository)
    db = repository.db
    for n, (key, contest) in enumerate([("p:0912000001", "a"), ("p:0912000001", "b"), ("p:0912000002", "a"),
                                        ("a:GXH6AGG", "a")]):
        db["entries"].insert_one({"_id": f"e{n}", "contest_id": contest, "participant": key, "name": f"Người {n}",
                                  "commune": "Xã Tân Thanh", "status": "submitted", "started_at": datetime.now(UTC)})
        db["participants"].update_one({"_id": f"{contest} {key}"}, {"$setOnInsert": {
            "contest_id": contest, "name": f"Người {n}", "commune": "Xã Tân Thanh", "entries": 1}}, upsert=True)
    return repository


def standings(db) -> dict[str, list[tuple[str, str]]]:
    return {contest: sorted((doc["_id"], doc["name"]) for doc in db["participants"].find({"contest_id": contest}))
            for contest in ("a", "b")}


def test_everyone_forgotten_keeps_every_standing_under_a_key_that_tells_nothing(quiz):
    quiz.forget(None)
    assert standings(quiz.db) == {"a": [("a a:GXH6AGG", PSEUDONYM), ("a x:e0", PSEUDONYM), ("a x:e2", PSEUDONYM)],
                                  "b": [("b x:e0", PSEUDONYM)]}
    assert sorted((e["_id"], e["participant"], e["name"]) for e in quiz.db["entries"].find()) == [
        ("e0", "x:e0", PSEUDONYM), ("e1", "x:e0", PSEUDONYM), ("e2", "x:e2", PSEUDONYM), ("e3", "a:GXH6AGG", PSEUDONYM)]


def test_one_person_forgotten_leaves_everyone_else_as_they_were(quiz):
    quiz.forget(["p:0912000001", "a:NOBODY"])
    assert standings(quiz.db) == {"a": [("a a:GXH6AGG", "Người 3"), ("a p:0912000002", "Người 2"),
                                        ("a x:e0", PSEUDONYM)], "b": [("b x:e0", PSEUDONYM)]}


def test_a_run_cut_short_after_the_new_standings_is_completed_by_the_next(quiz):
    quiz.db["participants"].insert_one({"_id": "a x:e0", "contest_id": "a", "name": "Người 0",
                                        "commune": "Xã Tân Thanh"})  # written before the crash
    quiz.forget(None)
    quiz.forget(None)
    assert quiz.db["participants"].count_documents({}) == 4
    assert quiz.db["entries"].count_documents({"participant": {"$regex": "^p:"}}) == 0


def test_listed_communes_stay_exact_when_everyone_is_forgotten(quiz):
    """Entries and standings as the contest's batches write them: a listed commune's code, and the text the
    person typed before it was matched."""
    listed = {"commune": "Xã Thanh Thủy", "commune_code": "08923", "commune_text": "thanh thuy"}
    quiz.db["entries"].update_many({}, {"$set": listed})
    quiz.db["participants"].update_many({}, {"$set": listed})
    before = quiz.by_commune("a")
    quiz.forget(None)
    assert quiz.by_commune("a") == before == {"08923": 3}
    for collection in ("entries", "participants"):
        assert {(doc["commune"], doc["commune_code"], "commune_text" in doc)
                for doc in quiz.db[collection].find()} == {("Xã Thanh Thủy", "08923", False)}


@pytest.fixture
def rounds(mongo_client, mongo_db):
    repository = RoundRepository(mongo_client, mongo_client[mongo_db])
    RoundStore().prepare(repository)
    return repository


def test_forgotten_players_keep_their_scores_and_free_their_nicknames(rounds):
    for name, code in (("Mai", "GXH6AGG"), ("An", "K7PQ2RT"), ("Páo", None)):
        rounds.join("R1", name, None, code)
    rounds.forget("GXH6AGG")
    assert sorted((p["name"], p.get("attendee_code")) for p in rounds.db["round_players"].find()) == [
        ("An", "K7PQ2RT"), ("Páo", None), (PSEUDONYM, None)]
    rounds.join("R1", "mai", None)  # the nickname is free again: it was the forgotten player's
    with pytest.raises(Refused):
        rounds.join("R1", "an", None)
    rounds.forget(None)  # many players under one pseudonym: the unique nickname index allows it
    assert [(p["name"], "name_key" in p) for p in rounds.db["round_players"].find()] == [(PSEUDONYM, False)] * 4
