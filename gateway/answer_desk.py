"""Live answers taken at the gateway's edge.

The desk knows each round's open question and its deadline from the round's events, checks the
player's signed token itself, times the answer when it arrives and refuses a late one itself. An
answer in time becomes a durable command (`gateway.commands`): the player hears "received" once
the broker has it on disk, and the quiz service stores answers in batches, with the points of the
time taken here. The MC's close travels the same stream behind the answers taken before it.
"""
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.commands import CommandPublisher
from gateway.errors import ApiError, from_remote
from gateway.events import EventBus
from gateway.rpc import RemoteError, RpcClient
from shared.commands import Stream
from shared.events import (
    QuizAnswerRevealed,
    QuizQuestionClosed,
    QuizQuestionOpened,
    QuizRoundEvent,
    QuizRoundFinished,
    Source,
)
from shared.numbers import is_whole_number
from shared.signing import InvalidToken, verify_player

PLAYER_TOKEN_MAX = 400  # a signed token: round, player id and an Ed25519 signature
WHOLE_MAX = 2**31 - 1  # any number past this is junk, not a question or a choice
CLOSE_WAIT_SECONDS = 10.0
# "No question open" is asked again after this long: an opening may have been missed in a reconnect.
RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class OpenQuestion:
    index: int
    closes_at: datetime
    choices: int  # how many this question has
    questions: int  # how many the round has


def utc_now() -> datetime:
    return datetime.now(UTC)


class AnswerDesk:
    def __init__(self, rpc: RpcClient, commands: CommandPublisher, bus: EventBus,
                 public_key: Callable[[], Awaitable[Ed25519PublicKey]], clock: Callable[[], datetime] = utc_now):
        self._rpc = rpc
        self._public_key = public_key
        self._commands = commands
        self._clock = clock
        # round -> (its open question, or None; when that was learned)
        self._open: dict[str, tuple[OpenQuestion | None, float]] = {}
        bus.subscribe(QuizQuestionOpened, self._on_opened)
        for ended in (QuizQuestionClosed, QuizAnswerRevealed, QuizRoundFinished):
            bus.subscribe(ended, self._on_ended)

    def _on_opened(self, event: QuizQuestionOpened) -> None:
        question = OpenQuestion(event.index, event.closes_at, len(event.question["choices"]), event.total_questions)
        self._open[event.round_id] = (question, time.monotonic())

    def _on_ended(self, event: QuizRoundEvent) -> None:
        self._open[event.round_id] = (None, time.monotonic())

    async def answer(self, round_id: str, token: str, index: object, choice: object) -> dict[str, object]:
        """Take one answer: 422 for a bad field, 404 for a token of nobody here, 409 when it is too late."""
        taken_at = self._clock()
        fields = {name: "invalid_number" for name, value in (("index", index), ("choice", choice))
                  if not is_whole_number(value, 0, WHOLE_MAX)}
        if fields:
            raise ApiError(422, "invalid", fields)
        assert isinstance(index, int) and isinstance(choice, int)
        player = await self._player(round_id, token)
        question = await self._open_question(round_id, index, taken_at)
        if question is not None:
            fields = {name: "invalid_number" for name, value, count in (
                ("index", index, question.questions), ("choice", choice, question.choices)) if value >= count}
            if fields:
                raise ApiError(422, "invalid", fields)
        if question is None or question.index != index or taken_at >= question.closes_at:
            raise ApiError(409, "too_late")
        await self._commands.send(Stream.ROUND, f"{round_id}:{index}:{player}", {
            "type": "answer", "round_id": round_id, "player": player, "index": index, "choice": choice,
            "at": taken_at.isoformat()})
        return {"index": index, "choice": choice, "received": True}

    async def answer_message(self, round_id: str, message: dict) -> dict[str, object]:
        """An answer sent on the player's socket: the HTTP body's fields, checked as its route checks them."""
        token = message.get("player_token")
        if not isinstance(token, str) or len(token) > PLAYER_TOKEN_MAX:
            raise ApiError(422, "invalid", {"player_token": "not_text" if not isinstance(token, str) else "too_long"})
        return await self.answer(round_id, token, message.get("index"), message.get("choice"))

    async def settle(self, round_id: str) -> None:
        """Before the MC's next step: a question whose countdown ran out but whose close is not stored yet
        is closed through the stream first, so the answers still queued for it are counted."""
        if await self._rpc.call(Source.QUIZ, "stored_state", round_id=round_id) == "open":
            state = await self._rpc.call(Source.QUIZ, "round_state", round_id=round_id)
            if state["state"] != "open":
                await self.close(round_id)

    async def close(self, round_id: str) -> dict[str, object]:
        """The MC's close of an open question travels behind every answer taken before it; the round's
        state once the close is stored. Any other close is the service's to answer (done, or refused)."""
        if await self._rpc.call(Source.QUIZ, "stored_state", round_id=round_id) != "open":
            state: dict[str, object] = await self._rpc.call(Source.QUIZ, "host_round", round_id=round_id,
                                                            action="close")
            return state
        await self._commands.send(Stream.ROUND, f"{round_id}:close:{time.time_ns()}",
                                  {"type": "close", "round_id": round_id})
        deadline = time.monotonic() + CLOSE_WAIT_SECONDS
        while await self._rpc.call(Source.QUIZ, "stored_state", round_id=round_id) == "open":
            if time.monotonic() >= deadline:
                raise ApiError(503, "unavailable", retry_after=5)
            await asyncio.sleep(0.05)
        closed: dict[str, object] = await self._rpc.call(Source.QUIZ, "round_state", round_id=round_id)
        return closed

    async def _player(self, round_id: str, token: str) -> str:
        try:
            token_round, player = verify_player(await self._public_key(), token)
        except InvalidToken:
            raise ApiError(404, "not_found") from None
        if token_round != round_id:
            raise ApiError(404, "not_found")
        return player

    async def _open_question(self, round_id: str, index: int, taken_at: datetime) -> OpenQuestion | None:
        """From the round's events. The quiz service is asked (at most once a second per round) about a round
        this gateway has not heard of, or when what it knows does not fit the answer (another question, a
        countdown over): an opening it missed in a reconnect must not refuse everyone."""
        known = self._open.get(round_id)
        if known is not None:
            question, learned = known
            fits = question is not None and question.index == index and taken_at < question.closes_at
            if fits or time.monotonic() - learned < RECHECK_SECONDS:
                return question
        try:
            state = await self._rpc.call(Source.QUIZ, "round_state", round_id=round_id)
        except RemoteError as error:
            raise from_remote(error) from error
        question = OpenQuestion(state["index"], datetime.fromisoformat(state["closes_at"]),
                                len(state["question"]["choices"]), state["total_questions"]) \
            if state["state"] == "open" and state["closes_at"] and state["question"] else None
        self._open[round_id] = (question, time.monotonic())
        return question

