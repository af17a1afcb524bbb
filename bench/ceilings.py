"""Scenario 5: what the broker and the database do raw, on this machine, in this run, and the
floor of one request through the gateway.

These are the ceilings the other figures are divided by: a check-in can never be faster
than the database writes it needs, nor a screen update quicker than a broker round trip.
Measured on the bench's own vhost and the stack's own database server, after the other
scenarios, so the stack is idle but the machine is the same. The two request floors show what
any endpoint costs before it does any work: HTTP alone (`/healthz`), and HTTP with one RPC to a
service that answers from memory (a contest lookup, its bank and contest cached).
"""
import asyncio
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

import aio_pika
from pymongo import MongoClient

from bench.load import expect, http_client
from bench.measure import Histogram
from bench.profile import Profile
from bench.report import ScenarioResult
from bench.target import Target
from bench.wrk import Request, measured

# Keys of the figures the other scenarios are divided by (scenario.metric).
HTTP_FLOOR, CONFIRMS, INSERT_MANY = "5.HTTP floor (/healthz)", "5.AMQP publish+confirm", "5.Mongo insert_many"
RTT_P50, RTT_P99 = "5.AMQP round trip p50", "5.AMQP round trip p99"
PUBLISH_WINDOW = 256  # confirms outstanding at once, as many concurrent requests would have
MESSAGE = b'{"args": [], "kwargs": {"name": "Bench ceiling", "request_id": "0123456789abcdef"}}' * 3
INSERT_BATCH = 1_000
INSERT_ONE_THREADS = 8
FLOOR_CONCURRENCY = 32
FLOOR_CONTEST = "bench-floor"


async def run(target: Target, profile: Profile) -> ScenarioResult:
    result = ScenarioResult(5, "ceilings")
    deadline = time.monotonic() + profile.scenario_timeout
    publish, consume, round_trip = await _amqp(target.amqp_uri, profile, deadline)
    result.add("AMQP publish+confirm", publish, "msg/s")
    result.add("AMQP consume", consume, "msg/s")
    result.add("AMQP round trip p50", round_trip.percentile_ms(50), "ms")
    result.add("AMQP round trip p99", round_trip.percentile_ms(99), "ms")
    result.notes.append(
        f"AMQP: {profile.amqp_messages:,} messages of {len(MESSAGE)} B on the bench vhost, "
        f"{PUBLISH_WINDOW} confirms outstanding; consume with no ack (as the gateway does); round trip = "
        f"publish with confirm until our own consumer has it, one at a time, {profile.round_trips} times")
    for label, path in (("HTTP floor (/healthz)", "/healthz"),
                        ("HTTP + RPC floor (contest lookup)", f"/api/contests/{FLOOR_CONTEST}")):
        rate, cpu_ms = await _request_floor(target, path, profile.floor_requests, profile.scenario_timeout)
        result.add(label, rate, "req/s")
        result.notes.append(f"{label}: {profile.floor_requests:,} GETs of {path} by wrk, {FLOOR_CONCURRENCY} at once; "
                            f"CPU ms per request {cpu_ms}")
    if target.mongo_url:
        many, one = await asyncio.to_thread(_mongo, target.mongo_url, profile, deadline)
        result.add("Mongo insert_many", many, "docs/s")
        result.add("Mongo insert_one", one, "ops/s")
        result.notes.append(
            f"Mongo: {profile.mongo_documents:,} documents by insert_many in batches of {INSERT_BATCH:,}; "
            f"insert_one from {INSERT_ONE_THREADS} threads, {profile.mongo_documents // 20:,} documents; "
            "a scratch database on the stack's server, dropped afterwards")
    else:
        result.notes.append("Mongo ceiling skipped: set MONGO_URL with BENCH_URL to measure it")
    return result


async def _request_floor(target: Target, path: str, count: int, limit: float) -> tuple[float, dict]:
    """Requests/s one gateway answers for `path` (wrk, as fast as it answers), and the CPU each
    process spent per request."""
    async with http_client(target.base_url, 1) as client:
        organiser = {"Authorization": f"Bearer {target.organiser_token}"}
        expect(await client.put(f"/api/admin/quiz/contests/{FLOOR_CONTEST}", headers=organiser, json={
            "title": "Bench floor", "opens_at": "2026-01-01T00:00:00+00:00",
            "closes_at": "2036-01-01T00:00:00+00:00"}), 200)
    run, _, cpu_ms = await measured(target.pids, target.base_url, [Request(0.0, "GET", path)] * count,
                                    FLOOR_CONCURRENCY, limit=limit)
    return run.rate if run.failed == 0 else 0.0, cpu_ms


async def _amqp(amqp_uri: str, profile: Profile, deadline: float) -> tuple[float, float, Histogram]:
    connection = await aio_pika.connect(amqp_uri)
    try:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(f"bench-ceiling-{secrets.token_hex(4)}", auto_delete=True)
        publish = await _publish_rate(channel, queue.name, profile.amqp_messages, deadline)
        consume = await _consume_rate(queue, profile.amqp_messages, deadline)
        round_trip = await _round_trips(channel, profile.round_trips, deadline)
        return publish, consume, round_trip
    finally:
        await connection.close()


async def _publish_rate(channel: aio_pika.abc.AbstractChannel, routing_key: str, count: int,
                        deadline: float) -> float:
    window = asyncio.Semaphore(PUBLISH_WINDOW)
    exchange = channel.default_exchange

    async def one() -> None:
        try:
            await exchange.publish(aio_pika.Message(MESSAGE), routing_key=routing_key)
        finally:
            window.release()

    started = time.monotonic()
    tasks = []
    for _ in range(count):
        await window.acquire()
        if time.monotonic() > deadline:
            window.release()
            break
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return len(tasks) / (time.monotonic() - started)


async def _consume_rate(queue: aio_pika.abc.AbstractQueue, count: int, deadline: float) -> float:
    received = 0
    done = asyncio.Event()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal received
        received += 1
        if received >= count:
            done.set()

    started = time.monotonic()
    tag = await queue.consume(on_message, no_ack=True)
    try:
        await asyncio.wait_for(done.wait(), max(1.0, deadline - time.monotonic()))
    except TimeoutError:
        pass
    seconds = time.monotonic() - started
    await queue.cancel(tag)
    return received / seconds


async def _round_trips(channel: aio_pika.abc.AbstractChannel, count: int, deadline: float) -> Histogram:
    queue = await channel.declare_queue(f"bench-rtt-{secrets.token_hex(4)}", exclusive=True)
    arrived: asyncio.Queue[None] = asyncio.Queue()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        arrived.put_nowait(None)

    await queue.consume(on_message, no_ack=True)
    histogram = Histogram()
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        started = time.monotonic()
        await channel.default_exchange.publish(aio_pika.Message(MESSAGE), routing_key=queue.name)
        await asyncio.wait_for(arrived.get(), 10)
        histogram.add(time.monotonic() - started)
    return histogram


def _document(i: int) -> dict:
    """About the size and shape of an attendee."""
    return {"code": f"C{i:06d}", "name": f"Bench ceiling {i}", "phone": None, "commune": "Bát Xát",
            "group": "student", "request_id": secrets.token_hex(8), "registered_at": datetime.now(UTC)}


def _mongo(url: str, profile: Profile, deadline: float) -> tuple[float, float]:
    """(insert_many documents/s, insert_one documents/s) into a scratch database."""
    client: MongoClient[dict[str, Any]] = MongoClient(url, serverSelectionTimeoutMS=5000)
    name = f"bench_ceiling_{secrets.token_hex(4)}"
    try:
        collection = client[name]["docs"]
        started, written = time.monotonic(), 0
        while written < profile.mongo_documents and time.monotonic() < deadline:
            size = min(INSERT_BATCH, profile.mongo_documents - written)
            collection.insert_many([_document(written + i) for i in range(size)], ordered=False)
            written += size
        many = written / (time.monotonic() - started)
        one = _insert_one_rate(client[name]["one"], profile.mongo_documents // 20, deadline)
        return many, one
    finally:
        client.drop_database(name)
        client.close()


def _insert_one_rate(collection, count: int, deadline: float) -> float:
    lock = threading.Lock()
    written = 0

    def writer() -> None:
        nonlocal written
        while time.monotonic() < deadline:
            with lock:
                if written >= count:
                    return
                written += 1
                i = written
            collection.insert_one(_document(i))

    threads = [threading.Thread(target=writer) for _ in range(INSERT_ONE_THREADS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return written / (time.monotonic() - started)
