"""Commands consumed in batches: each stored once, a failed or killed batch redelivered whole."""
import logging
import uuid

import eventlet
import pytest
from kombu import Connection, Queue
from kombu.pools import producers

from shared.batches import answer, batch, refusal
from shared.commands import Stream, exchange, queue
from shared.logs import AMQP_HEADER
from tests.waiting import wait_until

MAX_BATCH = 50


class Recorder:
    """Keeps every batch it was handed; fails or stalls on request, to show redelivery."""

    name = "batch_recorder"
    batches: list[list[dict]] = []
    fail_once: set[str] = set()
    stall = False

    @batch(Stream.ROUND, max_batch=MAX_BATCH, max_wait_seconds=0.02)
    def take(self, commands: list[dict]) -> None:
        while Recorder.stall:
            eventlet.sleep(0.05)
        failing = {c["id"] for c in commands} & Recorder.fail_once
        if failing:
            Recorder.fail_once -= failing
            raise RuntimeError("the database went away")
        Recorder.batches.append(commands)


class Answerer:
    """Answers each command with its number doubled once its batch is stored; refuses odd ones."""

    name = "batch_answerer"
    fail_once = True

    @batch(Stream.SCANS, max_batch=MAX_BATCH, max_wait_seconds=0.02)
    def take(self, commands: list[dict]) -> list[dict]:
        if Answerer.fail_once:
            Answerer.fail_once = False
            raise RuntimeError("the database went away")
        return [refusal(ValueError("odd")) if c["n"] % 2 else answer(c["n"] * 2) for c in commands]


@pytest.fixture(autouse=True)
def fresh_recorder():
    Recorder.batches, Recorder.fail_once, Recorder.stall = [], set(), False
    Answerer.fail_once = True


def new_ids(count: int) -> list[str]:
    return [uuid.uuid4().hex for _ in range(count)]


def send(rabbit_config, ids: list[str], request_ids: list[str] | None = None) -> list[str]:
    """Publish commands as the gateway does, each with its request's id if given."""
    with Connection(rabbit_config["AMQP_URI"]) as connection, producers[connection].acquire(block=True) as producer:
        for command_id, request_id in zip(ids, request_ids or [None] * len(ids), strict=True):
            producer.publish({"id": command_id}, exchange=exchange(), routing_key=str(Stream.ROUND),
                             declare=[queue(Stream.ROUND)], serializer="json", delivery_mode=2,
                             headers={AMQP_HEADER: request_id} if request_id else {})
    return ids


def stored() -> list[str]:
    return [c["id"] for b in Recorder.batches for c in b]


def test_a_batch_logs_the_request_ids_it_holds(container_factory, rabbit_config, caplog):
    caplog.set_level(logging.INFO, logger="shared.batches")
    container_factory(Recorder, rabbit_config).start()
    request_ids = [f"answer-desk-{i}" for i in range(3)]
    ids = send(rabbit_config, new_ids(4), [*request_ids, None])
    wait_until(stored, lambda seen: len(seen) == len(ids), 20)
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "shared.batches").split()
    assert set(request_ids) <= set(logged) and logged.count("-") == 1, "an id for each, a dash for none"


def test_commands_arrive_in_batches_each_once_in_order(container_factory, rabbit_config):
    container_factory(Recorder, rabbit_config).start()
    ids = send(rabbit_config, new_ids(300))
    assert wait_until(stored, lambda seen: len(seen) == len(ids), 20) == ids
    assert max(len(b) for b in Recorder.batches) <= MAX_BATCH
    assert len(Recorder.batches) < len(ids), "many commands share a batch"


def test_a_batch_that_fails_is_redelivered_whole_and_stored_once(container_factory, rabbit_config):
    container_factory(Recorder, rabbit_config).start()
    ids = new_ids(40)
    Recorder.fail_once = {ids[0], ids[-1]}  # their batches fail once, whatever else is in them
    send(rabbit_config, ids)
    assert sorted(wait_until(stored, lambda seen: len(seen) == len(ids), 20)) == sorted(ids)
    assert Recorder.fail_once == set(), "both failed once before they were stored"


def test_a_service_killed_mid_batch_gets_the_whole_batch_again(container_factory, rabbit_config):
    first = container_factory(Recorder, rabbit_config)
    first.start()
    Recorder.stall = True
    ids = send(rabbit_config, new_ids(120))
    eventlet.sleep(0.3)  # let the first batch reach the stalled worker
    first.kill()
    Recorder.stall = False
    assert Recorder.batches == []
    container_factory(Recorder, rabbit_config).start()
    assert wait_until(stored, lambda seen: len(seen) == len(ids), 20) == ids


def test_each_command_asked_is_answered_once_after_its_batch_is_stored(container_factory, rabbit_config):
    container_factory(Answerer, rabbit_config).start()
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        replies = Queue(f"replies-{uuid.uuid4().hex}", exclusive=True, auto_delete=True)(connection.default_channel)
        replies.declare()
        with producers[connection].acquire(block=True) as producer:
            for n in range(60):
                producer.publish({"n": n}, exchange=exchange(), routing_key=str(Stream.SCANS), serializer="json",
                                 declare=[queue(Stream.SCANS)], delivery_mode=2, reply_to=replies.name,
                                 correlation_id=f"c{n}")
        answered: dict = {}

        def take() -> dict:
            while (message := replies.get(no_ack=True)) is not None:
                answered.setdefault(message.properties["correlation_id"], []).append(message.payload)
            return answered
        wait_until(take, lambda seen: len(seen) == 60, 20)
    assert Answerer.fail_once is False, "the first batch failed and was answered only once stored"
    assert {c: [r["result"] for r in rs] for c, rs in answered.items() if not int(c[1:]) % 2} == {
        f"c{n}": [n * 2] for n in range(0, 60, 2)}
    assert {r["error"]["exc_type"] for c, rs in answered.items() if int(c[1:]) % 2 for r in rs} == {"ValueError"}
    assert all(len(rs) == 1 for rs in answered.values())
