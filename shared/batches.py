"""A nameko entrypoint that hands its service method commands in batches.

Up to `max_batch` commands, or whatever arrived within `max_wait_seconds` of the first one,
become one worker call with the list of command bodies; the method writes them with bulk
operations and returns. A method that answers returns one reply per command (`answer` or
`refusal`, or None for none): each goes to its command's `reply_to` once the batch is stored.
Only then is the whole batch acknowledged (one `basic_ack` with `multiple`). If the method
raises, every command of the batch is handed back; if the process dies first, the broker
redelivers them all. Either way the unique indexes make the second write of each a no-op.
"""
import logging
import time
from collections.abc import Callable
from typing import Any

import eventlet
from eventlet.event import Event
from kombu import Connection, Producer
from kombu.exceptions import OperationalError
from kombu.message import Message
from nameko.exceptions import serialize
from nameko.extensions import Entrypoint

from shared.commands import Stream, queue
from shared.logs import AMQP_HEADER, known_request_id

log = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 1.0
Reply = dict[str, Any]


def answer(result: Any) -> Reply:
    """A command's reply carrying its result, shaped as nameko's RPC replies are."""
    return {"result": result, "error": None}


def refusal(error: Exception) -> Reply:
    """A command's reply saying why it was refused (a domain error; nothing of it was stored)."""
    return {"result": None, "error": serialize(error)}


class BatchEntrypoint(Entrypoint):
    def __init__(self, stream: Stream, max_batch: int = 500, max_wait_seconds: float = 0.005, **kwargs: Any):
        self.stream = stream
        self.max_batch = max_batch
        self.max_wait_seconds = max_wait_seconds
        self._running = False
        super().__init__(**kwargs)

    def setup(self) -> None:
        self.amqp_uri = self.container.config["AMQP_URI"]

    def start(self) -> None:
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._consume_forever)

    def stop(self) -> None:
        """Finish the batch in hand; commands not yet handed over go back to the broker."""
        self._running = False
        self._thread.wait()

    def kill(self) -> None:
        self._running = False
        self._thread.kill()

    def _consume_forever(self) -> None:
        broker = Connection(self.amqp_uri)
        lost = (OSError, OperationalError, *broker.connection_errors, *broker.channel_errors)
        while self._running:
            try:
                with broker.clone() as connection:
                    self._consume(connection)
            except lost as exc:
                log.warning("%s commands: broker connection lost (%s); reconnecting", self.stream, exc)
                eventlet.sleep(RETRY_PAUSE_SECONDS)

    def _consume(self, connection: Connection) -> None:
        pending: list[Message] = []
        first_at = 0.0

        def take(body: Any, message: Message) -> None:
            nonlocal first_at
            if not pending:
                first_at = time.monotonic()
            pending.append(message)

        with connection.Consumer(queue(self.stream), callbacks=[take], accept=["json"],
                                 prefetch_count=self.max_batch * 2):
            while self._running:
                wait = self.max_wait_seconds - (time.monotonic() - first_at) if pending else 1.0
                try:
                    connection.drain_events(timeout=max(wait, 0.0001))
                except TimeoutError:
                    pass
                due = pending and (len(pending) >= self.max_batch
                                   or time.monotonic() - first_at >= self.max_wait_seconds)
                if due:
                    batch, pending[:] = pending[: self.max_batch], pending[self.max_batch:]
                    first_at = time.monotonic()
                    if not self._handle(batch):
                        # What came after the failed batch goes back too, so the stream keeps its order
                        # (a close must stay behind the answers taken before it).
                        for message in pending:
                            message.reject(requeue=True)
                        pending.clear()
                        eventlet.sleep(RETRY_PAUSE_SECONDS)  # a database outage: do not spin on redeliveries

    def _handle(self, batch: list[Message]) -> bool:
        """One worker for the batch, its replies, then one acknowledgement (or one redelivery) for all of it:
        whether it was stored."""
        finished: Event = Event()
        ids = (known_request_id(m.headers.get(AMQP_HEADER)) for m in batch)
        log.info("%s: %d commands, request ids %s", self.stream, len(batch), " ".join(i or "-" for i in ids))

        def handle_result(worker_ctx: Any, result: Any, exc_info: Any) -> tuple[Any, Any]:
            finished.send((result, exc_info))
            return result, exc_info

        self.container.spawn_worker(self, ([m.payload for m in batch],), {}, handle_result=handle_result)
        last = batch[-1]
        replies, exc_info = finished.wait()
        if exc_info is None:
            # Replies before the acknowledgement: a crash in between redelivers the batch, whose second
            # write is a no-op and whose replies are the stored outcomes again.
            self._reply(batch, replies)
            last.channel.basic_ack(last.delivery_tag, multiple=True)
            return True
        for message in batch:  # py-amqp has no basic_nack: one reject each
            message.reject(requeue=True)
        return False

    @staticmethod
    def _reply(batch: list[Message], replies: list[Reply | None] | None) -> None:
        """Each reply to its command's asker; one who is gone (its queue with it) is skipped by the broker."""
        if not replies:
            return
        producer = Producer(batch[0].channel, serializer="json")
        for message, reply in zip(batch, replies, strict=True):
            reply_to = message.properties.get("reply_to")
            if reply is not None and reply_to:
                producer.publish(reply, exchange="", routing_key=reply_to,
                                 correlation_id=message.properties.get("correlation_id"), delivery_mode=1)


batch: Callable[..., Any] = BatchEntrypoint.decorator
