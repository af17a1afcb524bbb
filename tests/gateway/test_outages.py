"""Outages: the user is told to retry, and nothing is stored behind their back.

This module's stacks have a broker vhost of their own, so no healthy service elsewhere
answers in their place.
"""
import httpx

from tools.stack import free_port


def test_with_the_broker_unreachable_registration_answers_503_with_a_retry_hint(stack_factory):
    gateway = stack_factory(services=(), wait_ready=False,
                            AMQP_URI=f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    response = httpx.post(f"{gateway.base_url}/api/attendees", json={"name": "An"}, timeout=15)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["message"].startswith("Hệ thống đang bận")
    assert httpx.get(f"{gateway.base_url}/readyz").status_code == 503


def test_with_the_database_down_registration_answers_503_with_a_retry_hint(stack_factory):
    stack = stack_factory(MONGO_URL="")
    stack.stop("mongo")
    response = httpx.post(f"{stack.base_url}/api/attendees", json={"name": "An"}, timeout=15)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "error" in response.json()
