"""Faults under load: a service killed, and the broker restarted, mid-burst.

Clients behave as the pages do: a request that gets no answer, or 503, is sent again as it was
(same scan id, same request id, same entry), until it is answered. Afterwards every answered
request is stored exactly once and the live counters equal what is stored.
"""
import shutil
import subprocess
import uuid

import httpx
import pytest

from gateway.stats_feed import SNAPSHOT_MAX_AGE_SECONDS
from tests.conftest import ORGANISER
from tests.gateway.bursts import Burst, Request, answered, settled, stats
from tools.stack import wait_for_port

BOOTHS = ("dich-vu-cong", "chu-ky-so", "thanh-toan")
RPC_TIMEOUT_SECONDS = 5  # the stack_factory's
# Events published while the broker restarts can be lost; when they were the last ones, only the
# gateway's periodic snapshot shows them.
CATCH_UP_SECONDS = SNAPSHOT_MAX_AGE_SECONDS + 10


def rabbitmqctl(command: str) -> None:
    """stop_app, then start_app, restart the broker: every connection drops, unsaved messages go."""
    subprocess.run(["rabbitmqctl", command], check=True, capture_output=True, timeout=120)
    if command == "start_app":
        wait_for_port(5672, 60)


BROKER_RESTART = {"begin": lambda: rabbitmqctl("stop_app"), "end": lambda: rabbitmqctl("start_app"), "outage": 2}


def register(stack, count: int) -> list[dict]:
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        return [client.post("/api/attendees", json={"consent": True, "name": f"Khách {i}"}).raise_for_status().json()
                for i in range(count)]


def booth_devices(stack) -> dict[str, dict]:
    """A device token per booth, as a header."""
    devices = {}
    with httpx.Client(base_url=stack.base_url, timeout=10, headers=ORGANISER) as client:
        for order, booth_id in enumerate(BOOTHS):
            client.put(f"/api/admin/booths/{booth_id}", json={"name": {"vi": booth_id}, "order": order}
                       ).raise_for_status()
            token = client.post(f"/api/admin/booths/{booth_id}/devices", json={}).raise_for_status().json()
            devices[booth_id] = {"Authorization": f"Bearer {token['device_token']}"}
    return devices


def checkin_burst(stack, attendees: list[dict]) -> list[Request]:
    """Every attendee at every booth, each scan id once; every third scan repeated with a new id."""
    devices = booth_devices(stack)
    scans = [Request("POST", "/api/checkins", {"scan_id": uuid.uuid4().hex, "payload": person["token"]},
                     devices[booth]) for person in attendees for booth in BOOTHS]
    repeats = [Request("POST", "/api/checkins", {"scan_id": uuid.uuid4().hex, "payload": s.body["payload"]},
                       s.headers) for s in scans[::3]]
    return scans + repeats


def assert_checkins_stored_once(stack, mongo_client, attendees: list[dict], burst: Burst, before: dict) -> None:
    assert len(burst.answers) == len(burst.requests), "every scan is answered in the end"
    assert burst.statuses() == {200}
    outcomes = [response.json()["status"] for response in burst.answers.values()]
    visits = len(attendees) * len(BOOTHS)
    assert outcomes.count("checked_in") == visits
    assert outcomes.count("already_checked_in") == len(burst.requests) - visits
    db = mongo_client[stack.env["MONGO_DB"]]
    scan_ids = [request.body["scan_id"] for request in burst.requests]
    assert db["scans"].count_documents({"_id": {"$in": scan_ids}}) == len(scan_ids)
    assert db["visits"].count_documents({"attendee_code": {"$in": [a["code"] for a in attendees]}}) == visits
    expected = {"checkins_total": before["checkins_total"] + visits,
                "unique_visitors": before["unique_visitors"] + len(attendees)}
    assert settled(lambda: {name: stats(stack)[name] for name in expected}, expected, CATCH_UP_SECONDS) == expected


@pytest.fixture(scope="module")
def stack(stack_factory):
    """One stack for the module: two on one broker vhost would answer each other's calls."""
    return stack_factory()


def test_a_checkin_service_killed_mid_burst_loses_no_scan_and_counts_none_twice(stack, mongo_client):
    attendees, before = register(stack, 40), stats(stack)
    burst = Burst(stack.base_url, checkin_burst(stack, attendees))

    # Down long enough for the gateway to give up on some requests: they are answered 503.
    burst.run(begin=lambda: stack.kill("checkin"), end=lambda: stack.start_service("checkin"),
              outage=RPC_TIMEOUT_SECONDS)
    assert burst.refusals, "the kill was felt: some requests were refused and sent again"
    assert all(r.headers.get("retry-after") for r in burst.refusals if r.status_code == 503)
    assert_checkins_stored_once(stack, mongo_client, attendees, burst, before)


def test_a_checkin_service_stopped_cleanly_mid_burst_finishes_what_it_took(stack, mongo_client):
    """SIGTERM (a deploy, `systemctl stop`, Ctrl-C): the service finishes the scans it accepted before it
    exits; the rest wait for it (or are answered 503 and sent again), and each is stored once."""
    attendees, before = register(stack, 40), stats(stack)
    burst = Burst(stack.base_url, checkin_burst(stack, attendees))
    burst.run(begin=lambda: stack.stop("checkin"), end=lambda: stack.start_service("checkin"), outage=1)
    assert_checkins_stored_once(stack, mongo_client, attendees, burst, before)


local_broker = pytest.mark.skipif(shutil.which("rabbitmqctl") is None,
                                  reason="restarting the broker needs rabbitmqctl beside it")


@local_broker
def test_a_broker_restart_mid_burst_loses_no_scan_and_the_counters_catch_up(stack, mongo_client):
    attendees, before = register(stack, 40), stats(stack)
    burst = Burst(stack.base_url, checkin_burst(stack, attendees)).run(**BROKER_RESTART)
    # The restart reached the burst: scans sent while the broker was down were refused, or (the gateway
    # resending each command until the broker confirms it) waited for it to come back.
    assert burst.refusals or burst.unanswered_tries or max(burst.waited.values()) >= BROKER_RESTART["outage"] / 2
    assert_checkins_stored_once(stack, mongo_client, attendees, burst, before)


@local_broker
def test_a_broker_restart_mid_contest_scores_every_entry_once(stack, mongo_client):
    answered(stack, "PUT", "/api/admin/quiz/contests/thi-thu", headers=ORGANISER, json={
        "title": "Thi thử", "opens_at": "2026-01-01T00:00:00+07:00", "closes_at": "2036-01-01T00:00:00+07:00",
    }).raise_for_status()
    players = [{"name": f"Người chơi {i}", "phone": f"09{i:08d}", "commune": "Tân Thanh",
                "token": f"faults-player-{i:04d}"} for i in range(60)]
    started = Burst(stack.base_url, [Request("POST", "/api/contests/thi-thu/entries", p) for p in players])
    started.run(**BROKER_RESTART)
    entries = [response.json() for _, response in sorted(started.answers.items())]
    assert len(entries) == len(players) and started.statuses() == {201}
    submits = [Request("POST", f"/api/entries/{entry['entry_id']}/submit",
                       {"answers": {q["id"]: 0 for q in entry["questions"]}}) for entry in entries]
    Burst(stack.base_url, submits).run(**BROKER_RESTART)
    db = mongo_client[stack.env["MONGO_DB"]]
    assert db["entries"].count_documents({"status": "submitted"}) == len(players)
    assert db["entries"].count_documents({}) == len(players), "a retried start resumed its entry"
    published = answered(stack, "GET", "/api/contests/thi-thu/stats").json()  # the quiz may still reconnect
    assert (published["participants"], published["entries"]) == (len(players), len(players))
    expected = {"quiz_entries": len(players), "quiz_participants": len(players)}
    assert settled(lambda: {name: stats(stack)[name].get("thi-thu") for name in expected}, expected,
                   CATCH_UP_SECONDS) == expected
