"""Sends commands durably: the caller is told "received" only once the broker has confirmed it.

Each command is a persistent message on its stream's durable queue (`shared.commands`), which
this publisher declares too, so a command waits there while its service restarts. A publish
that the broker does not confirm (it restarts, say) is sent again with the same message id
until the time limit; the consuming service stores each id once.
"""
import asyncio
import json
import logging
import time

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustConnection
from aio_pika.exceptions import AMQPError, DeliveryError

from gateway.rpc import RpcUnavailable, connect_until_up
from shared.commands import EXCHANGE, QUEUE_ARGUMENTS, Stream
from shared.logs import message_headers

log = logging.getLogger(__name__)

RESEND_PAUSE_SECONDS = 0.2


class CommandPublisher:
    def __init__(self, amqp_uri: str, timeout: float, streams: tuple[Stream, ...] = tuple(Stream)):
        self._amqp_uri = amqp_uri
        self._timeout = timeout
        self._streams = streams
        self._exchange: AbstractExchange | None = None
        self._connection: AbstractRobustConnection | None = None
        self._connect_task: asyncio.Task | None = None

    async def start(self) -> None:
        self._connect_task = asyncio.create_task(connect_until_up(self._amqp_uri, self._setup))

    async def _setup(self, connection: AbstractRobustConnection) -> None:
        self._connection = connection
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
        for stream in self._streams:
            queue = await channel.declare_queue(str(stream), durable=True, arguments=QUEUE_ARGUMENTS)
            await queue.bind(exchange, routing_key=str(stream))
        self._exchange = exchange

    async def close(self) -> None:
        if self._connect_task:
            self._connect_task.cancel()
        if self._connection is not None:
            await self._connection.close()

    async def send(self, stream: Stream, command_id: str, body: dict) -> None:
        """Return once the broker holds the command on disk; RpcUnavailable if it never confirmed."""
        message = aio_pika.Message(json.dumps(body).encode(), content_type="application/json",
                                   content_encoding="utf-8", message_id=command_id, headers=message_headers(),
                                   delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                if self._exchange is None:
                    raise RpcUnavailable("not connected to the broker")
                await self._exchange.publish(message, routing_key=str(stream), mandatory=True,
                                             timeout=max(deadline - time.monotonic(), 0.1))
                return
            except (RpcUnavailable, DeliveryError, AMQPError, ConnectionError, RuntimeError, TimeoutError) as exc:
                if time.monotonic() + RESEND_PAUSE_SECONDS >= deadline:
                    raise RpcUnavailable(f"the broker did not confirm a {stream} command") from exc
                log.info("resending %s command %s: %s", stream, command_id, exc)
                await asyncio.sleep(RESEND_PAUSE_SECONDS)
