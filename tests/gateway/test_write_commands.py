"""Scans and contest entries as durable commands: answered once stored, stored once whatever fails."""
import threading

import httpx
import pytest

from tests.conftest import ORGANISER
from tests.gateway.bursts import Burst, Request, answered, settled, stats
from tests.gateway.test_faults import CATCH_UP_SECONDS, assert_checkins_stored_once, checkin_burst, register
from tests.waiting import wait_until


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory()


def killed_and_restarted(stack, service: str, burst: Burst) -> Burst:
    """The burst with `service` SIGKILLed once a share of it was answered, and started again a second later."""
    restarted = threading.Event()

    def back() -> None:
        stack.start_service(service)
        restarted.set()

    burst.run(begin=lambda: stack.kill(service), end=back, outage=1)
    assert restarted.is_set()
    assert wait_until(lambda: httpx.get(f"{stack.base_url}/readyz").json()["missing"], lambda m: m == [], 30) == []
    assert all(r.headers.get("retry-after") for r in burst.refusals if r.status_code == 503)
    return burst


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
    burst = killed_and_restarted(stack, "checkin", Burst(stack.base_url, checkin_burst(stack, attendees),
                                                         threads=16))
    assert_checkins_stored_once(stack, mongo_client, attendees, burst, before)


def test_the_quiz_service_killed_mid_contest_starts_and_scores_every_entry_once(stack, mongo_client):
    answered(stack, "PUT", "/api/admin/quiz/contests/thi-giet", headers=ORGANISER, json={
        "title": "Thi thử", "opens_at": "2026-01-01T00:00:00+07:00", "closes_at": "2036-01-01T00:00:00+07:00",
    }).raise_for_status()
    players = [{"name": f"Người chơi {i}", "phone": f"08{i:08d}", "commune": "Tân Thanh",
                "token": f"killed-player-{i:04d}"} for i in range(60)]
    started = killed_and_restarted(stack, "quiz", Burst(stack.base_url, [
        Request("POST", "/api/contests/thi-giet/entries", p) for p in players], threads=16))
    entries = [response.json() for _, response in sorted(started.answers.items())]
    assert len(entries) == len(players) and started.statuses() == {201}
    submitted = killed_and_restarted(stack, "quiz", Burst(stack.base_url, [
        Request("POST", f"/api/entries/{entry['entry_id']}/submit",
                {"answers": {q["id"]: 0 for q in entry["questions"]}}) for entry in entries], threads=16))
    assert submitted.statuses() == {200}
    db = mongo_client[stack.env["MONGO_DB"]]
    assert db["entries"].count_documents({"contest_id": "thi-giet", "status": "submitted"}) == len(players)
    assert db["entries"].count_documents({"contest_id": "thi-giet"}) == len(players), "a retried start resumed"
    published = httpx.get(f"{stack.base_url}/api/contests/thi-giet/stats", timeout=10).json()
    assert (published["participants"], published["entries"]) == (len(players), len(players))
    expected = {"quiz_entries": len(players), "quiz_participants": len(players)}
    assert settled(lambda: {name: stats(stack)[name].get("thi-giet") for name in expected}, expected,
                   CATCH_UP_SECONDS) == expected
