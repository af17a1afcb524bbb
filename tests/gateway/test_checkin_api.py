"""Booth check-in through the gateway: organisers set up, devices scan, screens see the counts."""
import json

import pytest
from websockets.sync.client import connect as ws_connect

from tests.conftest import ORGANISER


@pytest.fixture(scope="module")
def booth_device(api) -> dict:
    api.put("/api/admin/booths/an-toan-mang", headers=ORGANISER, json={
        "name": {"vi": "An toàn trên không gian mạng", "en": "Cyber-safety"}, "order": 1}).raise_for_status()
    response = api.post("/api/admin/booths/an-toan-mang/devices", headers=ORGANISER, json={"label": "phone"})
    assert response.status_code == 201
    return response.json()


def as_device(device: dict) -> dict:
    return {"Authorization": f"Bearer {device['device_token']}"}


@pytest.mark.parametrize("headers, status", [({}, 401), ({"Authorization": "Bearer wrong"}, 401),
                                             ({"Authorization": "Basic abc"}, 401)])
def test_the_organisers_api_needs_the_organiser_token(api, headers, status):
    response = api.get("/api/admin/devices", headers=headers)
    assert response.status_code == status and response.json()["message"]


def test_a_booth_with_bad_fields_is_refused_per_field(api):
    response = api.put("/api/admin/booths/Bad_Id", headers=ORGANISER, json={"name": {"en": "x"}, "order": "1"})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"id", "name.vi", "order"}


def test_a_new_device_gets_a_scanner_link_and_a_pairing_code(booth_device, stack):
    assert booth_device["link"].startswith(f"{stack.base_url}/scan#device=")
    assert len(booth_device["pairing_code"]) == 8
    assert booth_device["link_qr_svg"].startswith("<svg")


def test_scanning_without_a_device_token_is_refused(api):
    response = api.post("/api/checkins", json={"scan_id": "scan-00000001", "payload": "XXXXXXX"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_device_is_refused(api):
    device = api.post("/api/admin/booths/an-toan-mang/devices", headers=ORGANISER, json={}).json()
    assert api.delete(f"/api/admin/devices/{device['device_id']}", headers=ORGANISER).status_code == 204
    response = api.post("/api/checkins", headers=as_device(device),
                        json={"scan_id": "scan-00000002", "payload": "XXXXXXX"})
    assert response.status_code == 403


def test_a_check_in_reaches_the_live_counters_and_shows_on_the_badge(api, stack, booth_device):
    attendee = api.post("/api/attendees", json={"consent": True, "name": "Hoàng Văn Páo"}).json()
    with ws_connect(stack.base_url.replace("http", "ws") + "/ws/stats", open_timeout=10) as ws:
        before = json.loads(ws.recv(timeout=5))["data"]
        outcome = api.post("/api/checkins", headers=as_device(booth_device), json={
            "scan_id": "scan-live-0001", "payload": attendee["token"]}).json()
        assert outcome["status"] == "checked_in"
        update = {}
        while "checkins_total" not in update:
            update.update(json.loads(ws.recv(timeout=1.5))["data"])
    assert update["checkins_total"] == before["checkins_total"] + 1
    assert update["checkins_by_booth"]["an-toan-mang"] == before["checkins_by_booth"].get("an-toan-mang", 0) + 1
    passport = api.get(f"/api/attendees/{attendee['code']}/passport").json()
    assert [b["id"] for b in passport["booths"] if b["visited"]] == ["an-toan-mang"]
    badge = api.get(f"/badge/{attendee['code']}")
    assert 'class="visited"' in badge.text and "An toàn trên không gian mạng" in badge.text


def test_a_refused_scan_is_listed_for_the_organisers(api, booth_device):
    outcome = api.post("/api/checkins", headers=as_device(booth_device), json={
        "scan_id": "scan-forged-01", "payload": "v1.eyJjIjoiQUFBIn0.AAAA"}).json()
    assert (outcome["status"], outcome["reason"]) == ("rejected", "forged")
    rejected = api.get("/api/admin/rejected-scans", headers=ORGANISER).json()
    assert "scan-forged-01" in [r["scan_id"] for r in rejected]
