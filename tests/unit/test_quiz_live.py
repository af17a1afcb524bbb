"""Live-round rules: faster right answers earn more, the countdown closes the question."""
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.quiz.lobby_news import LOBBY_NAMES_MAX, News
from services.quiz.round_rules import (
    CLOSED,
    FINISHED,
    LOBBY,
    OPEN,
    REVEALED,
    Move,
    answer_points,
    day_start,
    effective_state,
    histogram,
    host_errors,
    next_state,
    plan_move,
    points,
    seat_key,
    standing,
)
from shared.errors import Refused

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_a_right_answer_earns_1000_at_once_and_500_at_the_buzzer_a_wrong_one_nothing():
    assert points(True, T0, T0, 20) == 1000
    assert points(True, T0, T0 + timedelta(seconds=10), 20) == 750
    assert points(True, T0, T0 + timedelta(seconds=20), 20) == 500
    assert points(False, T0, T0, 20) == 0


@given(st.floats(0, 30), st.floats(0, 30))
def test_sooner_never_earns_less(a, b):
    early, late = sorted((a, b))
    assert points(True, T0, T0 + timedelta(seconds=early), 20) >= points(True, T0, T0 + timedelta(seconds=late), 20)


def test_an_open_question_closes_when_its_countdown_runs_out():
    assert effective_state(OPEN, T0, T0 - timedelta(milliseconds=1)) == OPEN
    assert effective_state(OPEN, T0, T0) == CLOSED


def test_the_histogram_counts_each_choice():
    assert histogram(4, [0, 1, 1, 3, 7, -1]) == [1, 2, 0, 1]


# What JSON can bring where a number belongs: none of it may be stored.
NOT_A_QUESTION_NUMBER = [1.5, 0.0, "0", True, False, None, {"$gt": -1}, [0], -1, 30, 2**63, 2**70, -(2**70)]


@pytest.mark.parametrize("value", NOT_A_QUESTION_NUMBER)
def test_an_mc_action_or_an_answer_with_anything_but_a_whole_number_in_range_is_refused(value):
    assert host_errors("open", value) == {"index": "required" if value is None else "invalid_number"}


@pytest.mark.parametrize("action", ["", "OPEN", "delete", 1, None, True, {"$ne": ""}, ["open"]])
def test_an_unknown_action_is_refused(action):
    assert host_errors(action, None) == {"action": "unknown_action"}


def test_the_last_question_and_choice_are_accepted_and_only_open_needs_a_question():
    assert host_errors("open", 29) == {}
    assert host_errors("close", None) == {} and host_errors("finish", None) == {}


def test_the_countdowns_own_close_is_stored_once_and_every_repeated_step_changes_nothing():
    assert next_state("close", OPEN, CLOSED, 0, None, 3) == CLOSED  # announced: the histogram reaches the phones
    assert next_state("close", CLOSED, CLOSED, 0, None, 3) is None
    assert next_state("open", OPEN, OPEN, 1, 1, 3) is None  # a double tap on "open question 2"
    assert next_state("reveal", REVEALED, REVEALED, 1, None, 3) is None
    assert next_state("finish", FINISHED, FINISHED, 1, None, 3) is None


@pytest.mark.parametrize(("action", "stored", "effective", "index", "reason"), [
    ("close", LOBBY, LOBBY, None, "cannot_close"),
    ("reveal", OPEN, OPEN, None, "cannot_reveal"),
    ("open", OPEN, OPEN, 2, "cannot_open"),
    ("open", FINISHED, FINISHED, 0, "cannot_open"),
    ("open", REVEALED, REVEALED, 3, "no_such_question"),
])
def test_steps_out_of_order_are_refused(action, stored, effective, index, reason):
    with pytest.raises(Refused) as refused:
        next_state(action, stored, effective, 1, index, 3)
    assert refused.value.args[0] == reason


def test_a_player_sees_their_place_and_how_far_behind_the_one_above_they_are():
    assert standing(1660, 11, 2000) == {"rank": 12, "behind": 340}
    assert standing(2000, 0, None) == {"rank": 1, "behind": None}


def test_the_day_starts_at_midnight_in_vietnam():
    assert day_start(datetime(2026, 11, 25, 16, 59, tzinfo=UTC)) == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    assert day_start(datetime(2026, 11, 25, 17, 0, tzinfo=UTC)) == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


def a_round(state: str, index: int = 0) -> dict[str, object]:
    """A round of three questions (choice 1 right) whose question `index` opened at T0 for 20 s."""
    return {"state": state, "index": index, "seconds": 20, "opened_at": T0, "closes_at": T0 + timedelta(seconds=20),
            "questions": [{"choices": ["a", "b", "c"], "correct": 1}] * 3}


def test_opening_a_question_stores_its_number_and_countdown() -> None:
    move = plan_move("open", a_round(LOBBY, index=-1), 0, T0)
    assert move == Move(OPEN, 0, T0, T0 + timedelta(seconds=20))
    assert move is not None and move.changes() == {"state": OPEN, "index": 0, "opened_at": T0,
                                                   "closes_at": T0 + timedelta(seconds=20)}


def test_closing_early_ends_the_countdown_now_and_after_it_ran_out_at_its_end() -> None:
    early = plan_move("close", a_round(OPEN), None, T0 + timedelta(seconds=5))
    assert early is not None and early.changes() == {"state": CLOSED, "closes_at": T0 + timedelta(seconds=5)}
    late = plan_move("close", a_round(OPEN), None, T0 + timedelta(seconds=60))
    assert late is not None and late.changes() == {"state": CLOSED, "closes_at": T0 + timedelta(seconds=20)}


def test_reveal_and_finish_change_only_the_state() -> None:
    reveal = plan_move("reveal", a_round(CLOSED), None, T0)
    assert reveal is not None and reveal.changes() == {"state": REVEALED}
    finish = plan_move("finish", a_round(OPEN), None, T0)
    assert finish is not None and finish.changes() == {"state": FINISHED}


def test_a_step_already_taken_stores_nothing_and_one_out_of_order_is_refused() -> None:
    assert plan_move("open", a_round(OPEN, index=1), 1, T0) is None
    with pytest.raises(Refused) as refused:
        plan_move("reveal", a_round(OPEN), None, T0)
    assert refused.value.args[0] == "cannot_reveal"


def test_an_answer_to_the_open_question_earns_points_by_speed_and_rightness() -> None:
    assert answer_points(a_round(OPEN), 0, 1, T0 + timedelta(seconds=10)) == 750
    assert answer_points(a_round(OPEN), 0, 2, T0) == 0


def test_an_answer_taken_in_time_counts_even_when_the_close_was_stored_first() -> None:
    """Another gateway's answer, or a resent one, can reach the queue behind the MC's close."""
    assert answer_points(a_round(CLOSED), 0, 1, T0 + timedelta(seconds=19)) == 525


@pytest.mark.parametrize(("round_doc", "index", "choice", "now", "reason"), [
    (a_round(OPEN), 0, 1, T0 + timedelta(seconds=20), "too_late"),  # the countdown ran out
    (a_round(CLOSED), 0, 1, T0 + timedelta(seconds=20), "too_late"),  # taken after the close
    (a_round(REVEALED), 0, 1, T0, "too_late"),
    (a_round(OPEN, index=1), 0, 1, T0, "too_late"),  # the MC moved on
    (a_round(OPEN), 0, 3, T0, "no_such_choice"),
])
def test_a_late_answer_or_one_that_is_no_choice_is_refused(round_doc: dict[str, object], index: int, choice: int,
                                                            now: datetime, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        answer_points(round_doc, index, choice, now)
    assert refused.value.args[0] == reason


def test_nicknames_that_differ_only_in_case_are_one_and_accents_keep_them_apart() -> None:
    assert seat_key("Lò Thị Mai") == seat_key("LÒ THỊ MAI") == seat_key("lò thị mai")
    assert seat_key("Mai") != seat_key("Mái")
    # Two attendees named alike each have their badge's seat.
    assert seat_key("Lò Thị Mai", "AB12CD") != seat_key("Lò Thị Mai", "EF34GH") != seat_key("Lò Thị Mai")


def test_the_lobby_news_gives_each_rounds_newest_names_once() -> None:
    news = News()
    for i in range(LOBBY_NAMES_MAX + 5):
        news.joined("R1", f"P{i}")
    news.joined("R2", "Mai")
    assert news.take() == {"R1": [f"P{i}" for i in range(5, LOBBY_NAMES_MAX + 5)], "R2": ["Mai"]}
    assert news.take() == {}
