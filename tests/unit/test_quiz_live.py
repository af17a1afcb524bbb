"""Live-round rules: faster right answers earn more, the countdown closes the question."""
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.quiz.live import CLOSED, OPEN, effective_state, histogram, points

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
