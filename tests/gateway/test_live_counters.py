"""A gateway that starts mid-event neither misses nor double-counts; outages answer 503."""
import threading
import time

import httpx

from tools.stack import free_port


def register_many(base_url: str, count: int, prefix: str) -> None:
    with httpx.Client(base_url=base_url, timeout=20) as client:
        for i in range(count):
            assert client.post("/api/attendees", json={"name": f"{prefix} {i}"}).status_code == 201


def test_a_gateway_started_during_registrations_reports_the_exact_total(stack_factory):
    first = stack_factory()
    register_many(first.base_url, 15, "before")
    # Registrations keep arriving while the second gateway starts and takes its snapshot.
    during = threading.Thread(target=register_many, args=(first.base_url, 40, "during"))
    during.start()
    second = stack_factory(services=(), MONGO_DB=first.env["MONGO_DB"])
    during.join()
    register_many(first.base_url, 5, "after")
    expected = 15 + 40 + 5
    for gateway in (first, second):
        assert _settled_total(gateway.base_url, expected) == expected


def _settled_total(base_url: str, expected: int) -> int:
    """The gateway's total once it reaches `expected`, or whatever it shows after 5 s."""
    deadline = time.monotonic() + 5
    while True:
        total = httpx.get(f"{base_url}/api/stats").json()["registrations_total"]
        if total == expected or time.monotonic() > deadline:
            return total
        time.sleep(0.1)


def test_with_the_broker_unreachable_registration_answers_503_with_a_retry_hint(stack_factory):
    gateway = stack_factory(services=(), wait_ready=False,
                            AMQP_URI=f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    response = httpx.post(f"{gateway.base_url}/api/attendees", json={"name": "An"}, timeout=15)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["message"].startswith("Hệ thống đang bận")
    assert httpx.get(f"{gateway.base_url}/readyz").status_code == 503


def test_with_the_database_down_registration_answers_503_and_stores_nothing(stack_factory):
    stack = stack_factory(MONGO_URL="")
    stack.stop("mongo")
    response = httpx.post(f"{stack.base_url}/api/attendees", json={"name": "An"}, timeout=15)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "error" in response.json()
