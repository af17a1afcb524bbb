"""Calls nameko RPC entrypoints from asyncio, speaking nameko's AMQP protocol directly.

A request goes to the `nameko-rpc` topic exchange with routing key `<service>.<method>`
and a JSON body {"args": [], "kwargs": {...}}; the reply comes back on our own exclusive
queue, bound to the same exchange under the `reply_to` key, matched by correlation id.
"""
import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from aio_pika.exceptions import AMQPError, DeliveryError

from shared.logs import message_headers

log = logging.getLogger(__name__)

RPC_EXCHANGE = "nameko-rpc"
RPC_QUEUE = "rpc-{}"  # nameko's queue of a service's RPC requests
# How long the broker's word that a service runs (or not) is trusted before it is asked again.
RUNNING_CHECK_SECONDS = 1.0


class RpcUnavailable(Exception):
    """The broker or the service did not answer: the caller may retry."""


class RemoteError(Exception):
    """The service raised; `exc_type` and `args` are its exception's name and arguments."""

    def __init__(self, exc_type: str, exc_args: list, value: str):
        super().__init__(value)
        self.exc_type = exc_type
        self.exc_args = exc_args


async def connect_until_up(amqp_uri: str, setup: Callable[[AbstractRobustConnection], Awaitable[None]],
                           retry_seconds: float = 1.0) -> None:
    """Connect (aio-pika reconnects by itself afterwards), retrying while the broker is down."""
    while True:
        try:
            connection = await aio_pika.connect_robust(amqp_uri)
            await setup(connection)
            return
        except (AMQPError, OSError) as exc:
            log.warning("broker not reachable at start (%s); retrying", exc)
            await asyncio.sleep(retry_seconds)


class Replies:
    """Answers awaited by correlation id on one reply queue: an RPC's, or a command's."""

    def __init__(self) -> None:
        self._pending: dict[str, asyncio.Future] = {}

    @contextmanager
    def expect(self) -> Iterator[tuple[str, asyncio.Future]]:
        """A fresh correlation id and the future its reply completes, forgotten on leaving."""
        correlation_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            yield correlation_id, future
        finally:
            self._pending.pop(correlation_id, None)

    async def take(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result(json.loads(message.body))

    def cancel(self) -> None:
        for future in self._pending.values():
            future.cancel()


class RpcClient:
    def __init__(self, amqp_uri: str, timeout: float):
        self._amqp_uri = amqp_uri
        self._timeout = timeout
        self._replies = Replies()
        self._reply_key = f"gateway-{uuid.uuid4().hex}"
        self._connection: AbstractRobustConnection | None = None
        self._connect_task: asyncio.Task | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None
        self._running: dict[str, tuple[float, bool]] = {}  # service -> (asked at, has a consumer)
        self._running_lock = asyncio.Lock()
        self.connected = asyncio.Event()

    async def start(self) -> None:
        """Connect in the background: until the broker answers, calls are RpcUnavailable."""
        self._connect_task = asyncio.create_task(connect_until_up(self._amqp_uri, self._setup))

    async def _setup(self, connection: AbstractRobustConnection) -> None:
        self._connection = connection
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await channel.declare_exchange(
            RPC_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(
            f"rpc.reply-{self._reply_key}", exclusive=True, auto_delete=True)
        await queue.bind(self._exchange, routing_key=self._reply_key)
        await queue.consume(self._replies.take, no_ack=True)
        self.connected.set()

    async def close(self) -> None:
        if self._connect_task:
            self._connect_task.cancel()
        if self._connection is not None:
            await self._connection.close()
        self._replies.cancel()

    async def running(self, service: str) -> bool:
        """Whether any process of `service` takes its requests now: the broker's consumer count of its
        queue, asked at most once a second, so a dead service is answered 503 at once, not after a timeout."""
        async with self._running_lock:
            checked = self._running.get(service)
            if checked is not None and time.monotonic() - checked[0] < RUNNING_CHECK_SECONDS:
                return checked[1]
            running = False
            if self._connection is not None:
                try:
                    async with self._connection.channel() as channel:
                        queue = await channel.declare_queue(RPC_QUEUE.format(service), passive=True)
                        running = bool(queue.declaration_result.consumer_count)
                except (AMQPError, ConnectionError, RuntimeError):
                    running = False  # no such queue yet, or the broker is gone
            self._running[service] = (time.monotonic(), running)
            return running

    async def call(self, service: str, method: str, timeout: float | None = None,
                   **kwargs: Any) -> Any:
        """The entrypoint's result; RemoteError if it raised, RpcUnavailable if nobody answered."""
        if self._exchange is None:
            raise RpcUnavailable("not connected to the broker")
        if not await self.running(service):
            raise RpcUnavailable(f"service {service} is not running")
        with self._replies.expect() as (correlation_id, future):
            message = aio_pika.Message(
                body=json.dumps({"args": [], "kwargs": kwargs}).encode(),
                content_type="application/json",
                reply_to=self._reply_key,
                correlation_id=correlation_id,
                headers={"nameko.call_id_stack": [f"gateway.{method}.{correlation_id}"], **message_headers()},
                # A request nobody took in time is dropped, not run later behind the caller's back.
                expiration=timeout or self._timeout,
            )
            try:
                await self._exchange.publish(message, routing_key=f"{service}.{method}",
                                             mandatory=True, timeout=self._timeout)
                reply = await asyncio.wait_for(future, timeout or self._timeout)
            except DeliveryError as exc:
                raise RpcUnavailable(f"service {service} is not running") from exc
            except (TimeoutError, AMQPError, ConnectionError, RuntimeError) as exc:
                raise RpcUnavailable(f"{service}.{method} did not answer") from exc
        return result_of(reply)


def result_of(reply: dict) -> Any:
    """A nameko-shaped reply's result; RemoteError if it carries the service's error."""
    error = reply.get("error")
    if error:
        raise RemoteError(error.get("exc_type", ""), error.get("exc_args", []), error.get("value", ""))
    return reply.get("result")
