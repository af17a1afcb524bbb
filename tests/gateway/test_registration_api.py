"""Registration through the gateway's HTTP API, with every service and the broker real."""
import json

import pytest
from websockets.sync.client import connect as ws_connect

from shared.signing import public_key_from_b64, verify_token
from tests.conftest import ORGANISER


def test_a_registered_attendee_gets_a_badge_with_a_verifiable_qr(api):
    response = api.post("/api/attendees", json={"consent": True, "name": "Lò Thị Mai", "phone": "0912 111 222",
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


PHONE_FORMS = ["0924129332", "+84 924 129 332", "84924129332", "(+84) 924-129-332"]


@pytest.mark.parametrize("index, typed", enumerate(PHONE_FORMS))
def test_knowing_a_phone_number_never_hands_over_its_badge(api, index, typed):
    phone = f"0924 129 3{40 + index}"
    first = api.post("/api/attendees", json={"consent": True, "name": "Hoàng Thị Mỷ", "phone": phone,
                                             "commune": "Xã Tân Thanh", "request_id": f"her-device-{index}"})
    assert first.status_code == 201
    other = typed.replace("332", f"3{40 + index}")
    refused = api.post("/api/attendees", json={"consent": True, "name": "Mỷ Hoàng", "phone": other,
                                               "request_id": f"other-{index}"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "phone_taken"
    assert refused.json()["message"].startswith("Số điện thoại này đã được đăng ký.")
    for secret in ("Hoàng Thị Mỷ", "Tân Thanh", first.json()["code"], first.json()["token"]):
        assert secret not in refused.text
    english = api.post("/api/attendees?lang=en", json={"consent": True, "name": "Mỷ Hoàng", "phone": other})
    assert (english.status_code, english.json()["message"][:40]) == (409, "This phone number is already registered.")


def test_the_same_device_retrying_gets_its_own_badge_back(api):
    body = {"consent": True, "name": "Hoàng Văn Páo", "phone": "+84 913 000 111", "request_id": "tap-páo"}
    first = api.post("/api/attendees", json=body)
    again = api.post("/api/attendees", json=body | {"phone": "0913000111"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() | {"created": False}
    reused = api.post("/api/attendees", json=body | {"phone": "0913000112"})
    assert (reused.status_code, reused.json()["error"]) == (409, "request_reused")


def test_a_lost_badge_comes_back_with_its_name_and_commune_and_never_with_the_phone_alone(api):
    mine = api.post("/api/attendees", json={"consent": True, "name": "Lò Thị Mai", "phone": "0914 000 222",
                                            "commune": "Xã Tân Thanh"}).json()
    found = api.post("/api/attendees/recover", json={"phone": "(+84) 914-000-222", "name": "lò thị mai",
                                                     "commune": "Xã  Tân Thanh"})
    assert found.status_code == 200 and found.json() == {k: v for k, v in mine.items() if k != "created"}
    for proof in ({"name": "Mai"}, {"name": "Lò Thị Mai", "commune": "Xã Tân Lập"}, {"name": "Lo Thi Mai"}):
        refused = api.post("/api/attendees/recover?lang=en", json={"phone": "0914000222", **proof})
        assert refused.status_code == 403 and refused.json()["error"] == "proof_mismatch"
        assert mine["code"] not in refused.text and "Lò" not in refused.text
    missing = api.post("/api/attendees/recover", json={"name": "Lò Thị Mai"})
    assert (missing.status_code, missing.json()["fields"]["phone"]["code"]) == (422, "required")


def test_the_help_desk_reissues_a_badge_by_phone_for_organisers_only(api):
    mine = api.post("/api/attendees", json={"consent": True, "name": "Vàng A Dế", "phone": "0915 000 333"}).json()
    path = "/api/admin/attendees/reissue"
    assert api.post(path, json={"phone": "0915000333"}).status_code == 401
    mc = api.post("/api/admin/staff", json={"role": "mc"}, headers=ORGANISER).json()["token"]
    assert api.post(path, json={"phone": "0915000333"}, headers={"Authorization": f"Bearer {mc}"}).status_code == 403
    found = api.post(path, json={"phone": "+84 915 000 333"}, headers=ORGANISER)
    assert found.status_code == 200 and found.json()["code"] == mine["code"]
    assert api.post(path, json={"phone": "0915000334"}, headers=ORGANISER).status_code == 404


def test_a_retried_request_without_a_phone_registers_once(api):
    body = {"consent": True, "name": "Nguyễn Văn An", "request_id": "tap-123"}
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
    response = api.post("/api/attendees", json=body | {"consent": True})
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "invalid" and list(error["fields"]) == [field]
    assert error["fields"][field]["code"] == code
    assert error["fields"][field]["message"] and "Traceback" not in response.text


def test_messages_are_vietnamese_by_default_and_english_on_request(api):
    vi = api.post("/api/attendees", json={"consent": True, "name": ""}).json()
    en = api.post("/api/attendees?lang=en", json={"consent": True, "name": ""}).json()
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
        api.post("/api/attendees", json={"consent": True, "name": "Người xem"})
        update = json.loads(ws.recv(timeout=1.5))
        assert update["type"] == "update" and update["data"]["registrations_total"] == before + 1
