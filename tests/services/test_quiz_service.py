"""The quiz service's contest on a real broker and database: server timing, scoring once, exact stats."""
import json
import random
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.quiz.service import QuizService
from shared.errors import Refused, ValidationFailed
from tests.services.helpers import call

QUESTIONS = [{"id": f"q{i:02d}", "text": {"vi": f"Câu {i}?"}, "choices": [{"vi": x} for x in "ABCD"],
              "correct": "ABCD"[i % 4], "explanation": {"vi": "Vì vậy."}} for i in range(10)]
KEY = {q["id"]: "ABCD".index(q["correct"]) for q in QUESTIONS}


@pytest.fixture
def quiz(container_factory, config, registration):
    container = container_factory(QuizService, config)
    container.start()
    call(container, "import_bank", rows=QUESTIONS)
    now = datetime.now(UTC)
    call(container, "save_contest", contest_id="tinh", contest={
        "title": "Tìm hiểu chuyển đổi số", "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(), "time_limit_seconds": 600})
    return container


def person(i: int) -> dict:
    return {"name": f"Người {i}", "phone": f"09{i:08d}", "commune": ["Xã A", "Xã B", "Phường C"][i % 3]}


def answers(entry: dict, wrong: int = 0) -> dict:
    chosen = {q["id"]: KEY[q["id"]] for q in entry["questions"]}
    for qid in list(chosen)[:wrong]:
        chosen[qid] = (chosen[qid] + 1) % 4
    return chosen


def test_an_entry_shows_questions_in_its_own_order_and_never_the_answers(quiz):
    first = call(quiz, "start_entry", contest_id="tinh", **person(1))
    second = call(quiz, "start_entry", contest_id="tinh", **person(2))
    assert {q["id"] for q in first["questions"]} == set(KEY)
    assert [q["id"] for q in first["questions"]] != [q["id"] for q in second["questions"]] or \
        [q["id"] for q in first["questions"]] != sorted(KEY)
    client_facing = json.dumps([first, second, call(quiz, "contest", contest_id="tinh")])
    assert '"correct"' not in client_facing and "Vì vậy" not in client_facing


def test_a_player_who_refreshes_gets_the_same_entry_back(quiz):
    first = call(quiz, "start_entry", contest_id="tinh", **person(3))
    again = call(quiz, "start_entry", contest_id="tinh", **person(3) | {"name": "Another tab"})
    assert again["entry_id"] == first["entry_id"] and again["questions"] == first["questions"]


def test_an_entry_is_scored_on_the_server_once(quiz):
    entry = call(quiz, "start_entry", contest_id="tinh", **person(4))
    result = call(quiz, "submit_entry", entry_id=entry["entry_id"], answers=answers(entry, wrong=2))
    assert (result["correct"], result["total"], result["perfect"]) == (8, 10, False)
    again = call(quiz, "submit_entry", entry_id=entry["entry_id"], answers=answers(entry))
    assert again == result
    assert call(quiz, "contest_stats", contest_id="tinh")["entries"] == 1


def test_an_open_entry_is_scored_on_the_questions_it_was_given_after_a_new_bank(quiz):
    entry = call(quiz, "start_entry", contest_id="tinh", **person(5))
    call(quiz, "import_bank", rows=[q | {"correct": "ABCD"[(i + 1) % 4]} for i, q in enumerate(QUESTIONS)])
    result = call(quiz, "submit_entry", entry_id=entry["entry_id"], answers=answers(entry))
    assert result["correct"] == result["total"] == len(QUESTIONS)


def test_a_submission_past_the_entrys_time_is_refused(quiz, mongo_client, mongo_db):
    entry = call(quiz, "start_entry", contest_id="tinh", **person(5))
    mongo_client[mongo_db]["entries"].update_one(
        {"_id": entry["entry_id"]}, {"$set": {"deadline": datetime.now(UTC) - timedelta(seconds=1)}})
    with pytest.raises(Refused) as caught:
        call(quiz, "submit_entry", entry_id=entry["entry_id"], answers=answers(entry))
    assert caught.value.args[0] == "too_late"
    assert call(quiz, "contest_stats", contest_id="tinh")["entries"] == 0
    assert call(quiz, "start_entry", contest_id="tinh", **person(5))["entry_id"] != entry["entry_id"]


def test_no_entry_starts_outside_the_contest_window(quiz):
    now = datetime.now(UTC)
    call(quiz, "save_contest", contest_id="sau", contest={
        "title": "Sau", "opens_at": (now + timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=2)).isoformat()})
    with pytest.raises(Refused):
        call(quiz, "start_entry", contest_id="sau", **person(6))


def test_a_bad_bank_is_refused_whole_and_the_old_bank_stays(quiz):
    with pytest.raises(ValidationFailed) as caught:
        call(quiz, "import_bank", rows=[QUESTIONS[0], {"id": "x", "choices": [], "correct": "Z"}])
    assert list(caught.value.fields) == ["row 2"]
    assert len(call(quiz, "bank")) == 10


def test_a_registered_attendee_plays_with_their_code(quiz, registration):
    attendee = call(registration, "register", name="Lò Thị Mai", commune="Xã Tân Thanh")
    entry = call(quiz, "start_entry", contest_id="tinh", attendee_code=attendee["code"].lower())
    call(quiz, "submit_entry", entry_id=entry["entry_id"], answers=answers(entry))
    leader = call(quiz, "contest_stats", contest_id="tinh")["leaderboard"][0]
    assert (leader["name"], leader["commune"], leader["correct"]) == ("Lò Thị Mai", "Xã Tân Thanh", 10)
    with pytest.raises(ValidationFailed):
        call(quiz, "start_entry", contest_id="tinh", attendee_code="XXXXXXX")


def test_a_replay_of_many_entries_gives_exact_stats(quiz, config):
    rng = random.Random(7)
    plan = [(rng.randrange(300), rng.choice([0, 0, 1, 3])) for _ in range(1000)]
    expected_perfect_entries = sum(1 for _, wrong in plan if wrong == 0)
    by_person: dict[int, list[int]] = {}
    for who, wrong in plan:
        by_person.setdefault(who, []).append(wrong)

    def play(i: int) -> None:
        """One participant plays all their entries, one after another."""
        who = sorted(by_person)[i]
        with ServiceRpcProxy("quiz", config) as proxy:
            for wrong in by_person[who]:
                entry = proxy.start_entry(contest_id="tinh", **person(who))
                proxy.submit_entry(entry_id=entry["entry_id"], answers=answers(entry, wrong))

    list(eventlet.GreenPool(50).imap(play, range(len(by_person))))
    stats = call(quiz, "contest_stats", contest_id="tinh")
    assert stats["entries"] == 1000
    assert stats["participants"] == len(by_person)
    assert stats["perfect_entries"] == expected_perfect_entries
    assert stats["perfect_participants"] == sum(1 for tries in by_person.values() if 0 in tries)
    assert sum(stats["by_commune"].values()) == len(by_person)
    assert stats["leaderboard"][0]["correct"] == 10 and len(stats["leaderboard"]) == 10
    assert stats["fastest_perfect_seconds"] is not None
