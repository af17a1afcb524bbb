"""Two gateways side by side show the same numbers; each exposes metrics and readiness."""
import json
import threading
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect as ws_connect

from tests.conftest import ORGANISER
from tests.waiting import wait_for


@pytest.fixture(scope="module")
def gateways(stack_factory):
    """A whole stack and a second gateway process on the same broker and database."""
    first = stack_factory()
    second = stack_factory(services=(), MONGO_DB=first.env["MONGO_DB"])
    return first, second


def screen(gateway):
    socket = ws_connect(gateway.base_url.replace("http", "ws") + "/ws/stats", open_timeout=10)
    values = json.loads(socket.recv(timeout=5))["data"]
    return socket, values


def follow(socket, values: dict, until, seconds: float = 10.0) -> dict:
    """Apply updates to `values` until `until(values)` holds or time runs out."""
    deadline = time.monotonic() + seconds
    while not until(values) and time.monotonic() < deadline:
        try:
            values.update(json.loads(socket.recv(timeout=0.5))["data"])
        except TimeoutError:
            pass
    return values


def test_screens_on_two_gateways_agree_while_events_race_their_snapshots(gateways):
    first, second = gateways
    api = httpx.Client(base_url=first.base_url, timeout=20)
    api.put("/api/admin/booths/chu-ky-so", headers=ORGANISER, json={"name": {"vi": "Chữ ký số"}}).raise_for_status()
    device = api.post("/api/admin/booths/chu-ky-so/devices", headers=ORGANISER, json={}).json()
    scanner = {"Authorization": f"Bearer {device['device_token']}"}

    def event_burst(count: int, tag: str) -> None:
        with httpx.Client(base_url=first.base_url, timeout=20) as client:
            for i in range(count):
                attendee = client.post("/api/attendees", json={"consent": True, "name": f"{tag} {i}"}).json()
                client.post("/api/checkins", headers=scanner,
                            json={"scan_id": f"{tag}-{i:05d}", "payload": attendee["token"]})

    # Screens connect (and take their snapshots) while events are being made.
    burst = threading.Thread(target=event_burst, args=(30, "race"))
    burst.start()
    screens = [screen(first), screen(second)]
    more = [screen(second) for _ in range(2)]
    burst.join()
    event_burst(5, "after")
    truth = api.get("/api/stats").json()
    expected = {k: truth[k] for k in ("registrations_total", "checkins_total", "unique_visitors")}
    assert expected["checkins_total"] >= 35
    for socket, values in screens + more:
        shown = follow(socket, values, lambda v: all(v.get(k) == n for k, n in expected.items()))
        assert {k: shown.get(k) for k in expected} == expected
        assert shown["checkins_by_booth"]["chu-ky-so"] == expected["checkins_total"]
        socket.close()
    assert httpx.get(f"{second.base_url}/api/stats").json()["checkins_total"] == expected["checkins_total"]


def registered_events(gateway) -> float:
    """How many `attendee.registered` events this gateway has received, from its /metrics."""
    for family in text_string_to_metric_families(httpx.get(f"{gateway.base_url}/metrics").text):
        for sample in family.samples:
            if sample.name == "ndld_events_received_total" and sample.labels.get("type") == "attendee.registered":
                return sample.value
    return 0.0


def test_metrics_count_sockets_messages_and_event_lag(gateways):
    first, _ = gateways
    socket, _ = screen(first)
    before = registered_events(first)
    httpx.post(f"{first.base_url}/api/attendees", json={"consent": True, "name": "Đo đạc"}, timeout=10)
    assert wait_for(lambda: registered_events(first), before + 1) == before + 1
    metrics = httpx.get(f"{first.base_url}/metrics").text
    socket.close()
    assert 'ndld_ws_connections{hub="stats"} 1.0' in metrics
    assert 'ndld_ws_messages_sent_total{hub="stats"}' in metrics
    assert 'ndld_ws_slow_clients_dropped_total{hub="stats"} 0.0' in metrics
    assert "ndld_event_lag_seconds_count" in metrics


def test_health_and_readiness(gateways):
    first, _ = gateways
    assert httpx.get(f"{first.base_url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{first.base_url}/readyz").json() == {"ready": True, "missing": []}


def test_the_trend_has_sixty_minutes_with_this_minute_last(gateways):
    first, _ = gateways
    before = httpx.get(f"{first.base_url}/api/stats/trend").json()
    httpx.post(f"{first.base_url}/api/attendees", json={"consent": True, "name": "Xu hướng"}, timeout=10)
    after = httpx.get(f"{first.base_url}/api/stats/trend").json()
    assert len(after["registrations"]) == len(after["checkins"]) == 60
    assert sum(after["registrations"]) == sum(before["registrations"]) + 1 or after["registrations"][-1] == 1
