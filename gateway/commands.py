"""Sends commands durably: the caller is told "received" only once the broker has confirmed it.

Each command is a persistent message on its stream's durable queue (`shared.commands`), which
this publisher declares too, so a command waits there while its service restarts. A publish
that the broker does not confirm (it restarts, say) is sent again with the same message id
until the time limit; the consuming service stores each id once.

A command that must be answered with data (a scan's outcome) is asked: it carries this gateway's
own reply queue and a correlation id, and the service replies once its batch is stored. No reply
within the time limit is RpcUnavailable (503): the command is still stored once when its turn
comes, and the retry with the same id gets the stored outcome.
"""
import asyncio
import json
import logging
import time
import uuid
from typing import Any

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustConnection
from aio_pika.exceptions import AMQPError, DeliveryError

from gateway.rpc import Replies, RpcUnavailable, connect_until_up, result_of
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
        # Replies come through the default exchange, routed by this queue's name.
        self._reply_queue = f"commands.reply-{uuid.uuid4().hex}"
        self._replies = Replies()

    async def start(self) -> None:
        self._connect_task = asyncio.create_task(connect_until_up(self._amqp_uri, self._setup))

    async def _setup(self, connection: AbstractRobustConnection) -> None:
        self._connection = connection
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
        for stream in self._streams:
            queue = await channel.declare_queue(str(stream), durable=True, arguments=QUEUE_ARGUMENTS)
            await queue.bind(exchange, routing_key=str(stream))
        replies = await channel.declare_queue(self._reply_queue, exclusive=True, auto_delete=True)
        await replies.consume(self._replies.take, no_ack=True)
        self._exchange = exchange

    async def close(self) -> None:
        if self._connect_task:
            self._connect_task.cancel()
        if self._connection is not None:
            await self._connection.close()
        self._replies.cancel()

    async def send(self, stream: Stream, command_id: str, body: dict) -> None:
        """Return once the broker holds the command on disk; RpcUnavailable if it never confirmed."""
        await self._publish(stream, self._message(command_id, body), time.monotonic() + self._timeout)

    async def ask(self, stream: Stream, command_id: str, body: dict) -> Any:
        """The service's reply once the command is stored (RemoteError if it refused it); RpcUnavailable
        if the broker never confirmed it or no reply came within the time limit."""
        deadline = time.monotonic() + self._timeout
        with self._replies.expect() as (correlation_id, future):
            try:
                await self._publish(stream, self._message(command_id, body, correlation_id), deadline)
                reply = await asyncio.wait_for(future, max(deadline - time.monotonic(), 0.1))
            except TimeoutError as exc:
                raise RpcUnavailable(f"no reply to {stream} command {command_id} in time") from exc
        return result_of(reply)

    def _message(self, command_id: str, body: dict, correlation_id: str | None = None) -> aio_pika.Message:
        return aio_pika.Message(json.dumps(body).encode(), content_type="application/json",
                                content_encoding="utf-8", message_id=command_id, headers=message_headers(),
                                delivery_mode=aio_pika.DeliveryMode.PERSISTENT, correlation_id=correlation_id,
                                reply_to=self._reply_queue if correlation_id else None)

    async def _publish(self, stream: Stream, message: aio_pika.Message, deadline: float) -> None:
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
                log.info("resending %s command %s: %s", stream, message.message_id, exc)
                await asyncio.sleep(RESEND_PAUSE_SECONDS)
