"""Operator and markup injection: query operators in any field match nothing, and text a person
typed is shown as text on every page, never as markup."""
import pytest

from tests.conftest import ORGANISER

OPERATOR = {"$ne": ""}


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/devices/pair", {"pairing_code": OPERATOR}),
    ("POST", "/api/contests/x/entries", {"attendee_code": OPERATOR}),
    ("POST", "/api/live/questions/q1/upvote", {"viewer_id": OPERATOR}),
    ("POST", "/api/rounds/ABCDEF/answer", {"player_token": OPERATOR, "index": 0, "choice": 0}),
    ("POST", "/api/attendees", {"consent": True, "name": OPERATOR, "phone": {"$gt": ""}}),
])
def test_an_operator_in_a_field_is_refused_as_invalid(api, method, path, body):
    response = api.request(method, path, json=body)
    assert response.status_code == 422 and response.json()["fields"]


@pytest.mark.parametrize("path", ["/badge/%7B%22%24ne%22%3A1%7D", "/api/rounds/$where/state",
                                  "/api/contests/{\"$gt\":\"\"}"])
def test_an_operator_in_a_path_finds_nothing(api, path):
    assert api.get(path).status_code == 404


def test_an_operator_as_an_attendee_code_stamps_no_passport(api):
    passport = api.get('/api/attendees/{"$ne":""}/passport').json()
    assert passport["visited"] == 0 and not passport["completed"]


def test_an_operator_as_a_bearer_token_lets_nobody_in(api):
    for token in ('{"$ne": ""}', "[object Object]", "' || 1==1 //"):
        assert api.get("/api/devices/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert api.get("/api/admin/booths", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_answers_keyed_by_operators_count_nothing_and_store_nothing(api):
    api.put("/api/admin/quiz/contests/inject", headers=ORGANISER, json={
        "title": "x", "opens_at": "2026-01-01T00:00:00+00:00", "closes_at": "2036-01-01T00:00:00+00:00",
    }).raise_for_status()
    entry = api.post("/api/contests/inject/entries", json={"name": "An", "phone": "0912345678", "commune": "Tân Thanh",
                                                           "token": "inject-entry-token-0123456789"}).json()
    result = api.post(f"/api/entries/{entry['entry_id']}/submit", json={"answers": {"$where": 1, "a.b": 0}})
    assert result.status_code == 200 and result.json()["correct"] == 0


def test_a_name_with_markup_is_shown_as_text_on_the_badge(api):
    name = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    attendee = api.post("/api/attendees", json={"consent": True, "name": name}).json()
    page = api.get(f"/badge/{attendee['code']}").text
    assert "<img src=x" not in page and "<script>alert(2)" not in page
    assert "&lt;img src=x" in page
