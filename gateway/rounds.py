"""Live quiz rounds on this gateway: one fan-out per round, for players' phones and the MC.

Openings, closings, reveals and the finish go to every screen of the round as they happen; the live
answer count, and the names of players who just joined (for the big screen's lobby), are
coalesced to at most five messages a second per round.
"""
import asyncio

from starlette.websockets import WebSocket

from gateway.hub import Client, SocketHub, encode
from gateway.live import LiveStats
from gateway.rpc import RemoteError, RpcClient, RpcUnavailable
from shared.events import (
    QUIZ_ANSWER_RECEIVED,
    QUIZ_ANSWER_REVEALED,
    QUIZ_PLAYER_JOINED,
    QUIZ_QUESTION_CLOSED,
    QUIZ_QUESTION_OPENED,
    QUIZ_ROUND_FINISHED,
    Source,
)

ROUND_EVENTS = {QUIZ_QUESTION_OPENED: "opened", QUIZ_QUESTION_CLOSED: "closed", QUIZ_ANSWER_REVEALED: "revealed",
                QUIZ_ROUND_FINISHED: "finished"}
FEED_EVENTS = tuple((Source.QUIZ, event) for event in (*ROUND_EVENTS, QUIZ_ANSWER_RECEIVED, QUIZ_PLAYER_JOINED))
COUNT_INTERVAL_SECONDS = 0.2


class RoundHubs:
    def __init__(self, rpc: RpcClient, live: LiveStats):
        self._rpc = rpc
        self._hubs: dict[str, SocketHub] = {}
        self._counts: dict[str, tuple[int, int]] = {}  # round -> (question index, answers) not yet sent
        self._joined: dict[str, tuple[list[str], int]] = {}  # round -> (new names, players) not yet sent
        self._task: asyncio.Task | None = None
        live.listeners.append(self._on_event)

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

    def _on_event(self, source: Source, event_type: str, payload: dict) -> None:
        hub = self._hubs.get(payload.get("round_id", ""))
        if hub is None:
            return
        if event_type == QUIZ_ANSWER_RECEIVED:
            known = self._counts.get(payload["round_id"], (payload["index"], 0))
            if known[0] != payload["index"] or payload["answers"] > known[1]:
                self._counts[payload["round_id"]] = (payload["index"], payload["answers"])
        elif event_type == QUIZ_PLAYER_JOINED:
            names, players = self._joined.get(payload["round_id"], ([], 0))
            self._joined[payload["round_id"]] = ([*names, payload["name"]], max(players, payload["players"]))
        elif event_type in ROUND_EVENTS:
            hub.broadcast(encode(ROUND_EVENTS[event_type], **payload))

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
