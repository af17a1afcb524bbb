"""The quiz service's contest on a real broker and database: server timing, scoring once, exact stats."""
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from services.quiz.service import QuizService
from shared.errors import NotFound, Refused, ValidationFailed
from shared.mongo import COUNTER_SHARDS, mongo_now
from tests.services.helpers import ask, ask_one, call

QUESTIONS = [{"id": f"q{i:02d}", "text": {"vi": f"Câu {i}?"}, "choices": [{"vi": x} for x in "ABCD"],
              "correct": "ABCD"[i % 4], "explanation": {"vi": "Vì vậy."}} for i in range(10)]
KEY = {q["id"]: "ABCD".index(q["correct"]) for q in QUESTIONS}


@pytest.fixture
def quiz(container_factory, config, registration):
    return started(container_factory(QuizService, config))


def started(container):
    """The quiz service running with the test bank and an open contest, "tinh"."""
    container.start()
    call(container, "import_bank", rows=QUESTIONS)
    now = datetime.now(UTC)
    call(container, "save_contest", contest_id="tinh", contest={
        "title": "Tìm hiểu chuyển đổi số", "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(), "time_limit_seconds": 600})
    return container


def person(i: int) -> dict:
    """Participant i on their own phone, which keeps its secret token."""
    return {"name": f"Người {i}", "phone": f"09{i:08d}", "commune": ["Xã A", "Xã B", "Phường C"][i % 3],
            "token": f"phone-of-person-{i:04d}"}


def start(quiz, contest_id: str, **fields) -> dict:
    """An entry started as the gateway hands it on, in a batch of its own."""
    return ask_one(quiz, "take_contest_commands", {"type": "start", "contest_id": contest_id, **fields})


def submit(quiz, entry_id: str, answers: dict, prediction: int | None = None) -> dict:
    return ask_one(quiz, "take_contest_commands", {"type": "submit", "entry_id": entry_id, "answers": answers,
                                                   "prediction": prediction})


def answers(entry: dict, wrong: int = 0) -> dict:
    chosen = {q["id"]: KEY[q["id"]] for q in entry["questions"]}
    for qid in list(chosen)[:wrong]:
        chosen[qid] = (chosen[qid] + 1) % 4
    return chosen


def test_an_entry_shows_questions_in_its_own_order_and_never_the_answers(quiz):
    first = start(quiz, contest_id="tinh", **person(1))
    second = start(quiz, contest_id="tinh", **person(2))
    assert {q["id"] for q in first["questions"]} == set(KEY)
    assert [q["id"] for q in first["questions"]] != [q["id"] for q in second["questions"]] or \
        [q["id"] for q in first["questions"]] != sorted(KEY)
    client_facing = json.dumps([first, second, call(quiz, "contest", contest_id="tinh")])
    assert '"correct"' not in client_facing and "Vì vậy" not in client_facing


def test_a_player_who_refreshes_gets_the_same_entry_back_on_the_servers_clock(quiz):
    before = mongo_now()  # to the millisecond, as the server's times
    first = start(quiz, contest_id="tinh", **person(3))
    again = start(quiz, contest_id="tinh", **person(3) | {"name": "Another tab"})
    assert again["entry_id"] == first["entry_id"] and again["questions"] == first["questions"]
    assert again["deadline"] == first["deadline"] and again["started_at"] == first["started_at"]
    assert before <= datetime.fromisoformat(first["server_time"]) <= datetime.fromisoformat(again["server_time"])
    assert datetime.fromisoformat(again["server_time"]) <= datetime.now(UTC)


@pytest.mark.parametrize("intruder", [
    {"name": "Người 3"},  # the same name and phone, from another phone
    {"name": "Kẻ lạ"},  # the same phone, another name
    {"phone": "+84 900 000 003"},  # the same phone, written differently
    {"phone": "84-900-000-003", "name": "Kẻ lạ", "commune": "Xã Z"},
])
def test_knowing_a_phone_number_never_hands_over_its_open_entry(quiz, mongo_client, mongo_db, intruder):
    mine = start(quiz, contest_id="tinh", **person(3))
    for token in ("someone-elses-phone-0001", "phone-of-person-0004"):
        with pytest.raises(Refused) as caught:
            start(quiz, contest_id="tinh", **person(3) | intruder | {"token": token})
        assert caught.value.args == ("entry_elsewhere",)  # no entry id, name, deadline or answers
    assert start(quiz, contest_id="tinh", **person(3))["entry_id"] == mine["entry_id"]
    assert mongo_client[mongo_db]["entries"].count_documents({}) == 1


def test_knowing_a_badge_code_never_hands_over_its_open_entry(quiz, registration):
    attendee = call(registration, "register", consent=True, name="Lò Thị Mai", commune="Xã Tân Thanh")
    mine = start(quiz, contest_id="tinh", attendee_code=attendee["code"], token="mai-phone-0000001")
    with pytest.raises(Refused):
        start(quiz, contest_id="tinh", attendee_code=attendee["code"].lower(), token="other-0000000001")
    again = start(quiz, contest_id="tinh", attendee_code=attendee["code"], token="mai-phone-0000001")
    assert again["entry_id"] == mine["entry_id"]


@pytest.mark.parametrize("token", [None, "", "short", "x" * 101, "with space 000000", 42])
def test_a_start_without_the_phones_secret_is_refused_and_stores_nothing(quiz, mongo_client, mongo_db, token):
    with pytest.raises(ValidationFailed) as caught:
        start(quiz, contest_id="tinh", **person(3) | {"token": token})
    assert caught.value.fields == {"token": "invalid_token"}
    assert mongo_client[mongo_db]["entries"].count_documents({}) == 0


def test_an_entry_is_scored_on_the_server_once(quiz):
    entry = start(quiz, contest_id="tinh", **person(4))
    result = submit(quiz, entry_id=entry["entry_id"], answers=answers(entry, wrong=2))
    assert (result["correct"], result["total"], result["perfect"]) == (8, 10, False)
    again = submit(quiz, entry_id=entry["entry_id"], answers=answers(entry))
    assert again == result
    assert call(quiz, "contest_stats", contest_id="tinh")["entries"] == 1


def test_an_open_entry_is_scored_on_the_questions_it_was_given_after_a_new_bank(quiz):
    entry = start(quiz, contest_id="tinh", **person(5))
    call(quiz, "import_bank", rows=[q | {"correct": "ABCD"[(i + 1) % 4]} for i, q in enumerate(QUESTIONS)])
    result = submit(quiz, entry_id=entry["entry_id"], answers=answers(entry))
    assert result["correct"] == result["total"] == len(QUESTIONS)


def test_a_submission_past_the_entrys_time_is_refused(quiz, mongo_client, mongo_db):
    entry = start(quiz, contest_id="tinh", **person(5))
    mongo_client[mongo_db]["entries"].update_one(
        {"_id": entry["entry_id"]}, {"$set": {"deadline": datetime.now(UTC) - timedelta(seconds=1)}})
    with pytest.raises(Refused) as caught:
        submit(quiz, entry_id=entry["entry_id"], answers=answers(entry))
    assert caught.value.args[0] == "too_late"
    assert call(quiz, "contest_stats", contest_id="tinh")["entries"] == 0
    assert start(quiz, contest_id="tinh", **person(5))["entry_id"] != entry["entry_id"]


def test_no_entry_starts_outside_the_contest_window(quiz):
    now = datetime.now(UTC)
    call(quiz, "save_contest", contest_id="sau", contest={
        "title": "Sau", "opens_at": (now + timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=2)).isoformat()})
    with pytest.raises(Refused):
        start(quiz, contest_id="sau", **person(6))


def test_a_bad_bank_is_refused_whole_and_the_old_bank_stays(quiz):
    with pytest.raises(ValidationFailed) as caught:
        call(quiz, "import_bank", rows=[QUESTIONS[0], {"id": "x", "choices": [], "correct": "Z"}])
    assert caught.value.fields == {"row 2: text_vi": "required", "row 2: choices": "bank_choice_count",
                                   "row 2: correct": "bank_bad_letter"}
    assert len(call(quiz, "bank")) == 10


def test_a_registered_attendee_plays_with_their_code(quiz, registration):
    attendee = call(registration, "register", consent=True, name="Lò Thị Mai", commune="Xã Tân Thanh")
    entry = start(quiz, contest_id="tinh", attendee_code=attendee["code"].lower(), token="a" * 16)
    submit(quiz, entry_id=entry["entry_id"], answers=answers(entry))
    leader = call(quiz, "contest_stats", contest_id="tinh")["leaderboard"][0]
    assert (leader["name"], leader["commune"], leader["correct"]) == ("Lò Thị Mai", "Xã Tân Thanh", 10)
    with pytest.raises(ValidationFailed):
        start(quiz, contest_id="tinh", attendee_code="XXXXXXX", token="a" * 16)


def test_a_replay_of_many_entries_in_batches_gives_exact_stats(quiz):
    rng = random.Random(7)
    plan = [(rng.randrange(300), rng.choice([0, 0, 1, 3])) for _ in range(1000)]
    expected_perfect_entries = sum(1 for _, wrong in plan if wrong == 0)
    by_person: dict[int, list[int]] = {}
    for who, wrong in plan:
        by_person.setdefault(who, []).append(wrong)
    # Every participant plays their k-th entry in round k: one batch of starts, then one of submissions.
    for k in range(max(len(tries) for tries in by_person.values())):
        playing = [(who, tries[k]) for who, tries in sorted(by_person.items()) if len(tries) > k]
        entries = ask(quiz, "take_contest_commands", [{"type": "start", "contest_id": "tinh", **person(who)}
                                                      for who, _ in playing])
        results = ask(quiz, "take_contest_commands", [
            {"type": "submit", "entry_id": entry["entry_id"], "answers": answers(entry, wrong)}
            for entry, (_, wrong) in zip(entries, playing, strict=True)])
        assert [r["perfect"] for r in results] == [wrong == 0 for _, wrong in playing]
    stats = call(quiz, "contest_stats", contest_id="tinh")
    assert stats["entries"] == 1000
    assert stats["participants"] == len(by_person)
    assert stats["perfect_entries"] == expected_perfect_entries
    assert stats["perfect_participants"] == sum(1 for tries in by_person.values() if 0 in tries)
    assert sum(stats["by_commune"].values()) == len(by_person)
    assert stats["leaderboard"][0]["correct"] == 10 and len(stats["leaderboard"]) == 10
    assert stats["fastest_perfect_seconds"] is not None


def test_starts_and_submissions_in_one_batch_are_decided_in_order(quiz):
    first = start(quiz, contest_id="tinh", **person(1))
    replies = ask(quiz, "take_contest_commands", [
        {"type": "start", "contest_id": "tinh", **person(2)},
        {"type": "start", "contest_id": "tinh", **person(2)},  # a second tab: the same entry
        {"type": "start", "contest_id": "tinh", **person(2) | {"token": "another-phone-0002"}},
        {"type": "submit", "entry_id": first["entry_id"], "answers": answers(first)},
        {"type": "submit", "entry_id": first["entry_id"], "answers": answers(first, wrong=3)},
        {"type": "submit", "entry_id": "no-such-entry", "answers": {}},
        {"type": "start", "contest_id": "tinh", **person(1)}])  # after a submit: a new entry
    assert replies[0]["entry_id"] == replies[1]["entry_id"]
    assert isinstance(replies[2], Refused) and replies[2].args == ("entry_elsewhere",)
    assert replies[3]["perfect"] and replies[4] == replies[3], "scored once"
    assert isinstance(replies[5], NotFound)
    assert replies[6]["entry_id"] not in (first["entry_id"], replies[0]["entry_id"])
    stats = call(quiz, "contest_stats", contest_id="tinh")
    assert (stats["entries"], stats["participants"], stats["perfect_entries"]) == (1, 1, 1)


def test_a_batch_cut_short_after_its_entries_were_scored_is_counted_once(quiz, mongo_client, mongo_db):
    """Killed after setting the entries submitted, before the participants and the counter update: the batch comes
    again, answers the stored scores, and counts them once."""
    entries = [start(quiz, contest_id="tinh", **person(who)) for who in range(3)]
    submissions = [{"type": "submit", "entry_id": e["entry_id"], "answers": answers(e, who)}
                   for who, e in enumerate(entries)]
    first = ask(quiz, "take_contest_commands", submissions)
    db = mongo_client[mongo_db]
    db["participants"].delete_many({})
    db["stats"].delete_many({"_id": {"$regex": "^quiz/"}})
    assert ask(quiz, "take_contest_commands", submissions) == first
    assert ask(quiz, "take_contest_commands", submissions) == first
    stats = call(quiz, "contest_stats", contest_id="tinh")
    assert (stats["entries"], stats["participants"], stats["perfect_entries"], stats["perfect_participants"]) == \
        (3, 3, 1, 1)
    assert [row["correct"] for row in stats["leaderboard"]] == [10, 9, 8]


def test_every_figure_and_ranking_belongs_to_its_contest(quiz, registration):
    now = datetime.now(UTC)
    call(quiz, "save_contest", contest_id="fresh1", contest={
        "title": "Mới", "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat()})
    empty = call(quiz, "contest_stats", contest_id="fresh1")
    assert empty == {"participants": 0, "entries": 0, "perfect_participants": 0, "perfect_entries": 0,
                     "fastest_perfect_seconds": None, "by_commune": {}, "leaderboard": []}

    perfect_times: dict[str, list[float]] = {"tinh": [], "fresh1": []}
    for contest, who, wrong in [("tinh", 1, 0), ("tinh", 1, 2), ("tinh", 2, 0), ("tinh", 3, 1),
                                ("fresh1", 1, 3), ("fresh1", 2, 3), ("fresh1", 2, 0)]:
        entry = start(quiz, contest_id=contest, **person(who))
        result = submit(quiz, entry_id=entry["entry_id"], answers=answers(entry, wrong))
        if result["perfect"]:
            perfect_times[contest].append(result["duration_seconds"])
    tinh, fresh = (call(quiz, "contest_stats", contest_id=c) for c in ("tinh", "fresh1"))
    assert {k: tinh[k] for k in ("participants", "entries", "perfect_participants", "perfect_entries")} == \
        {"participants": 3, "entries": 4, "perfect_participants": 2, "perfect_entries": 2}
    # A person's first entry in a second contest makes them a new participant there.
    assert {k: fresh[k] for k in ("participants", "entries", "perfect_participants", "perfect_entries")} == \
        {"participants": 2, "entries": 3, "perfect_participants": 1, "perfect_entries": 1}
    assert tinh["by_commune"] == {"Phường C": 1, "Xã A": 1, "Xã B": 1}
    assert fresh["by_commune"] == {"Phường C": 1, "Xã B": 1}
    assert [(row["name"], row["correct"]) for row in fresh["leaderboard"]] == [("Người 2", 10), ("Người 1", 7)]
    assert [row["correct"] for row in tinh["leaderboard"]] == [10, 10, 9]
    assert tinh["fastest_perfect_seconds"] == min(perfect_times["tinh"])
    assert fresh["fastest_perfect_seconds"] == min(perfect_times["fresh1"])
    live = call(quiz, "stats")["streams"].values()
    assert sum(s["counters"].get("quiz_entries", {}).get("fresh1", 0) for s in live) == 3


def test_counters_kept_before_they_were_per_contest_start_again(container_factory, config, mongo_client, mongo_db,
                                                              registration):
    stats = mongo_client[mongo_db]["stats"]
    stats.insert_many([{"_id": f"quiz/{shard}", "seq": 5, "counters": {"quiz_entries": 5, "quiz_participants": 3}}
                       for shard in range(COUNTER_SHARDS)])
    stats.insert_one({"_id": "quiz:gauges", "counters": {"quiz_fastest_perfect_seconds": 12.5}})
    quiz = started(container_factory(QuizService, config))
    for who in range(3):
        entry = start(quiz, contest_id="tinh", **person(who))
        submit(quiz, entry_id=entry["entry_id"], answers=answers(entry))
    figures = call(quiz, "contest_stats", contest_id="tinh")
    assert (figures["entries"], figures["participants"], figures["perfect_entries"]) == (3, 3, 3)
    assert figures["fastest_perfect_seconds"] < 12.5 and stats.find_one({"_id": "quiz:gauges"}) is None
