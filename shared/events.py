"""Every domain event: its source service, its name and its payload model, defined once.

An event that moves counters carries `stream` and `seq`, the position of the change in
one of its source's counter streams (shared/mongo.py), so a consumer that loaded a
snapshot applies only later events.
"""
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class Source(StrEnum):
    """Service names; nameko publishes each one's events on the exchange `<name>.events`."""

    REGISTRATION = "registration"
    CHECKIN = "checkin"
    QUIZ = "quiz"
    LIVESTREAM = "livestream"


ATTENDEE_REGISTERED = "attendee.registered"

# The groups an attendee may say they belong to; pages show them in the visitor's language.
ATTENDEE_GROUPS = ("youth_union", "student", "trader", "official", "community", "other")


class EventPayload(BaseModel):
    """An event that moves counters: its position in one of its source's counter streams."""

    stream: str
    seq: int


class AttendeeRegistered(EventPayload):
    code: str
    group: str
    commune: str | None
    registered_at: datetime


CHECKIN_RECORDED = "checkin.recorded"
CHECKIN_REJECTED = "checkin.rejected"
PASSPORT_COMPLETED = "passport.completed"


class CheckinRecorded(EventPayload):
    """A first visit of an attendee to a booth (repeats are not events)."""

    booth_id: str
    attendee_code: str
    scan_id: str
    booths_visited: int
    first_visit_anywhere: bool
    passport_completed: bool
    recorded_at: datetime


class CheckinRejected(BaseModel):
    """A scan refused (forged, malformed or unknown code); kept for the organisers."""

    booth_id: str
    device_id: str
    scan_id: str
    reason: str
    at: datetime


class PassportCompleted(BaseModel):
    attendee_code: str
    booths_visited: int
    completed_at: datetime


LIVE_REACTION = "live.reaction"
LIVE_COMMENT_POSTED = "live.comment_posted"
LIVE_COMMENT_MODERATED = "live.comment_moderated"
LIVE_QUESTION_UPVOTED = "live.question_upvoted"
LIVE_VIEWERS = "live.viewers"

REACTION_KINDS = ("like", "love", "clap", "wow")


class LiveReaction(EventPayload):
    """One gateway's batch of reaction taps, summed (never one event per tap)."""

    batch_id: str
    counts: dict[str, int]


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


class LiveComment(LivePost, EventPayload):
    """A post as it arrived (counted once, so it carries its position)."""


class LiveCommentModerated(LivePost):
    """A post after a moderator approved, hid, pinned or answered it: viewers update or drop it."""


class LiveQuestionUpvoted(BaseModel):
    id: str
    upvotes: int


class LiveViewers(BaseModel):
    """Open viewer sockets summed over every gateway, and the day's peak."""

    now: int
    peak: int


QUIZ_ENTRY_SUBMITTED = "quiz.entry_submitted"


class QuizEntrySubmitted(EventPayload):
    """A contest entry scored once; says whether it was the participant's first, or first perfect."""

    contest_id: str
    entry_id: str
    correct: int
    total: int
    duration_ms: int
    first_entry_of_participant: bool
    first_perfect_of_participant: bool
    fastest_perfect_seconds: float | None
    submitted_at: datetime


QUIZ_QUESTION_OPENED = "quiz.question_opened"
QUIZ_ANSWER_RECEIVED = "quiz.answer_received"
QUIZ_QUESTION_CLOSED = "quiz.question_closed"
QUIZ_ANSWER_REVEALED = "quiz.answer_revealed"


class QuizRoundEvent(BaseModel):
    """Something happened in a live round on the stage; every screen of the round hears it."""

    round_id: str
    index: int


class QuizQuestionOpened(QuizRoundEvent):
    question: dict  # id, text, choices: never the answer
    opened_at: datetime
    closes_at: datetime
    total_questions: int


class QuizAnswerReceived(QuizRoundEvent):
    answers: int  # answers to this question so far


class QuizQuestionClosed(QuizRoundEvent):
    histogram: list[int]  # answers per choice


class QuizAnswerRevealed(QuizRoundEvent):
    correct: int
    explanation: dict
    leaderboard: list[dict]


QUIZ_ROUND_FINISHED = "quiz.round_finished"


class QuizRoundFinished(QuizRoundEvent):
    """The MC ended the round: phones show their final standing, the screen its podium."""

    leaderboard: list[dict]  # the final top 10, best first: name and score
    players: int


QUIZ_PLAYER_JOINED = "quiz.player_joined"


class QuizPlayerJoined(BaseModel):
    """A new player in a live round (a returning token is not one): the big screen's lobby names them."""

    round_id: str
    name: str
    players: int  # players in the round once this one joined; joins at the same moment may both see the total


EVENT_MODELS: dict[tuple[Source, str], type[BaseModel]] = {
    (Source.REGISTRATION, ATTENDEE_REGISTERED): AttendeeRegistered,
    (Source.CHECKIN, CHECKIN_RECORDED): CheckinRecorded,
    (Source.CHECKIN, CHECKIN_REJECTED): CheckinRejected,
    (Source.CHECKIN, PASSPORT_COMPLETED): PassportCompleted,
    (Source.LIVESTREAM, LIVE_REACTION): LiveReaction,
    (Source.LIVESTREAM, LIVE_COMMENT_POSTED): LiveComment,
    (Source.LIVESTREAM, LIVE_COMMENT_MODERATED): LiveCommentModerated,
    (Source.LIVESTREAM, LIVE_QUESTION_UPVOTED): LiveQuestionUpvoted,
    (Source.LIVESTREAM, LIVE_VIEWERS): LiveViewers,
    (Source.QUIZ, QUIZ_ENTRY_SUBMITTED): QuizEntrySubmitted,
    (Source.QUIZ, QUIZ_QUESTION_OPENED): QuizQuestionOpened,
    (Source.QUIZ, QUIZ_ANSWER_RECEIVED): QuizAnswerReceived,
    (Source.QUIZ, QUIZ_QUESTION_CLOSED): QuizQuestionClosed,
    (Source.QUIZ, QUIZ_ANSWER_REVEALED): QuizAnswerRevealed,
    (Source.QUIZ, QUIZ_ROUND_FINISHED): QuizRoundFinished,
    (Source.QUIZ, QUIZ_PLAYER_JOINED): QuizPlayerJoined,
}


def exchange_name(source: Source) -> str:
    """The topic exchange nameko's EventDispatcher publishes a service's events on."""
    return f"{source.value}.events"
