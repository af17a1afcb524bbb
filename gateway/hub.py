"""WebSocket fan-out of the live counters.

A client gets the whole snapshot first, then at most one update per push interval with
the counters that changed (absolute values, so a repeated update is harmless). Each
client has a short queue of its own; a client too slow to drain it is dropped rather than
allowed to hold up the others, and reconnects to a fresh snapshot.
"""
import asyncio
import contextlib
import json
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.counters import LiveCounters

log = logging.getLogger(__name__)

CLIENT_QUEUE_SIZE = 8
SEND_TIMEOUT_SECONDS = 10.0
CLOSE_TRY_AGAIN_LATER = 1013


class _Client:
    def __init__(self, websocket: WebSocket):
        self.websocket = websocket
        self.queue: asyncio.Queue[str] = asyncio.Queue(CLIENT_QUEUE_SIZE)
        self.dropped = asyncio.Event()


class StatsHub:
    def __init__(self, counters: LiveCounters, interval: float):
        self._counters = counters
        self._interval = interval
        self._clients: set[_Client] = set()
        self._task: asyncio.Task | None = None
        self.slow_clients_dropped = 0

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def start(self) -> None:
        self._task = asyncio.create_task(self._broadcast_loop())

    async def close(self) -> None:
        if self._task:
            self._task.cancel()

    async def serve(self, websocket: WebSocket) -> None:
        """Run one client's connection until it closes or is dropped."""
        await websocket.accept()
        client = _Client(websocket)
        client.queue.put_nowait(self._message("snapshot", self._counters.snapshot()))
        self._clients.add(client)
        sender = asyncio.create_task(self._send_loop(client))
        receiver = asyncio.create_task(self._drain_incoming(websocket))
        try:
            await asyncio.wait({sender, receiver, asyncio.create_task(client.dropped.wait())},
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._clients.discard(client)
            for task in (sender, receiver):
                task.cancel()
            with contextlib.suppress(Exception):
                await websocket.close(CLOSE_TRY_AGAIN_LATER if client.dropped.is_set() else 1000)

    def _message(self, kind: str, data: dict) -> str:
        return json.dumps({"type": kind, "version": self._counters.version, "data": data},
                          ensure_ascii=False, separators=(",", ":"))

    def publish_changes(self) -> None:
        """Queue the counters changed since the last push for every client."""
        changes = self._counters.take_changes()
        if not changes:
            return
        message = self._message("update", changes)
        for client in list(self._clients):
            try:
                client.queue.put_nowait(message)
            except asyncio.QueueFull:
                self._drop(client)

    def _drop(self, client: _Client) -> None:
        self._clients.discard(client)
        self.slow_clients_dropped += 1
        client.dropped.set()

    async def _broadcast_loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self.publish_changes()

    async def _send_loop(self, client: _Client) -> None:
        while True:
            message = await client.queue.get()
            try:
                await asyncio.wait_for(client.websocket.send_text(message), SEND_TIMEOUT_SECONDS)
            except TimeoutError:
                self._drop(client)
                return

    @staticmethod
    async def _drain_incoming(websocket: WebSocket) -> None:
        """Screens send nothing we need; reading notices when they go away."""
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.receive_text()
