"""Live rounds on the market stage: rules of the round, no I/O.

The MC opens a question with a countdown, closes it, reveals the answer, and moves on.
Answers are timed by the server's receive time: a right answer earns more the sooner it
comes, a late one is refused.
"""
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.errors import Refused
from shared.numbers import is_whole_number

LOBBY, OPEN, CLOSED, REVEALED, FINISHED = "lobby", "open", "closed", "revealed", "finished"
MAX_POINTS, MIN_POINTS = 1000, 500
NICKNAME_MAX = 24
ROUND_QUESTIONS_MAX = 30
SECONDS_MIN, SECONDS_MAX = 5, 120
# The market day is counted in Vietnam's time (UTC+7, no daylight saving): "today's rounds".
EVENT_UTC_OFFSET = timedelta(hours=7)

# Which MC action may follow which state, and the state it leads to.
NEXT_STATES = {
    "open": {LOBBY, REVEALED, CLOSED},
    "close": {OPEN},
    "reveal": {CLOSED},
    "finish": {LOBBY, OPEN, CLOSED, REVEALED},
}
TARGET_STATE = {"open": OPEN, "close": CLOSED, "reveal": REVEALED, "finish": FINISHED}


def points(correct: bool, opened_at: datetime, answered_at: datetime, seconds: int) -> int:
    """A right answer earns from 1000 (at once) down to 500 (at the buzzer); a wrong one nothing."""
    if not correct:
        return 0
    elapsed = max(0.0, (answered_at - opened_at).total_seconds())
    share = min(1.0, elapsed / seconds)
    return round(MAX_POINTS - (MAX_POINTS - MIN_POINTS) * share)


def seat_key(nickname: str, attendee_code: str | None = None) -> str:
    """What makes two players one in a round: the same badge, or nicknames that are the same on the big
    screen ("Mai", "mai" and "MAI"). Two attendees who share a real name each join with their badge."""
    return f"badge:{attendee_code}" if attendee_code else nickname.casefold()


def effective_state(state: str, closes_at: datetime | None, now: datetime) -> str:
    """An open question whose countdown ran out is closed, whether or not the MC pressed close."""
    if state == OPEN and closes_at is not None and now >= closes_at:
        return CLOSED
    return state


def host_errors(action: object, index: object) -> dict[str, str]:
    """Field errors in an MC's action: a known action, and a question number when one is given (open needs it).

    JSON brings floats, booleans, strings and objects where a number belongs; none may be stored.
    """
    errors: dict[str, str] = {}
    if not isinstance(action, str) or action not in NEXT_STATES:
        errors["action"] = "unknown_action"
    if index is None:
        if action == "open":
            errors["index"] = "required"
    elif not is_whole_number(index, 0, ROUND_QUESTIONS_MAX - 1):
        errors["index"] = "invalid_number"
    return errors


def next_state(action: str, stored: str, effective: str, current_index: int, index: int | None,
               question_count: int) -> str | None:
    """The state the MC's action leads to, or None when it is already done (nothing to store or announce).

    The same action again (a double tap, a second MC screen) changes nothing and is not an error.
    A question whose countdown ran out is closed in effect but not yet announced: closing it then
    stores and announces the close (phones and the screen get the histogram).
    """
    target = TARGET_STATE[action]
    already = target == effective and (action != "open" or index == current_index)
    if already and not (action == "close" and stored == OPEN):
        return None
    if (stored if action == "close" else effective) not in NEXT_STATES[action]:
        raise Refused(f"cannot_{action}")
    if action == "open" and (index is None or not 0 <= index < question_count):
        raise Refused("no_such_question")
    return target


@dataclass(frozen=True)
class Move:
    """What an MC's action stores: the new state, and the question's number and times when it opens one."""

    state: str
    index: int | None = None
    opened_at: datetime | None = None
    closes_at: datetime | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the action sets; the rest of the round stays as stored."""
        return {name: value for name, value in asdict(self).items() if value is not None}


def plan_move(action: str, round_doc: Mapping[str, Any], index: int | None, now: datetime) -> Move | None:
    """The MC's action on the round as stored, or None when it is already done; Refused when not allowed."""
    stored, closes_at = round_doc["state"], round_doc["closes_at"]
    target = next_state(action, stored, effective_state(stored, closes_at, now), round_doc["index"], index,
                        len(round_doc["questions"]))
    if target is None:
        return None
    if action == "open":
        return Move(target, index, now, now + timedelta(seconds=round_doc["seconds"]))
    if action == "close":  # a countdown that ran out closed the question at its end, not now
        return Move(target, closes_at=min(now, closes_at))
    return Move(target)


def answer_points(round_doc: Mapping[str, Any], index: int, choice: int, taken_at: datetime) -> int:
    """Points for a player's answer to the current question, taken (by a gateway) at `taken_at`; Refused when it
    was taken after the countdown or the MC's close, or is no choice. It may be stored after the close: an answer
    another gateway took in time can reach the queue behind the close."""
    if round_doc["state"] not in (OPEN, CLOSED) or round_doc["index"] != index or taken_at >= round_doc["closes_at"]:
        raise Refused("too_late")
    question = round_doc["questions"][index]
    if not 0 <= choice < len(question["choices"]):
        raise Refused("no_such_choice")
    return points(choice == question["correct"], round_doc["opened_at"], taken_at, round_doc["seconds"])


def standing(score: int, higher: int, next_higher: int | None) -> dict[str, int | None]:
    """A player's place (players level share it) and how far behind the nearest player above they are."""
    return {"rank": higher + 1, "behind": None if next_higher is None else next_higher - score}


def day_start(now: datetime) -> datetime:
    """The start of the market day (local midnight) that `now` falls in, as an aware UTC time."""
    local = now + EVENT_UTC_OFFSET
    return local.replace(hour=0, minute=0, second=0, microsecond=0) - EVENT_UTC_OFFSET


def histogram(choices: int, answers: list[int]) -> list[int]:
    counts = [0] * choices
    for choice in answers:
        if 0 <= choice < choices:
            counts[choice] += 1
    return counts
