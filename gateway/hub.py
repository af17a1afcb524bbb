"""WebSocket fan-out with a short queue per client.

A client too slow to drain its queue is dropped rather than allowed to hold up the others
(it reconnects to a fresh snapshot). `StatsHub` pushes the live counters, coalesced to one
update per interval; `ViewerHub` carries the livestream's feed to viewers and takes their
reaction taps.
"""
import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.counters import LiveCounters

log = logging.getLogger(__name__)

CLIENT_QUEUE_SIZE = 8
SEND_TIMEOUT_SECONDS = 10.0
CLOSE_TRY_AGAIN_LATER = 1013
INCOMING_MAX_BYTES = 2048

IncomingHandler = Callable[["Client", dict], None]


def encode(kind: str, **fields) -> str:
    return json.dumps({"type": kind, **fields}, ensure_ascii=False, separators=(",", ":"), default=str)


class Client:
    def __init__(self, websocket: WebSocket):
        self.websocket = websocket
        self.queue: asyncio.Queue[str] = asyncio.Queue(CLIENT_QUEUE_SIZE)
        self.dropped = asyncio.Event()
        self.state: dict = {}  # what a hub keeps per client (a rate limiter, say)


class SocketHub:
    def __init__(self, on_message: IncomingHandler | None = None):
        self._clients: set[Client] = set()
        self._on_message = on_message
        self.slow_clients_dropped = 0
        self.messages_sent = 0

    @property
    def client_count(self) -> int:
        return len(self._clients)

    async def serve(self, websocket: WebSocket, first: Callable[[], Awaitable[list[str]]]) -> None:
        """Run one client's connection until it closes or is dropped; `first` makes its opening messages."""
        await websocket.accept()
        client = Client(websocket)
        for message in await first():
            client.queue.put_nowait(message)
        self._clients.add(client)
        sender = asyncio.create_task(self._send_loop(client))
        receiver = asyncio.create_task(self._receive_loop(client))
        dropped = asyncio.create_task(client.dropped.wait())
        try:
            await asyncio.wait({sender, receiver, dropped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._clients.discard(client)
            for task in (sender, receiver, dropped):
                task.cancel()
            with contextlib.suppress(Exception):
                await websocket.close(CLOSE_TRY_AGAIN_LATER if client.dropped.is_set() else 1000)

    def broadcast(self, message: str) -> None:
        for client in list(self._clients):
            try:
                client.queue.put_nowait(message)
            except asyncio.QueueFull:
                self._drop(client)

    def _drop(self, client: Client) -> None:
        self._clients.discard(client)
        self.slow_clients_dropped += 1
        client.dropped.set()

    async def _send_loop(self, client: Client) -> None:
        while True:
            message = await client.queue.get()
            try:
                await asyncio.wait_for(client.websocket.send_text(message), SEND_TIMEOUT_SECONDS)
            except TimeoutError:
                self._drop(client)
                return
            except (WebSocketDisconnect, RuntimeError, ConnectionError):
                return  # the client left mid-send: serve() cleans up
            self.messages_sent += 1

    async def _receive_loop(self, client: Client) -> None:
        """Reading notices a client that went away; messages go to the hub's handler."""
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                text = await client.websocket.receive_text()
                if self._on_message is None or len(text) > INCOMING_MAX_BYTES:
                    continue
                try:
                    message = json.loads(text)
                except ValueError:
                    continue
                if isinstance(message, dict):
                    self._on_message(client, message)


class StatsHub(SocketHub):
    """Screens: the whole snapshot first, then the counters that changed, once per interval."""

    def __init__(self, counters: LiveCounters, interval: float):
        super().__init__()
        self._counters = counters
        self._interval = interval
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._broadcast_loop())

    async def close(self) -> None:
        if self._task:
            self._task.cancel()

    async def serve_screen(self, websocket: WebSocket) -> None:
        async def first() -> list[str]:
            return [self._message("snapshot", self._counters.snapshot())]
        await self.serve(websocket, first)

    def _message(self, kind: str, data: dict) -> str:
        return encode(kind, version=self._counters.version, data=data)

    def publish_changes(self) -> None:
        """Queue the counters changed since the last push for every client."""
        changes = self._counters.take_changes()
        if changes:
            self.broadcast(self._message("update", changes))

    async def _broadcast_loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self.publish_changes()
