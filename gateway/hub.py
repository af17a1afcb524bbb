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
from collections.abc import Awaitable, Callable, Container

from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.counters import LiveCounters
from gateway.i18n import pick_language, text
from gateway.json_guard import BODY, Unstorable, parse

log = logging.getLogger(__name__)

CLIENT_QUEUE_SIZE = 8
CLOSE_TRY_AGAIN_LATER = 1013
INCOMING_MAX_BYTES = 2048

IncomingHandler = Callable[["Client", dict], None]


def encode(kind: str, **fields) -> str:
    return json.dumps({"type": kind, **fields}, ensure_ascii=False, separators=(",", ":"), default=str)


class Mailbox:
    """A short queue with one reader: asyncio.Queue's three deques cost ~2 KB per idle screen."""

    __slots__ = ("_messages", "_limit", "_waiter")

    def __init__(self, limit: int):
        self._messages: list[str] = []
        self._limit = limit
        self._waiter: asyncio.Future | None = None

    def offer(self, message: str) -> bool:
        """Queue the message; False, and nothing queued, when the queue is full."""
        if len(self._messages) >= self._limit:
            return False
        self._messages.append(message)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        return True

    async def take(self) -> str:
        while not self._messages:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._messages.pop(0)


class Client:
    # Ten thousand idle screens on one process: every attribute and task per client counts.
    __slots__ = ("websocket", "mailbox", "dropped", "sender", "state")

    def __init__(self, websocket: WebSocket):
        self.websocket = websocket
        self.mailbox = Mailbox(CLIENT_QUEUE_SIZE)
        self.dropped = False
        self.sender: asyncio.Task | None = None
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

    async def serve(self, websocket: WebSocket, first: Callable[[Client], Awaitable[list[str]]]) -> None:
        """Run one client's connection until it closes or is dropped; `first` makes its opening messages."""
        await websocket.accept()
        client = Client(websocket)
        for message in await first(client):
            client.mailbox.offer(message)
        self._clients.add(client)
        # One task per client besides this one: the sender. This coroutine reads; when the
        # sender ends (the client was dropped, or went away mid-send) it cancels the reading.
        reader, reading = asyncio.current_task(), True
        assert reader is not None  # called from a task: the socket's handler

        def stop_reading(_: asyncio.Task) -> None:
            if reading:  # not once this coroutine has moved on to closing
                reader.cancel()

        client.sender = asyncio.create_task(self._send_loop(client))
        client.sender.add_done_callback(stop_reading)
        try:
            await self._receive_loop(client)
        except asyncio.CancelledError:
            if not client.sender.done():
                raise  # cancelled from outside: the server is stopping
            reader.uncancel()
        finally:
            reading = False
            client.sender.cancel()
            self._clients.discard(client)
            with contextlib.suppress(Exception):
                await websocket.close(CLOSE_TRY_AGAIN_LATER if client.dropped else 1000)

    def broadcast(self, message: str, skip: Container[Client] = frozenset()) -> None:
        """Queue the message for every client but those in `skip`; a full queue drops its client."""
        for client in list(self._clients):
            if client in skip:
                continue
            if not client.mailbox.offer(message):
                self._drop(client)

    def _drop(self, client: Client) -> None:
        self._clients.discard(client)
        self.slow_clients_dropped += 1
        client.dropped = True
        if client.sender is not None:
            client.sender.cancel()

    async def _send_loop(self, client: Client) -> None:
        # No timeout per send (wait_for made a task per frame): a client that stops reading
        # fills its mailbox and is dropped by the next broadcast, or by the ping timeout.
        while True:
            message = await client.mailbox.take()
            try:
                await client.websocket.send_text(message)
            except (WebSocketDisconnect, RuntimeError, ConnectionError):
                return  # the client left mid-send: serve() cleans up
            self.messages_sent += 1

    async def _receive_loop(self, client: Client) -> None:
        """Reading notices a client that went away; messages go to the hub's handler.

        A message that is not a storable JSON object gets an error naming why, and the socket
        stays open: a page's bug should not cost its screen the live feed."""
        while True:
            frame = await client.websocket.receive()
            if frame["type"] == "websocket.disconnect":
                return
            try:
                message = read_message(frame.get("text"))
            except Unstorable as problem:
                self._tell(client, problem)
                continue
            if self._on_message is not None:
                self._on_message(client, message)

    def _tell(self, client: Client, problem: Unstorable) -> None:
        self.tell(client, encode("error", error=problem.code, field=problem.field,
                                 message=text(pick_language(client.websocket), f"err_{problem.code}")))

    def tell(self, client: Client, message: str) -> None:
        """Queue a message for this client alone (its error, its reply); one that will not read them is
        dropped as slow."""
        if not client.mailbox.offer(message):
            self._drop(client)


def read_message(frame_text: str | None) -> dict:
    """A client's message: a JSON object of text, small and storable, or Unstorable saying why not."""
    if frame_text is None:
        raise Unstorable(BODY, "binary")
    if len(frame_text) > INCOMING_MAX_BYTES:
        raise Unstorable(BODY, "too_long")
    message = parse(frame_text)
    if not isinstance(message, dict):
        raise Unstorable(BODY, "not_message")
    return message


class StatsHub(SocketHub):
    """Screens: the whole snapshot first, then the counters that changed, once per interval."""

    def __init__(self, counters: LiveCounters, interval: float):
        super().__init__()
        self._counters = counters
        self._interval = interval
        self._task: asyncio.Task | None = None
        # Screens that joined since the last push, with the version their snapshot reflects.
        self._joined: dict[Client, int] = {}

    def start(self) -> None:
        self._task = asyncio.create_task(self._broadcast_loop())

    async def close(self) -> None:
        if self._task:
            self._task.cancel()

    async def serve_screen(self, websocket: WebSocket) -> None:
        async def first(client: Client) -> list[str]:
            self._joined[client] = self._counters.version
            return [self._message("snapshot", self._counters.snapshot())]
        await self.serve(websocket, first)

    def _message(self, kind: str, data: dict) -> str:
        return encode(kind, version=self._counters.version, data=data)

    def publish_changes(self) -> None:
        """Queue the counters changed since the last push for every client."""
        changes, joined, self._joined = self._counters.take_changes(), self._joined, {}
        if changes:
            # A screen whose snapshot is as new as these changes holds them already.
            up_to_date = {client for client, version in joined.items() if version == self._counters.version}
            self.broadcast(self._message("update", changes), skip=up_to_date)

    async def _broadcast_loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self.publish_changes()
