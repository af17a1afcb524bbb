"""Registration through the gateway's HTTP API, with every service and the broker real."""
import json

import pytest
from websockets.sync.client import connect as ws_connect

from shared.signing import public_key_from_b64, verify_token


def test_a_registered_attendee_gets_a_badge_with_a_verifiable_qr(api):
    response = api.post("/api/attendees", json={"name": "Lò Thị Mai", "phone": "0912 111 222",
                                                "commune": "Xã Tân Thanh", "group": "youth_union"})
    assert response.status_code == 201
    attendee = response.json()
    assert attendee["name"] == "Lò Thị Mai" and "phone" not in attendee
    key = public_key_from_b64(api.get("/api/scanner-key").json()["public_key"])
    assert verify_token(key, attendee["token"]).code == attendee["code"]
    svg = api.get(f"/api/attendees/{attendee['code']}/qr.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and "<svg" in svg.text
    png = api.get(f"/api/attendees/{attendee['code'].lower()}/qr.png")
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")


def test_registering_the_same_phone_again_returns_the_existing_attendee(api):
    first = api.post("/api/attendees", json={"name": "Hoàng Văn Páo", "phone": "+84 913 000 111"})
    again = api.post("/api/attendees", json={"name": "Páo", "phone": "0913000111"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"] and again.json()["name"] == "Hoàng Văn Páo"


def test_a_retried_request_registers_once(api):
    body = {"name": "Nguyễn Văn An", "request_id": "tap-123"}
    first, again = api.post("/api/attendees", json=body), api.post("/api/attendees", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]


@pytest.mark.parametrize("body, field, code", [
    ({"name": ""}, "name", "required"),
    ({}, "name", "required"),
    ({"name": "x" * 81}, "name", "too_long"),
    ({"name": 7}, "name", "not_text"),
    ({"name": "An", "phone": "12345"}, "phone", "invalid_phone"),
    ({"name": "An", "commune": "c" * 81}, "commune", "too_long"),
    ({"name": "An", "group": "wizard"}, "group", "unknown_group"),
])
def test_each_invalid_field_gets_a_message_a_person_understands(api, body, field, code):
    response = api.post("/api/attendees", json=body)
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "invalid" and list(error["fields"]) == [field]
    assert error["fields"][field]["code"] == code
    assert error["fields"][field]["message"] and "Traceback" not in response.text


def test_messages_are_vietnamese_by_default_and_english_on_request(api):
    vi = api.post("/api/attendees", json={"name": ""}).json()
    en = api.post("/api/attendees?lang=en", json={"name": ""}).json()
    assert vi["fields"]["name"]["message"] == "Vui lòng nhập mục này."
    assert en["fields"]["name"]["message"] == "Please fill in this field."


def test_a_body_that_is_not_json_is_refused_clearly(api):
    response = api.post("/api/attendees", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"] == "invalid"


def test_an_unknown_badge_code_is_not_found(api):
    response = api.get("/api/attendees/XXXXXXX")
    assert response.status_code == 404 and response.json()["message"] == "Không tìm thấy."


def test_query_operators_in_a_code_find_nothing(api):
    assert api.get("/api/attendees/%7B%22$ne%22:null%7D").status_code == 404


def test_the_live_counter_sends_a_snapshot_then_each_new_registration(stack, api):
    with ws_connect(stack.base_url.replace("http", "ws") + "/ws/stats", open_timeout=10) as ws:
        snapshot = json.loads(ws.recv(timeout=5))
        assert snapshot["type"] == "snapshot"
        before = snapshot["data"]["registrations_total"]
        assert before == api.get("/api/stats").json()["registrations_total"]
        api.post("/api/attendees", json={"name": "Người xem"})
        update = json.loads(ws.recv(timeout=1.5))
        assert update["type"] == "update" and update["data"]["registrations_total"] == before + 1
