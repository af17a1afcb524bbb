"""Live rounds on the market stage: rules of the round, no I/O.

The MC opens a question with a countdown, closes it, reveals the answer, and moves on.
Answers are timed by the server's receive time: a right answer earns more the sooner it
comes, a late one is refused.
"""
from datetime import datetime

LOBBY, OPEN, CLOSED, REVEALED, FINISHED = "lobby", "open", "closed", "revealed", "finished"
MAX_POINTS, MIN_POINTS = 1000, 500
NICKNAME_MAX = 24
ROUND_QUESTIONS_MAX = 30
SECONDS_MIN, SECONDS_MAX = 5, 120

# Which MC action may follow which state.
NEXT_STATES = {
    "open": {LOBBY, REVEALED, CLOSED},
    "close": {OPEN},
    "reveal": {CLOSED},
    "finish": {LOBBY, OPEN, CLOSED, REVEALED},
}


def points(correct: bool, opened_at: datetime, answered_at: datetime, seconds: int) -> int:
    """A right answer earns from 1000 (at once) down to 500 (at the buzzer); a wrong one nothing."""
    if not correct:
        return 0
    elapsed = max(0.0, (answered_at - opened_at).total_seconds())
    share = min(1.0, elapsed / seconds)
    return round(MAX_POINTS - (MAX_POINTS - MIN_POINTS) * share)


def effective_state(state: str, closes_at: datetime | None, now: datetime) -> str:
    """An open question whose countdown ran out is closed, whether or not the MC pressed close."""
    if state == OPEN and closes_at is not None and now >= closes_at:
        return CLOSED
    return state


def histogram(choices: int, answers: list[int]) -> list[int]:
    counts = [0] * choices
    for choice in answers:
        if 0 <= choice < choices:
            counts[choice] += 1
    return counts
