"""Quiz rules: the bank import, scoring and the province's ranking rules."""
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.quiz.bank_files import rows_from_csv
from services.quiz.logic import (
    ELSEWHERE,
    EXPIRED,
    OPEN,
    REPLACE,
    RESUME,
    SUBMITTED,
    Result,
    Start,
    Submission,
    broken_by,
    contest_open,
    entry_counts,
    entry_deadline,
    entry_token_digest,
    judge_submission,
    new_entry,
    on_open_entry,
    parse_bank,
    participant_record,
    plan_starts,
    plan_submissions,
    prediction_settled,
    rank_key,
    ranking,
    score,
    score_entry,
    validate_answers,
    validate_contest,
)
from shared.errors import NotFound, Refused, ValidationFailed

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def row(qid="q1", correct="B", choices=2):
    return {"id": qid, "text": {"vi": "Câu hỏi?"}, "choices": [{"vi": f"Đáp án {i}"} for i in range(choices)],
            "correct": correct}


def test_a_valid_bank_parses_with_english_falling_back_to_vietnamese():
    [question] = parse_bank([row()])
    assert question.correct == 1 and question.text == {"vi": "Câu hỏi?", "en": "Câu hỏi?"}
    assert "correct" not in question.public()


def test_every_bad_row_is_reported_and_nothing_is_taken():
    with pytest.raises(ValidationFailed) as caught:
        parse_bank([row("q1"), row("q2", correct="E"), row("q3", choices=7), row("q1"), "nonsense",
                    {"id": "q6", "choices": [{"vi": "a"}, {"vi": "b"}], "correct": "A"}])
    assert caught.value.fields == {"row 2: correct": "bank_bad_letter", "row 3: choices": "bank_choice_count",
                                   "row 4: id": "bank_twice", "row 5: question": "bank_not_question",
                                   "row 6: text_vi": "required"}


def test_a_row_gets_one_line_per_bad_field_numbered_as_its_file_numbers_it():
    with pytest.raises(ValidationFailed) as caught:
        parse_bank([row("q1"), {"id": "", "text": {"vi": "x" * 501}, "choices": [{"vi": "a"}, {"en": "b"}],
                                "correct": "C"}], first_row=2)
    assert caught.value.fields == {"row 3: id": "bank_bad_id", "row 3: text_vi": "too_long",
                                   "row 3: b_vi": "required", "row 3: correct": "bank_bad_letter"}


def test_a_csv_bank_reads_like_a_spreadsheet():
    text = "\ufeffid,text_vi,text_en,a_vi,a_en,b_vi,b_en,c_vi,c_en,correct\n" \
           "q1,Mã OTP có nên chia sẻ?,Share your OTP?,Có,Yes,Không,No,,,B\n"
    [question] = parse_bank(rows_from_csv(text))
    assert (question.id, len(question.choices), question.correct) == ("q1", 2, 1)


def test_scoring_counts_only_right_answers_to_the_entrys_own_questions():
    key = {"q1": 0, "q2": 3, "q3": 1}
    assert score({"q1": 0, "q2": 3, "q3": 1}, key) == 3
    assert score({"q1": 0, "q2": 2, "q9": 1, "q3": True}, key) == 1


@given(st.dictionaries(st.sampled_from(["q1", "q2", "q3", "x"]), st.integers(-2, 6)))
def test_a_score_is_never_more_than_the_questions_asked(answers):
    assert 0 <= score(answers, {"q1": 0, "q2": 3, "q3": 1}) <= 3


def test_more_correct_beats_faster_and_faster_beats_earlier():
    slow_perfect = Result(45, 300_000, T0)
    fast_44 = Result(44, 42_000, T0)
    fast_perfect = Result(45, 42_000, T0 + timedelta(hours=1))
    early_fast_perfect = Result(45, 42_000, T0)
    ranked = sorted([slow_perfect, fast_44, fast_perfect, early_fast_perfect], key=lambda r: rank_key(r, None))
    assert ranked == [early_fast_perfect, fast_perfect, slow_perfect, fast_44]


def test_after_the_close_the_closest_prediction_breaks_a_tie_before_speed():
    near = Result(45, 90_000, T0, prediction=6_600)
    far_but_fast = Result(45, 42_000, T0, prediction=1_000)
    assert sorted([far_but_fast, near], key=lambda r: rank_key(r, 6_649)) == [near, far_but_fast]


@given(st.lists(st.tuples(st.integers(0, 45), st.integers(1, 10**6), st.integers(0, 10**5)), min_size=2, max_size=30))
def test_ranking_is_a_total_order_that_puts_more_correct_first(rows):
    results = [Result(c, d, T0 + timedelta(seconds=s)) for c, d, s in rows]
    ranked = sorted(results, key=lambda r: rank_key(r, None))
    assert [r.correct for r in ranked] == sorted((r.correct for r in results), reverse=True)


def test_a_contest_needs_a_window_that_opens_before_it_closes():
    contest = validate_contest("tinh-2026", {"title": "Cuộc thi", "opens_at": "2026-11-01T00:00:00+07:00",
                                             "closes_at": "2026-11-30T00:00:00+07:00"})
    assert contest["time_limit_seconds"] == 900
    with pytest.raises(ValidationFailed) as caught:
        validate_contest("bad id!", {"opens_at": "2026-11-30T00:00:00+07:00", "closes_at": "2026-11-01T00:00:00+07:00",
                                     "time_limit_seconds": 5})
    assert set(caught.value.fields) == {"id", "closes_at", "time_limit_seconds", "title"}


def test_answers_must_be_choice_indexes():
    assert validate_answers({"q1": 2}, 100) == ({"q1": 2}, 100)
    for bad in ({"q1": "B"}, {"q1": True}, ["q1"]):
        with pytest.raises(ValidationFailed):
            validate_answers(bad, None)


@pytest.mark.parametrize("text", ["\r\U00048538\r\x11", "id,text_vi\n" + "x" * 200_000, 'id,text_vi\n"open'])
def test_text_that_is_not_a_bank_csv_is_refused_never_a_crash(text):
    with pytest.raises(ValidationFailed):
        parse_bank(rows_from_csv(text))


@pytest.mark.parametrize("token", [None, 12345, "", "short", "x" * 101, "has spaces in it!!", {"$ne": ""}, "đ" * 20])
def test_an_entry_token_must_be_the_pages_secret(token):
    with pytest.raises(ValidationFailed) as caught:
        entry_token_digest(token)
    assert caught.value.fields == {"token": "invalid_token"}


def test_only_the_phone_that_started_an_entry_resumes_it():
    mine, theirs = entry_token_digest("a" * 32), entry_token_digest("b" * 32)
    entry = {"deadline": T0 + timedelta(minutes=15), "token_hash": mine}
    assert on_open_entry(entry, mine, T0) == RESUME
    assert on_open_entry(entry, theirs, T0) == ELSEWHERE
    assert on_open_entry({"deadline": entry["deadline"]}, mine, T0) == ELSEWHERE  # an entry from before tokens
    assert on_open_entry(entry, theirs, T0 + timedelta(minutes=16)) == REPLACE  # its time ran out
    assert mine == entry_token_digest("a" * 32) and "a" * 32 not in mine


DEADLINE = T0 + timedelta(minutes=15)


def test_an_open_entry_is_scored_until_its_deadline_and_refused_after() -> None:
    assert judge_submission(OPEN, DEADLINE, T0) == OPEN
    assert judge_submission(OPEN, DEADLINE, DEADLINE) == OPEN
    assert judge_submission(OPEN, DEADLINE, DEADLINE + timedelta(milliseconds=1)) == EXPIRED
    assert judge_submission(EXPIRED, DEADLINE, T0) == EXPIRED


def test_a_second_submit_answers_the_stored_result_even_after_the_deadline() -> None:
    assert judge_submission(SUBMITTED, DEADLINE, DEADLINE + timedelta(hours=1)) == SUBMITTED


def test_an_entry_is_scored_on_its_own_questions_and_timed_from_its_start() -> None:
    scored = score_entry({"q1": 0, "q2": 3}, {"q1": 0, "q2": 1, "q9": 2}, 700, T0, T0 + timedelta(seconds=42.5))
    assert scored.answers == {"q1": 0, "q2": 1}
    assert scored.result == Result(1, 42_500, T0 + timedelta(seconds=42.5), 700)
    assert not scored.perfect
    assert scored.as_doc() == {"correct": 1, "total": 2, "duration_ms": 42_500, "perfect": False,
                               "submitted_at": T0 + timedelta(seconds=42.5), "prediction": 700}


def test_every_question_right_is_perfect() -> None:
    scored = score_entry({"q1": 0, "q2": 3}, {"q1": 0, "q2": 3}, None, T0, T0 + timedelta(seconds=30))
    assert scored.perfect and scored.as_doc()["perfect"] and scored.as_doc()["correct"] == 2


def _contest_entry(entry_id: str, participant: str, total: int = 2, status: str = OPEN) -> dict:
    return {"_id": entry_id, "contest_id": "tinh", "participant": participant, "status": status,
            "deadline": DEADLINE, "started_at": T0, "key": {f"q{i}": 0 for i in range(total)}}


def _answers(correct: int, total: int = 2) -> dict[str, int]:
    return {f"q{i}": 0 if i < correct else 1 for i in range(total)}


def test_a_batch_of_submissions_is_scored_in_order_each_entry_once() -> None:
    entries = {e["_id"]: e for e in (_contest_entry("e1", "p:1"), _contest_entry("e2", "p:1"),
                                     _contest_entry("e3", "p:2"), _contest_entry("late", "p:3") | {"deadline": T0})}
    now = T0 + timedelta(seconds=30)
    plan = plan_submissions([Submission("e1", _answers(1), None), Submission("e1", _answers(2), None),
                             Submission("e2", _answers(2), None), Submission("e3", _answers(2), None),
                             Submission("late", _answers(2), None), Submission("nobody", {}, None)],
                            entries, {("tinh", "p:2"): [{"perfect": True}]}, now)
    first, again, perfect, other, late, unknown = plan.results
    assert isinstance(first, dict) and first["correct"] == 1 and again == first, "a second submit scores nothing"
    assert isinstance(perfect, dict) and perfect["perfect"]
    assert isinstance(late, Refused) and late.args == ("too_late",) and isinstance(unknown, NotFound)
    assert plan.expired == ["late"] and list(plan.scored) == ["e1", "e2", "e3"]
    assert [(s["effect"]["first_entry"], s["effect"]["first_perfect"]) for s in plan.scored.values()] == [
        (True, False), (False, True), (False, False)], "p:2 had a perfect entry before"
    fields = entry_counts(s["effect"] for s in plan.scored.values())
    assert fields == {"entries": {"tinh": 3}, "perfect_entries": {"tinh": 2}, "participants": {"tinh": 1},
                      "perfect_participants": {"tinh": 1}, "fastest_perfect_seconds": {"tinh": 30.0}}


def test_a_submitted_entry_answers_its_stored_result() -> None:
    stored = {"correct": 2, "total": 2, "perfect": True, "duration_ms": 1000}
    entries = {"e1": _contest_entry("e1", "p:1", status=SUBMITTED) | {"result": stored}}
    plan = plan_submissions([Submission("e1", _answers(0), None)], entries, {}, DEADLINE + timedelta(hours=1))
    assert plan.results == [stored] and plan.scored == {} and plan.expired == []


def test_a_participants_record_is_set_from_their_submitted_entries() -> None:
    def submitted(entry_id: str, correct: int, seconds: int, prediction: int | None = None) -> dict:
        return {"_id": entry_id, "result": {"correct": correct, "duration_ms": seconds * 1000, "perfect": correct == 2,
                                            "submitted_at": T0 + timedelta(seconds=seconds), "prediction": prediction}}
    record = participant_record([submitted("a", 1, 10), submitted("b", 2, 90, 500), submitted("c", 2, 60, 10)])
    c = {"correct": 2, "duration_ms": 60_000, "submitted_at": T0 + timedelta(seconds=60), "entry_id": "c"}
    b = {"correct": 2, "duration_ms": 90_000, "submitted_at": T0 + timedelta(seconds=90), "entry_id": "b"}
    assert record == {"entries": 3, "perfect_entries": 2, "best": c,
                      "candidates": [c | {"prediction": 10}, b | {"prediction": 500}]}, "their most correct, in order"
    assert participant_record([]) == {"entries": 0, "perfect_entries": 0}


def test_a_batch_of_starts_resumes_replaces_or_refuses_in_order() -> None:
    contest = {"_id": "tinh", "time_limit_seconds": 900, "closes_at": T0 + timedelta(hours=1)}
    mine, theirs = entry_token_digest("a" * 32), entry_token_digest("b" * 32)
    person = {"key": "p:1", "name": "Mai", "commune": "Xã A"}
    ran_out = {"_id": "old", "deadline": T0 - timedelta(seconds=1), "token_hash": mine}
    plan = plan_starts([Start(contest, person, mine), Start(contest, person, mine), Start(contest, person, theirs)],
                       {("p:1", "tinh"): ran_out}, T0, lambda start: new_entry(start, {"q1": 0}, T0, random.Random(1)))
    made, resumed, refused = plan.entries
    assert plan.expired == ["old"] and plan.created == [made] and resumed is made
    assert isinstance(refused, Refused) and refused.args == ("entry_elsewhere",)
    assert made["deadline"] == T0 + timedelta(minutes=15) and made["token_hash"] == mine


def test_the_prediction_ranks_only_after_the_close_of_a_contest_that_asks_it() -> None:
    contest = {"ask_prediction": True, "closes_at": T0}
    assert not prediction_settled(contest, T0 - timedelta(seconds=1))
    assert prediction_settled(contest, T0)
    assert not prediction_settled({"ask_prediction": False, "closes_at": T0}, T0 + timedelta(days=1))
    assert not prediction_settled({"closes_at": T0}, T0 + timedelta(days=1))


def _entry(participant: str, correct: int, seconds: int, prediction: int | None = None) -> dict[str, object]:
    return {"participant": participant, "result": {"correct": correct, "duration_ms": seconds * 1000,
                                                   "submitted_at": T0, "prediction": prediction}}


def best_entries(entries: list[dict[str, object]], perfect_entries: int | None) -> list[object]:
    return [entry for _, entry in ranking(entries, perfect_entries)]


def test_the_board_shows_each_participants_best_entry_once() -> None:
    a_slow, a_fast, b, c = _entry("a", 45, 90), _entry("a", 45, 40), _entry("b", 45, 60), _entry("c", 44, 10)
    assert best_entries([a_slow, b, c, a_fast], None) == [a_fast, b, c]
    assert best_entries([], None) == []


def test_after_the_close_a_participants_closest_prediction_is_their_best() -> None:
    far_fast, near_slow = _entry("a", 45, 40, prediction=10), _entry("a", 45, 90, prediction=500)
    other = _entry("b", 45, 60, prediction=480)
    assert best_entries([far_fast, near_slow, other], 505) == [near_slow, other]


def test_the_full_ranking_keeps_every_participant_and_names_what_broke_each_tie() -> None:
    entries = [_entry("c", 44, 10), _entry("b", 45, 60, prediction=480), _entry("a", 45, 90, prediction=500),
               _entry("d", 45, 70, prediction=510), _entry("e", 45, 70, prediction=510)]
    ranked = ranking(entries, 505)
    assert [entry["participant"] for _, entry in ranked] == ["d", "e", "a", "b", "c"]
    keys = [key for key, _ in ranked]
    assert [broken_by(above, key) for above, key in zip([None, *keys], keys, strict=False)] == [
        None, None, "duration", "prediction", "correct"]


def test_a_contest_is_open_from_its_opening_until_just_before_its_close() -> None:
    assert not contest_open(T0, DEADLINE, T0 - timedelta(seconds=1))
    assert contest_open(T0, DEADLINE, T0)
    assert not contest_open(T0, DEADLINE, DEADLINE)


def test_an_entry_runs_for_the_time_limit_but_never_past_the_close() -> None:
    assert entry_deadline(T0, 900, T0 + timedelta(hours=1)) == T0 + timedelta(minutes=15)
    assert entry_deadline(T0, 900, T0 + timedelta(minutes=5)) == T0 + timedelta(minutes=5)
