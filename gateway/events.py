"""Consumes the services' domain events on one exclusive queue per gateway process.

Each service's exchange is declared exactly as nameko declares it (durable topic
`<service>.events`), so the gateway may start before or after the services.
"""
import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from gateway.rpc import connect_until_up
from shared.events import Source, exchange_name

log = logging.getLogger(__name__)

EventHandler = Callable[[Source, str, dict], Awaitable[None]]


class EventConsumer:
    def __init__(self, amqp_uri: str, bindings: Iterable[tuple[Source, str]],
                 handle: EventHandler, on_reconnect: Callable[[], None]):
        self._amqp_uri = amqp_uri
        self._bindings = list(bindings)
        self._handle = handle
        self._on_reconnect = on_reconnect
        self._by_exchange = {exchange_name(source): source for source, _ in self._bindings}
        self._connection: AbstractRobustConnection | None = None
        self._connect_task: asyncio.Task | None = None
        self.bound = asyncio.Event()  # set once our queue receives every source's events

    async def start(self) -> None:
        """Connect in the background, retrying while the broker is down."""
        self._connect_task = asyncio.create_task(connect_until_up(self._amqp_uri, self._setup))

    async def _setup(self, connection: AbstractRobustConnection) -> None:
        self._connection = connection
        self._connection.reconnect_callbacks.add(lambda *_: self._on_reconnect())
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=256)
        queue = await channel.declare_queue(
            f"gateway-events-{uuid.uuid4().hex}", exclusive=True, auto_delete=True)
        for source, event_type in self._bindings:
            exchange = await channel.declare_exchange(
                exchange_name(source), aio_pika.ExchangeType.TOPIC, durable=True)
            await queue.bind(exchange, routing_key=event_type)
        await queue.consume(self._on_message, no_ack=True)
        self.bound.set()

    async def close(self) -> None:
        if self._connect_task:
            self._connect_task.cancel()
        if self._connection is not None:
            await self._connection.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        source = self._by_exchange.get(message.exchange or "")
        try:
            payload = json.loads(message.body)
        except ValueError:
            log.warning("dropped an event that is not JSON from %s", message.exchange)
            return
        if source is not None and isinstance(payload, dict):
            await self._handle(source, message.routing_key or "", payload)
