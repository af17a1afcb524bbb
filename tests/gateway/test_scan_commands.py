"""Scans as durable commands: answered with their outcome once stored, stored once whatever fails."""
import threading

import httpx
import pytest

from tests.gateway.bursts import Burst, stats
from tests.gateway.test_faults import assert_checkins_stored_once, checkin_burst, register
from tests.waiting import wait_until


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory()


def test_each_scan_is_answered_with_its_attendee_once_stored(stack, mongo_client):
    attendees, before = register(stack, 10), stats(stack)
    burst = Burst(stack.base_url, checkin_burst(stack, attendees), threads=16)
    burst.run(begin=lambda: None, end=lambda: None, outage=0)
    assert burst.refusals == [] and burst.unanswered_tries == 0
    names = {a["token"]: a["name"] for a in attendees}
    assert all(burst.answers[i].json()["attendee"]["name"] == names[request.body["payload"]]
               for i, request in enumerate(burst.requests))
    assert_checkins_stored_once(stack, mongo_client, attendees, burst, before)


def test_a_scan_sent_again_gets_its_stored_outcome(stack):
    [attendee] = register(stack, 1)
    request = checkin_burst(stack, [attendee])[0]
    first, again = (httpx.post(f"{stack.base_url}{request.path}", json=request.body, headers=request.headers,
                               timeout=10).json() for _ in range(2))
    assert first["status"] == "checked_in" and again == first | {"replayed": True}


def test_the_checkin_service_killed_mid_burst_loses_no_scan_and_counts_none_twice(stack, mongo_client):
    """Scans wait on the durable queue while the service restarts; a batch it was writing comes again."""
    attendees, before = register(stack, 40), stats(stack)
    restarted = threading.Event()

    def back() -> None:
        stack.start_service("checkin")
        restarted.set()

    burst = Burst(stack.base_url, checkin_burst(stack, attendees), threads=16)
    burst.run(begin=lambda: stack.kill("checkin"), end=back, outage=1)
    assert restarted.is_set()
    assert wait_until(lambda: httpx.get(f"{stack.base_url}/readyz").json()["missing"], lambda m: m == [], 30) == []
    assert all(r.headers.get("retry-after") for r in burst.refusals if r.status_code == 503)
    assert_checkins_stored_once(stack, mongo_client, attendees, burst, before)
