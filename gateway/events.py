"""The services' domain events in this gateway: a bus that handlers subscribe to by event model,
consumed on one exclusive queue per gateway process bound to exactly the subscribed events.

Each service's exchange is declared exactly as nameko declares it (durable topic
`<service>.events`), so the gateway may start before or after the services.
"""
import asyncio
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from gateway.rpc import connect_until_up
from shared.events import Event, Source, exchange_name
from shared.logs import AMQP_HEADER, REQUEST_ID, known_request_id

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Observer = Callable[[Event], None]


class EventBus:
    """Routes each event to the handlers subscribed to its model (the class itself), in the order they subscribed.

    Subscriptions are made while the gateway is built: the broker bindings are taken from them
    once, at start, so a later subscription would never hear its event and is refused."""

    def __init__(self) -> None:
        self._handlers: defaultdict[type[Event], list[Callable[[Any], None]]] = defaultdict(list)
        self._routes: dict[tuple[str, str], type[Event]] = {}  # (exchange, routing key) -> model
        self._observers: list[Observer] = []
        self._bound = False

    def subscribe(self, model: type[E], handler: Callable[[E], None]) -> None:
        if self._bound:
            raise RuntimeError(f"subscribed to {model.NAME} after the queue was bound")
        self._handlers[model].append(handler)
        self._routes[(exchange_name(model.SOURCE), model.NAME)] = model

    def observe(self, observer: Observer) -> None:
        """Hear every subscribed event (metrics), without binding any more."""
        self._observers.append(observer)

    def bindings(self) -> list[tuple[Source, str]]:
        """(source, name) of every subscribed event: what the queue is bound to."""
        self._bound = True
        return [(model.SOURCE, model.NAME) for model in self._handlers]

    def handle(self, event: Event) -> None:
        for observer in self._observers:
            observer(event)
        for handler in self._handlers[type(event)]:
            handler(event)

    def handle_message(self, exchange: str, routing_key: str, body: bytes) -> None:
        """A delivery as nameko sent it, parsed into its model; one that is not a known, valid event is dropped."""
        model = self._routes.get((exchange, routing_key))
        if model is None:
            return
        try:
            event = model.model_validate(json.loads(body))
        except ValueError as exc:  # not JSON, or not the model (pydantic's ValidationError is a ValueError)
            log.warning("dropped a malformed %s event: %s", routing_key, exc)
            return
        self.handle(event)


class EventConsumer:
    """The bus's exclusive queue, bound to each subscribed event's exchange and name."""

    def __init__(self, amqp_uri: str, bus: EventBus, on_reconnect: Callable[[], None]):
        self._amqp_uri = amqp_uri
        self._bus = bus
        self._on_reconnect = on_reconnect
        self._connection: AbstractRobustConnection | None = None
        self._connect_task: asyncio.Task | None = None
        self.bound = asyncio.Event()  # set once our queue receives every subscribed event

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
        for source, event_name in self._bus.bindings():
            exchange = await channel.declare_exchange(
                exchange_name(source), aio_pika.ExchangeType.TOPIC, durable=True)
            await queue.bind(exchange, routing_key=event_name)
        await queue.consume(self._on_message, no_ack=True)
        self.bound.set()

    async def close(self) -> None:
        if self._connect_task:
            self._connect_task.cancel()
        if self._connection is not None:
            await self._connection.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        REQUEST_ID.set(known_request_id(message.headers.get(AMQP_HEADER)))  # the request that caused it
        self._bus.handle_message(message.exchange or "", message.routing_key or "", message.body)
