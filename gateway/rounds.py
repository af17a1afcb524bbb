"""Live quiz rounds on this gateway: one fan-out per round, for players' phones and the MC.

Openings, closings, reveals and the finish go to every screen of the round as they happen; the live
answer count, and the names of players who just joined (for the big screen's lobby; each quiz
service sends them at most twice a second), are coalesced to at most five messages a second per round.
"""
import asyncio

from starlette.websockets import WebSocket

from gateway.events import EventBus
from gateway.hub import Client, SocketHub, encode
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


class RoundHubs:
    def __init__(self, rpc: RpcClient, bus: EventBus):
        self._rpc = rpc
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

    async def serve(self, websocket: WebSocket, round_id: str, player_token: str | None) -> None:
        hub = self._hubs.setdefault(round_id, SocketHub())

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
