"""Live quiz rounds on this gateway: one fan-out per round, for players' phones and the MC.

A phone sends its answers on the same socket (`{"type": "answer", "player_token", "index", "choice"}`):
the answer desk takes each as it takes an HTTP answer, and the phone alone gets the HTTP reply's body
with its status (`{"type": "answer_reply", "status": 200, "index", "choice", "received": true}`), sent
once the broker holds the answer.

Openings, closings, reveals and the finish go to every screen of the round as they happen; the live
answer count, and the names of players who just joined (for the big screen's lobby; each quiz
service sends them at most twice a second), are coalesced to at most five messages a second per round.
"""
import asyncio
from functools import partial

from starlette.websockets import WebSocket

from gateway.answer_desk import AnswerDesk
from gateway.errors import ApiError, error_body, from_remote
from gateway.events import EventBus
from gateway.hub import Client, SocketHub, encode
from gateway.i18n import pick_language, text
from gateway.rpc import RemoteError, RpcClient, RpcUnavailable
from shared.events import (
    QuizAnswerReceived,
    QuizAnswerRevealed,
    QuizPlayersJoined,
    QuizQuestionClosed,
    QuizQuestionOpened,
    QuizRoundEvent,
    QuizRoundFinished,
    Source,
)

# The MC's steps, sent to every screen of the round at once as these messages.
STEPS: dict[type[QuizRoundEvent], str] = {QuizQuestionOpened: "opened", QuizQuestionClosed: "closed",
                                          QuizAnswerRevealed: "revealed", QuizRoundFinished: "finished"}
COUNT_INTERVAL_SECONDS = 0.2
JOINED_NAMES_MAX = 60  # the newest names a screen is sent at once: more than it shows
# A phone sends one answer per question; more waiting at once on one socket is a script, not a player.
ANSWERS_IN_FLIGHT_MAX = 4


class RoundHubs:
    def __init__(self, rpc: RpcClient, bus: EventBus, desk: AnswerDesk):
        self._rpc = rpc
        self._desk = desk
        self._answering: set[asyncio.Task] = set()
        self._hubs: dict[str, SocketHub] = {}
        self._counts: dict[str, tuple[int, int]] = {}  # round -> (question index, answers) not yet sent
        self._joined: dict[str, tuple[list[str], int]] = {}  # round -> (new names, players) not yet sent
        self._task: asyncio.Task | None = None
        for step in STEPS:
            bus.subscribe(step, self._on_step)
        bus.subscribe(QuizAnswerReceived, self._on_answers)
        bus.subscribe(QuizPlayersJoined, self._on_joined)

    @property
    def hubs(self) -> dict[str, SocketHub]:
        return self._hubs

    def start(self) -> None:
        self._task = asyncio.create_task(self._count_loop())

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
        for task in self._answering:
            task.cancel()

    async def serve(self, websocket: WebSocket, round_id: str, player_token: str | None) -> None:
        hub = self._hubs.get(round_id)
        if hub is None:
            hub = self._hubs[round_id] = SocketHub(partial(self._on_frame, round_id))

        async def first(_: Client) -> list[str]:
            try:
                state = await self._rpc.call(Source.QUIZ, "round_state", round_id=round_id, player_token=player_token)
            except (RpcUnavailable, RemoteError):
                return [encode("unavailable")]
            return [encode("state", state=state)]
        try:
            await hub.serve(websocket, first)
        finally:
            if hub.client_count == 0:
                self._hubs.pop(round_id, None)

    def _tell(self, round_id: str, client: Client, message: str) -> None:
        hub = self._hubs.get(round_id)
        if hub is not None:  # else its last client has gone
            hub.tell(client, message)

    def _on_frame(self, round_id: str, client: Client, message: dict) -> None:
        if message.get("type") != "answer":
            lang = pick_language(client.websocket)
            self._tell(round_id, client, encode("error", error="unknown_message", field="type",
                                                message=text(lang, "err_unknown_message")))
            return
        in_flight = client.state.get("answering", 0)
        if in_flight >= ANSWERS_IN_FLIGHT_MAX:
            self._tell(round_id, client, answer_reply(client, ApiError(429, "rate_limited", retry_after=1)))
            return
        client.state["answering"] = in_flight + 1
        task = asyncio.create_task(self._answer(round_id, client, message))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _answer(self, round_id: str, client: Client, message: dict) -> None:
        """The HTTP answer's rules and reply, on the player's socket."""
        try:
            reply = answer_reply(client, await self._desk.answer_message(round_id, message))
        except ApiError as refused:
            reply = answer_reply(client, refused)
        except RemoteError as error:
            reply = answer_reply(client, from_remote(error))
        except RpcUnavailable:
            reply = answer_reply(client, ApiError(503, "unavailable"))
        finally:
            client.state["answering"] -= 1
        self._tell(round_id, client, reply)

    def _on_step(self, event: QuizRoundEvent) -> None:
        hub = self._hubs.get(event.round_id)
        if hub is not None:
            hub.broadcast(encode(STEPS[type(event)], **event.model_dump(mode="json")))

    def _on_answers(self, event: QuizAnswerReceived) -> None:
        """Keeps the latest count per round for the next tick: counts may arrive out of order."""
        if event.round_id not in self._hubs:
            return
        known = self._counts.get(event.round_id, (event.index, 0))
        if known[0] != event.index or event.answers > known[1]:
            self._counts[event.round_id] = (event.index, event.answers)

    def _on_joined(self, event: QuizPlayersJoined) -> None:
        if event.round_id not in self._hubs:
            return
        names, players = self._joined.get(event.round_id, ([], 0))
        self._joined[event.round_id] = ([*names, *event.names][-JOINED_NAMES_MAX:], max(players, event.players))

    async def _count_loop(self) -> None:
        while True:
            await asyncio.sleep(COUNT_INTERVAL_SECONDS)
            counts, self._counts = self._counts, {}
            for round_id, (index, answers) in counts.items():
                hub = self._hubs.get(round_id)
                if hub:
                    hub.broadcast(encode("answers", index=index, answers=answers))
            joined, self._joined = self._joined, {}
            for round_id, (names, players) in joined.items():
                hub = self._hubs.get(round_id)
                if hub:
                    hub.broadcast(encode("joined", names=names, players=players))


def answer_reply(client: Client, result: dict[str, object] | ApiError) -> str:
    """What the HTTP answer's reply would be, with its status, in the page's language."""
    if isinstance(result, ApiError):
        return encode("answer_reply", status=result.status, **error_body(pick_language(client.websocket), result))
    return encode("answer_reply", status=200, **result)
