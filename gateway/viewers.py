"""Livestream viewers on this gateway: their feed socket, their reaction taps, their count.

Taps are rate-limited per viewer, summed over every viewer here and sent to the
livestream service as one batch per interval, so ten thousand viewers tapping at once make
two messages a second, not ten thousand. A batch keeps its id until the service has
counted it, so a retry after a failure counts nothing twice.
"""
import asyncio
import logging
import time
import uuid
from collections import Counter

from starlette.websockets import WebSocket

from gateway.events import EventBus
from gateway.hub import Client, SocketHub, encode
from gateway.rpc import RemoteError, RpcClient, RpcUnavailable
from gateway.stats_feed import LiveStats
from shared.events import REACTION_KINDS, LiveComment, LiveCommentModerated, LiveQuestionUpvoted, Source

VIEWER_COUNTERS = ("live_reactions_total", "live_reactions_by_kind", "live_viewers_now", "live_viewers_peak",
                   "live_comments_total", "live_questions_total")
FLUSH_INTERVAL_SECONDS = 0.5
COUNTERS_INTERVAL_SECONDS = 1.0
VIEWERS_HEARTBEAT_SECONDS = 3.0
# Each viewer may tap up to 10 times a second, in bursts of up to 20.
TAP_RATE, TAP_BURST = 10.0, 20.0


class TapLimiter:
    """A token bucket: how many of a viewer's taps count."""

    def __init__(self, now: float):
        self.tokens, self.at = TAP_BURST, now

    def allow(self, taps: int, now: float) -> int:
        self.tokens = min(TAP_BURST, self.tokens + (now - self.at) * TAP_RATE)
        self.at = now
        allowed = min(taps, int(self.tokens))
        self.tokens -= allowed
        return allowed


class ReactionBatcher:
    def __init__(self, rpc: RpcClient):
        self._rpc = rpc
        self.pending: Counter[str] = Counter()
        self._in_flight: tuple[str, dict[str, int]] | None = None

    def add(self, counts: dict[str, int]) -> None:
        self.pending.update(counts)

    async def flush(self) -> None:
        """Send the batch in flight, or the taps gathered since; on failure keep it for next time."""
        if self._in_flight is None and self.pending:
            self._in_flight = (uuid.uuid4().hex, dict(self.pending))
            self.pending.clear()
        if self._in_flight is None:
            return
        batch_id, counts = self._in_flight
        try:
            await self._rpc.call(Source.LIVESTREAM, "add_reactions", batch_id=batch_id, counts=counts)
        except RpcUnavailable:
            return
        except RemoteError as exc:
            if exc.exc_type == "ServiceUnavailable":
                return
            logging.getLogger(__name__).error("reaction batch refused: %s", exc)
        self._in_flight = None


class ViewerHub(SocketHub):
    def __init__(self, rpc: RpcClient, live: LiveStats, bus: EventBus):
        super().__init__(on_message=self._on_viewer_message)
        self._rpc = rpc
        self._live = live
        self.batcher = ReactionBatcher(rpc)
        self.gateway_id = f"gateway-{uuid.uuid4().hex[:12]}"
        self._tasks: list[asyncio.Task] = []
        bus.subscribe(LiveComment, self._on_posted)
        bus.subscribe(LiveCommentModerated, self._on_moderated)
        bus.subscribe(LiveQuestionUpvoted, self._on_upvoted)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._flush_loop()), asyncio.create_task(self._counters_loop())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def serve_viewer(self, websocket: WebSocket) -> None:
        async def first(_: Client) -> list[str]:
            try:
                feed = await self._rpc.call(Source.LIVESTREAM, "feed")
            except (RpcUnavailable, RemoteError):
                feed = {"comments": [], "questions": [], "settings": {"stream_url": ""}}
            return [encode("feed", **feed, counters=self._viewer_counters())]
        await self.serve(websocket, first)

    def _viewer_counters(self) -> dict:
        values = self._live.counters.values
        return {name: values.get(name) for name in VIEWER_COUNTERS}

    def _on_viewer_message(self, client: Client, message: dict) -> None:
        if message.get("type") != "react" or not isinstance(message.get("counts"), dict):
            return
        now = time.monotonic()
        limiter = client.state.setdefault("taps", TapLimiter(now))
        allowed: dict[str, int] = {}
        for kind, taps in message["counts"].items():
            if kind in REACTION_KINDS and isinstance(taps, int) and not isinstance(taps, bool) and taps > 0:
                allowed[kind] = limiter.allow(taps, now)
        self.batcher.add({kind: n for kind, n in allowed.items() if n})

    def _on_posted(self, event: LiveComment) -> None:
        if event.status == "visible":  # a held post reaches viewers only once a moderator approves it
            self.broadcast(encode("post", post=event.model_dump(mode="json", exclude={"seq"})))

    def _on_moderated(self, event: LiveCommentModerated) -> None:
        self.broadcast(encode("moderated", post=event.model_dump(mode="json")))

    def _on_upvoted(self, event: LiveQuestionUpvoted) -> None:
        self.broadcast(encode("upvoted", id=event.id, upvotes=event.upvotes))

    async def _flush_loop(self) -> None:
        reported, reported_at = -1, 0.0
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_SECONDS)
            await self.batcher.flush()
            now = time.monotonic()
            if self.client_count != reported or now - reported_at >= VIEWERS_HEARTBEAT_SECONDS:
                try:
                    await self._rpc.call(Source.LIVESTREAM, "report_viewers", gateway_id=self.gateway_id,
                                         viewers=self.client_count)
                    reported, reported_at = self.client_count, now
                except (RpcUnavailable, RemoteError):
                    pass

    async def _counters_loop(self) -> None:
        last: dict = {}
        while True:
            await asyncio.sleep(COUNTERS_INTERVAL_SECONDS)
            current = self._viewer_counters()
            if current != last:
                self.broadcast(encode("counters", data=current))
                last = current
