"""Outages: the user is told to retry, and nothing is stored behind their back.

This module's stacks have a broker vhost of their own, so no healthy service elsewhere
answers in their place.
"""
import uuid

import httpx

from shared.mongo import connect
from tests.gateway.bursts import Burst, Request, settled, stats
from tools.stack import free_port


def test_with_the_broker_unreachable_registration_answers_503_with_a_retry_hint(stack_factory):
    gateway = stack_factory(services=(), wait_ready=False,
                            AMQP_URI=f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    response = httpx.post(f"{gateway.base_url}/api/attendees", json={"consent": True, "name": "An"}, timeout=15)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["message"].startswith("Hệ thống đang bận")
    assert httpx.get(f"{gateway.base_url}/readyz").status_code == 503


def test_a_database_restart_answers_503_then_nothing_is_half_written(stack_factory, tmp_path):
    stack = stack_factory(MONGO_URL="", mongo_storage=str(tmp_path / "db"))
    requests = [Request("POST", "/api/attendees",
                        {"consent": True, "name": f"Khách {i}", "request_id": uuid.uuid4().hex})
                for i in range(150)]

    # Down for longer than a service waits for the database before it answers 503.
    burst = Burst(stack.base_url, requests, threads=6).run(begin=lambda: stack.stop("mongo"),
                                                           end=stack.start_mongo, outage=5)
    refused = [r for r in burst.refusals if r.status_code == 503]
    assert refused and all(r.headers["retry-after"] == "5" and "error" in r.json() for r in refused)
    assert len(burst.answers) == len(requests) and burst.statuses() <= {200, 201}
    codes = {response.json()["code"] for response in burst.answers.values()}
    assert len(codes) == len(requests), "each person registered once, retries answered with the same badge"
    with connect(stack.env["MONGO_URL"]) as own_database:
        assert own_database[stack.env["MONGO_DB"]]["attendees"].count_documents({}) == len(requests)
    assert settled(lambda: stats(stack)["registrations_total"], len(requests)) == len(requests)
