"""Commands are "received" only once the broker confirmed them, and they wait on a durable queue."""
import asyncio
import time
import uuid

import pytest
from kombu import Connection

from gateway.commands import CommandPublisher
from gateway.rpc import RpcUnavailable
from shared.commands import Stream, queue
from tools.stack import free_port


async def send_all(amqp_uri: str, ids: list[str]) -> None:
    publisher = CommandPublisher(amqp_uri, timeout=10)
    await publisher.start()
    try:
        await asyncio.gather(*(publisher.send(Stream.ROUND, command_id, {"id": command_id}) for command_id in ids))
    finally:
        await publisher.close()


def test_confirmed_commands_wait_persistent_on_their_queue_with_no_consumer(module_amqp_uri):
    ids = [uuid.uuid4().hex for _ in range(200)]
    asyncio.run(send_all(module_amqp_uri, ids))
    received = []
    with Connection(module_amqp_uri) as connection:
        bound = queue(Stream.ROUND)(connection.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            received.append(message)
    assert sorted(m.properties["message_id"] for m in received) == sorted(ids)
    assert {m.properties["delivery_mode"] for m in received} == {2}, "persistent: kept on disk"
    assert sorted(m.payload["id"] for m in received) == sorted(ids)


def test_without_a_broker_a_command_is_refused_within_its_time_limit():
    publisher = CommandPublisher(f"amqp://guest:guest@127.0.0.1:{free_port()}/", timeout=1.5)

    async def attempt() -> None:
        await publisher.start()
        try:
            await publisher.send(Stream.ROUND, "c1", {"id": "c1"})
        finally:
            await publisher.close()

    started = time.monotonic()
    with pytest.raises(RpcUnavailable):
        asyncio.run(attempt())
    assert time.monotonic() - started < 3


def test_a_command_asked_with_no_service_to_answer_is_refused_in_time_and_waits_on_its_queue(module_amqp_uri):
    publisher = CommandPublisher(module_amqp_uri, timeout=1.5)
    command_id = uuid.uuid4().hex

    async def ask() -> None:
        await publisher.start()
        try:
            await publisher.ask(Stream.SCANS, command_id, {"id": command_id})
        finally:
            await publisher.close()

    started = time.monotonic()
    with pytest.raises(RpcUnavailable):
        asyncio.run(ask())
    assert time.monotonic() - started < 3
    with Connection(module_amqp_uri) as connection:
        bound = queue(Stream.SCANS)(connection.default_channel)
        waiting = []
        while (message := bound.get(no_ack=True)) is not None:
            waiting.append(message.properties["message_id"])
    assert command_id in waiting, "stored, to be written when its service takes it"
