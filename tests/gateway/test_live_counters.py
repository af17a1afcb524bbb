"""A gateway that starts mid-event neither misses nor double-counts."""
import threading
import time

import httpx


def register_many(base_url: str, count: int, prefix: str) -> None:
    with httpx.Client(base_url=base_url, timeout=20) as client:
        for i in range(count):
            assert client.post("/api/attendees", json={"consent": True, "name": f"{prefix} {i}"}).status_code == 201


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
