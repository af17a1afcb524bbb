"""Personal data through the whole stack: consent at registration, the audit of staff views, and a
person's own copy and erasure across every service (the shredder: test_shredder.py)."""
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.privacy import CONSENT_VERSION, PSEUDONYM
from tests.conftest import ORGANISER
from tests.gateway.test_live_api import next_of_type, viewer
from tests.waiting import wait_for, wait_until
from tools.seed import DEMO_CONTEST, seed_quiz

PHONE = "0916 222 333"
FIGURES = ("registrations_total", "checkins_total", "unique_visitors", "quiz_participants", "quiz_entries",
           "live_comments_total", "live_questions_total")


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory(SHRED_CHECK_SECONDS="1")


@pytest.fixture(scope="module")
def db(stack, mongo_client):
    return mongo_client[stack.env["MONGO_DB"]]


def a_full_day(api: httpx.Client, name: str, phone: str | None, viewer_id: str) -> dict:
    """One person everywhere: registered, scanned at a booth, a contest entry, a stage round, a question."""
    attendee = api.post("/api/attendees", json={"consent": True, "name": name, "phone": phone,
                                                "commune": "Xã Tân Thanh"}).raise_for_status().json()
    api.put("/api/admin/booths/rieng-tu", headers=ORGANISER, json={"name": {"vi": "Riêng tư"}}).raise_for_status()
    device = api.post("/api/admin/booths/rieng-tu/devices", headers=ORGANISER, json={}).raise_for_status().json()
    api.post("/api/checkins", headers={"Authorization": f"Bearer {device['device_token']}"},
             json={"scan_id": uuid.uuid4().hex, "payload": attendee["token"]}).raise_for_status()
    seed_quiz(api, ORGANISER)
    entry = api.post(f"/api/contests/{DEMO_CONTEST}/entries", json={
        "attendee_code": attendee["code"], "token": uuid.uuid4().hex}).raise_for_status().json()
    api.post(f"/api/entries/{entry['entry_id']}/submit",
             json={"answers": {q["id"]: 0 for q in entry["questions"]}}).raise_for_status()
    round_id = api.post("/api/admin/quiz/rounds", headers=ORGANISER,
                        json={"question_count": 2, "seconds": 30}).raise_for_status().json()["round_id"]
    api.post(f"/api/rounds/{round_id}/join", json={"attendee_code": attendee["code"]}).raise_for_status()
    api.post("/api/live/questions", json={"viewer_id": viewer_id, "name": name,
                                          "text": f"{name} hỏi: có wifi không?"}).raise_for_status()
    return attendee


def figures(api: httpx.Client) -> dict:
    stats = api.get("/api/stats").json()
    contest = api.get(f"/api/contests/{DEMO_CONTEST}/stats").json()
    return {name: stats[name] for name in FIGURES} | {
        "contest": {k: contest[k] for k in ("participants", "entries", "by_commune")},
        "ranks": [row["correct"] for row in contest["leaderboard"]]}


def holds(db, needle: str) -> list[str]:
    """Every collection whose documents still contain `needle` anywhere."""
    return sorted(name for name in db.list_collection_names()
                  if any(needle in json.dumps(doc, default=str, ensure_ascii=False) for doc in db[name].find()))


def test_nobody_is_registered_without_consent_and_the_text_agreed_to_is_stored(api, db):
    refused = api.post("/api/attendees?lang=en", json={"name": "Lò Văn Sáng"})
    assert refused.status_code == 422
    assert refused.json()["fields"]["consent"] == {"code": "consent_required",
                                                   "message": "Please tick the box to agree before registering."}
    assert db["attendees"].count_documents({"name": "Lò Văn Sáng"}) == 0
    before = datetime.now(UTC)
    code = api.post("/api/attendees", json={"name": "Lò Văn Sáng", "consent": True}).json()["code"]
    stored = db["attendees"].find_one({"code": code})
    assert stored["consent_version"] == CONSENT_VERSION
    assert before - timedelta(seconds=1) <= stored["consent_at"].replace(tzinfo=UTC) <= datetime.now(UTC)


def test_organisers_can_make_the_phone_required_for_prizes(api):
    assert api.put("/api/admin/privacy", headers=ORGANISER, json={
        "retention_days": 365, "phone_required": True}).status_code == 200
    refused = wait_until(lambda: api.post("/api/attendees", json={"name": "Giàng A Páo", "consent": True}),
                         lambda response: response.status_code == 422)
    assert refused.json()["fields"]["phone"]["code"] == "required"
    page = api.get("/register")
    assert "Số điện thoại (để liên hệ trao giải)" in page.text and "365 ngày sau ngày hội" in page.text
    api.put("/api/admin/privacy", headers=ORGANISER, json={"retention_days": 365}).raise_for_status()
    wait_for(lambda: api.post("/api/attendees", json={"name": "Giàng A Páo", "consent": True}).status_code, 201)


def test_a_staff_view_of_personal_data_is_audited_with_who_when_and_what(api):
    mine = api.post("/api/attendees", json={"name": "Vàng A Dế", "phone": "0915 000 444", "consent": True}).json()
    lan = api.post("/api/admin/staff", headers=ORGANISER, json={"role": "organiser", "label": "Chị Lan"}).json()
    mc = api.post("/api/admin/staff", headers=ORGANISER, json={"role": "mc"}).json()
    for headers in (ORGANISER, {"Authorization": f"Bearer {lan['token']}"}):
        api.post("/api/admin/attendees/reissue", headers=headers, json={"phone": "0915000444"}).raise_for_status()
    records = api.get("/api/admin/audit", headers=ORGANISER).json()
    mine_seen = [r for r in records if r["subject"] == f"attendee {mine['code']}"]
    assert [(r["who"], r["kind"], r["route"]) for r in mine_seen] == [
        (f"pass {lan['pass_id']} (Chị Lan)", "view", "/api/admin/attendees/reissue"),
        ("organiser token", "view", "/api/admin/attendees/reissue")]
    assert datetime.fromisoformat(mine_seen[0]["at"]) > datetime.now(UTC) - timedelta(minutes=1)
    assert api.get("/api/admin/audit", headers={"Authorization": f"Bearer {mc['token']}"}).status_code == 403
    assert api.delete("/api/admin/audit", headers=ORGANISER).status_code == 405


def test_a_moderators_watching_of_viewers_posts_is_one_audit_record_not_one_per_refresh(api):
    moderator = api.post("/api/admin/staff", headers=ORGANISER, json={"role": "moderator", "label": "Anh Tú"}).json()
    for _ in range(3):  # the moderation page refreshes its list every few seconds
        api.get("/api/admin/live/posts", headers={"Authorization": f"Bearer {moderator['token']}"}).raise_for_status()
    watched = [(r["who"], r["kind"], r["subject"]) for r in api.get("/api/admin/audit", headers=ORGANISER).json()
               if r["route"] == "/api/admin/live/posts"]
    assert watched == [(f"pass {moderator['pass_id']} (Anh Tú)", "view", "livestream posts (all)")]


def test_a_person_sees_and_erases_their_data_in_every_service_and_the_figures_stay(stack, api, db):
    viewer_id = "viewer-" + uuid.uuid4().hex
    me = a_full_day(api, "Hờ Thị Sùng", PHONE, viewer_id)
    proof = {"code": me["code"].lower(), "phone": "+84 916 222 333", "viewer_id": viewer_id}
    refused = api.post("/api/my-data?lang=en", json=proof | {"phone": "0916222334"})
    assert (refused.status_code, refused.json()["error"]) == (403, "proof_mismatch")
    assert "Sùng" not in refused.text

    held = api.post("/api/my-data", json=proof).json()
    assert held["registration"]["attendee"] | {"registered_at": None, "consent_at": None} == {
        "code": me["code"], "name": "Hờ Thị Sùng", "phone": "0916222333", "commune": "Xã Tân Thanh",
        "group": "other", "registered_at": None, "consent_version": CONSENT_VERSION, "consent_at": None}
    assert [v["booth_id"] for v in held["checkin"]["visits"]] == ["rieng-tu"]
    assert [e["name"] for e in held["quiz"]["contest_entries"]] == ["Hờ Thị Sùng"]
    assert [p["name"] for p in held["quiz"]["round_players"]] == ["Hờ Thị Sùng"]
    assert [p["text"] for p in held["livestream"]["posts"]] == ["Hờ Thị Sùng hỏi: có wifi không?"]

    before = figures(api)
    watching = viewer(stack)
    assert api.post("/api/my-data/erase", json=proof).json() == {"erased": True}
    wait_for(lambda: holds(db, "Sùng") + holds(db, "0916222333"), [], seconds=15)
    assert figures(api) == before
    dropped = next_of_type(watching, "moderated")["post"]
    assert (dropped["status"], dropped["name"], dropped["text"]) == ("hidden", PSEUDONYM, ""), "open screens drop it"
    watching.close()
    again = api.post("/api/my-data", json=proof)
    assert (again.status_code, again.json()["error"]) == (403, "proof_mismatch")
    assert api.get(f"/api/attendees/{me['code']}").json()["name"] == PSEUDONYM
