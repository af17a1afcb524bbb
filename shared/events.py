"""Every domain event, once: its class names its source, its name and its effect on the live counters.

On the wire an event is what nameko publishes: the exchange `<source>.events`, the routing key
`NAME` and the model's fields as JSON. A service publishes the model (`shared/publishing.py`); a
gateway subscribes to the model (`gateway/events.py`), which binds its queue to that name.

An event that moves counters carries `stream` and `seq`, the position of the change in one of
its source's counter streams (shared/mongo.py), so a consumer that loaded a snapshot applies only
later events. Its `deltas` rule reads the payload's fields, so a service can apply it to its stored
counters in the same transaction as the change, before the change (and so the event) is numbered;
the gateway applies the same rule to its live copy, so both agree.
"""
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel


class Source(StrEnum):
    """Service names; nameko publishes each one's events on the exchange `<name>.events`."""

    REGISTRATION = "registration"
    CHECKIN = "checkin"
    QUIZ = "quiz"
    LIVESTREAM = "livestream"


class Kind(StrEnum):
    """How a live counter moves."""

    TOTAL = "total"  # a number; deltas add up
    KEYED = "keyed"  # a map of keys (a booth, a contest) to numbers; deltas add up per key
    LEAST = "least"  # a map of keys to a record (the fastest time): the least value is kept, so order never matters
    GAUGE = "gauge"  # set to the value the event carries, never added up; has no position


Deltas = dict[str, int | dict[str, int | float]]

# The groups an attendee may say they belong to; pages show them in the visitor's language.
ATTENDEE_GROUPS = ("youth_union", "student", "trader", "official", "community", "other")
REACTION_KINDS = ("like", "love", "clap", "wow")


class Event(BaseModel):
    """A domain event. A concrete event sets SOURCE and NAME; one that moves counters declares them."""

    SOURCE: ClassVar[Source]
    NAME: ClassVar[str]
    COUNTERS: ClassVar[Mapping[str, Kind]] = {}  # the live counters it moves, and how

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "NAME" in cls.__dict__:
            key = (cls.SOURCE, cls.NAME)
            if key in EVENTS:
                raise TypeError(f"{cls.__name__}: {key} is already {EVENTS[key].__name__}")
            EVENTS[key] = cls

    @classmethod
    def deltas(cls, fields: Mapping[str, Any]) -> Deltas:
        """The increments this event makes to its counters (TOTAL, KEYED and LEAST ones)."""
        return {}

    def gauges(self) -> dict[str, int]:
        """The current values of its GAUGE counters."""
        return {}


# Every event by (source, name), filled in as the classes below are defined.
EVENTS: dict[tuple[Source, str], type[Event]] = {}


class CountedEvent(Event):
    """An event that moves counters: its position in one of its source's counter streams."""

    stream: str
    seq: int


class AttendeeRegistered(CountedEvent):
    SOURCE = Source.REGISTRATION
    NAME = "attendee.registered"
    COUNTERS = {"registrations_total": Kind.TOTAL}

    code: str
    group: str
    commune: str | None
    commune_code: str | None = None  # set once the province's list of communes is loaded
    registered_at: datetime

    @classmethod
    def deltas(cls, fields: Mapping[str, Any]) -> Deltas:
        return {"registrations_total": 1}


class CheckinsRecorded(CountedEvent):
    """A batch of scans' first visits of attendees to booths, summed (repeats count nothing)."""

    SOURCE = Source.CHECKIN
    NAME = "checkins.recorded"
    COUNTERS = {"checkins_total": Kind.TOTAL, "unique_visitors": Kind.TOTAL, "checkins_by_booth": Kind.KEYED,
                "passports_completed": Kind.TOTAL}

    by_booth: dict[str, int]  # first visits per booth
    unique_visitors: int  # attendees whose first visit anywhere this was
    passports_completed: int
    recorded_at: datetime

    @classmethod
    def deltas(cls, fields: Mapping[str, Any]) -> Deltas:
        by_booth = {booth: n for booth, n in fields["by_booth"].items() if n}
        deltas: Deltas = {"checkins_total": sum(by_booth.values()), "checkins_by_booth": by_booth}
        for name in ("unique_visitors", "passports_completed"):
            if fields.get(name):
                deltas[name] = fields[name]
        return deltas


class CheckinRejected(Event):
    """A scan refused (forged, malformed or unknown code); kept for the organisers."""

    SOURCE = Source.CHECKIN
    NAME = "checkin.rejected"

    booth_id: str
    device_id: str
    scan_id: str
    reason: str
    at: datetime


class PassportCompleted(Event):
    SOURCE = Source.CHECKIN
    NAME = "passport.completed"

    attendee_code: str
    booths_visited: int
    completed_at: datetime


class LiveReaction(CountedEvent):
    """One gateway's batch of reaction taps, summed (never one event per tap)."""

    SOURCE = Source.LIVESTREAM
    NAME = "live.reaction"
    COUNTERS = {"live_reactions_total": Kind.TOTAL, "live_reactions_by_kind": Kind.KEYED}

    batch_id: str
    counts: dict[str, int]

    @classmethod
    def deltas(cls, fields: Mapping[str, Any]) -> Deltas:
        counts = {kind: n for kind, n in fields["counts"].items() if n > 0}
        return {"live_reactions_total": sum(counts.values()), "live_reactions_by_kind": counts}


class LivePost(BaseModel):
    """A comment or a question for the MC; `status` says whether viewers see it."""

    id: str
    kind: str  # "comment" or "question"
    name: str
    text: str
    status: str  # "visible", "pending" (awaits a moderator) or "hidden"
    pinned: bool
    answered: bool
    upvotes: int
    created_at: datetime


class LiveComment(LivePost, CountedEvent):
    """A post as it arrived (counted once, so it carries its position)."""

    SOURCE = Source.LIVESTREAM
    NAME = "live.comment_posted"
    COUNTERS = {"live_comments_total": Kind.TOTAL, "live_questions_total": Kind.TOTAL}

    @classmethod
    def deltas(cls, fields: Mapping[str, Any]) -> Deltas:
        return {"live_questions_total" if fields["kind"] == "question" else "live_comments_total": 1}


class LiveCommentModerated(LivePost, Event):
    """A post after a moderator approved, hid, pinned or answered it: viewers update or drop it."""

    SOURCE = Source.LIVESTREAM
    NAME = "live.comment_moderated"


class LiveQuestionUpvoted(Event):
    SOURCE = Source.LIVESTREAM
    NAME = "live.question_upvoted"

    id: str
    upvotes: int


class LiveViewers(Event):
    """Open viewer sockets summed over every gateway, and the day's peak."""

    SOURCE = Source.LIVESTREAM
    NAME = "live.viewers"
    COUNTERS = {"live_viewers_now": Kind.GAUGE, "live_viewers_peak": Kind.GAUGE}

    now: int
    peak: int

    def gauges(self) -> dict[str, int]:
        return {"live_viewers_now": self.now, "live_viewers_peak": self.peak}


class QuizEntriesSubmitted(CountedEvent):
    """A batch of contest entries scored, summed per contest: entries, perfect ones, the participants whose first
    (or first perfect) entry it was, and the fastest perfect time. Every figure is keyed by its contest."""

    SOURCE = Source.QUIZ
    NAME = "quiz.entries_submitted"
    COUNTERS = {"quiz_participants": Kind.KEYED, "quiz_entries": Kind.KEYED, "quiz_perfect_participants": Kind.KEYED,
                "quiz_perfect_entries": Kind.KEYED, "quiz_fastest_perfect_seconds": Kind.LEAST}

    entries: dict[str, int]
    perfect_entries: dict[str, int]
    participants: dict[str, int]
    perfect_participants: dict[str, int]
    fastest_perfect_seconds: dict[str, float]
    submitted_at: datetime

    @classmethod
    def deltas(cls, fields: Mapping[str, Any]) -> Deltas:
        deltas: Deltas = {}
        for name in ("entries", "perfect_entries", "participants", "perfect_participants", "fastest_perfect_seconds"):
            by_contest = {contest: n for contest, n in fields[name].items() if n}
            if by_contest:
                deltas[f"quiz_{name}"] = by_contest
        return deltas


class QuizRoundEvent(Event):
    """Something happened in a live round on the stage; every screen of the round hears it."""

    round_id: str
    index: int


class QuizQuestionOpened(QuizRoundEvent):
    SOURCE = Source.QUIZ
    NAME = "quiz.question_opened"

    question: dict[str, Any]  # id, text, choices: never the answer
    opened_at: datetime
    closes_at: datetime
    total_questions: int


class QuizAnswerReceived(QuizRoundEvent):
    SOURCE = Source.QUIZ
    NAME = "quiz.answer_received"

    answers: int  # answers to this question so far


class QuizQuestionClosed(QuizRoundEvent):
    SOURCE = Source.QUIZ
    NAME = "quiz.question_closed"

    histogram: list[int]  # answers per choice


class QuizAnswerRevealed(QuizRoundEvent):
    SOURCE = Source.QUIZ
    NAME = "quiz.answer_revealed"

    correct: int
    explanation: dict[str, Any]
    leaderboard: list[dict[str, Any]]


class QuizRoundFinished(QuizRoundEvent):
    """The MC ended the round: phones show their final standing, the screen its podium."""

    SOURCE = Source.QUIZ
    NAME = "quiz.round_finished"

    leaderboard: list[dict[str, Any]]  # the final top 10, best first: name and score
    players: int


class QuizPlayersJoined(Event):
    """New players in a live round's lobby (a returning token is not one), gathered for at most half a second:
    the big screen names the newest, however many join at once."""

    SOURCE = Source.QUIZ
    NAME = "quiz.players_joined"

    round_id: str
    names: list[str]  # the newest of them, last joined last
    players: int  # everyone in the round when this was sent; the highest a screen has seen is the latest


class RetentionExpired(Event):
    """The organisers' retention period ran out: every service removes or pseudonymises every
    person's names, phones and free text. Counters are stored apart and stay as they are."""

    SOURCE = Source.REGISTRATION
    NAME = "privacy.retention_expired"

    at: datetime


class PersonErased(Event):
    """A person proved a badge theirs and asked to be forgotten: every service forgets what it
    holds of them (by badge code, the phone they gave, the viewer id of their phone)."""

    SOURCE = Source.REGISTRATION
    NAME = "privacy.person_erased"

    attendee_code: str
    phone: str | None
    viewer_id: str | None
    at: datetime


def exchange_name(source: Source) -> str:
    """The topic exchange nameko's EventDispatcher publishes a service's events on."""
    return f"{source.value}.events"
