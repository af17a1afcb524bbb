"""The online contest through the gateway: the bank import report, entries, and no leaked answers."""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import ORGANISER
from tests.gateway.bursts import settled

BANK = json.loads((Path(__file__).resolve().parents[2] / "services" / "quiz" / "sample_bank.json").read_text())
KEY = {q["id"]: "ABCDEF".index(q["correct"]) for q in BANK}


@pytest.fixture(scope="module")
def api(stack_factory):
    stack = stack_factory()
    with httpx.Client(base_url=stack.base_url, timeout=20) as client:
        client.put("/api/admin/quiz/bank", headers=ORGANISER, json=BANK).raise_for_status()
        now = datetime.now(UTC)
        client.put("/api/admin/quiz/contests/tinh", headers=ORGANISER, json={
            "title": "Tìm hiểu chuyển đổi số", "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(hours=1)).isoformat(), "ask_prediction": True}).raise_for_status()
        yield client


def open_contest(api: httpx.Client, contest_id: str, minutes_ago: int = 60) -> None:
    now = datetime.now(UTC)
    api.put(f"/api/admin/quiz/contests/{contest_id}", headers=ORGANISER, json={
        "title": contest_id, "opens_at": (now - timedelta(minutes=minutes_ago)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat()}).raise_for_status()


def play(api: httpx.Client, contest_id: str, phone: str, perfect: bool, token: str) -> dict:
    """One entry, started and submitted as the page does: every answer right, or none."""
    entry = api.post(f"/api/contests/{contest_id}/entries", json={
        "name": "Người chơi", "phone": phone, "commune": "Xã A", "token": token}).json()
    answers = {q["id"]: KEY[q["id"]] if perfect else (KEY[q["id"]] + 1) % 2 for q in entry["questions"]}
    return api.post(f"/api/entries/{entry['entry_id']}/submit", json={"answers": answers}).json()


def test_the_sample_bank_has_45_questions_and_only_organisers_see_its_answers(api):
    assert len(api.get("/api/admin/quiz/bank", headers=ORGANISER).json()) == 45
    assert api.get("/api/admin/quiz/bank").status_code == 401
    assert api.get("/api/contests/tinh").json()["questions"] == 45


def test_a_bad_csv_bank_gets_a_report_of_every_bad_row(api):
    csv = "id,text_vi,a_vi,b_vi,correct\nq1,Câu một?,Có,Không,B\nq2,,Có,Không,B\nq3,Câu ba?,Có,Không,Z\n"
    response = api.put("/api/admin/quiz/bank.csv", headers=ORGANISER | {"content-type": "text/csv"}, content=csv)
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert set(fields) == {"row 3: text_vi", "row 4: correct"}  # as a spreadsheet numbers them, below its header
    assert fields["row 4: correct"]["code"] == "bank_bad_letter"
    assert len(api.get("/api/admin/quiz/bank", headers=ORGANISER).json()) == 45  # nothing half-imported


def test_no_client_facing_answer_holds_the_key(api):
    entry = api.post("/api/contests/tinh/entries", json={"name": "An", "phone": "0912345001", "commune": "Xã A",
                                                         "token": "page-secret-an-0001"})
    assert entry.status_code == 201
    body = entry.json()
    assert len(body["questions"]) == 45 and body["ask_prediction"] is True
    leaked = json.dumps([body, api.get("/api/contests/tinh").json(), api.get("/api/contests/tinh/stats").json()])
    assert '"correct": "' not in leaked and "explanation" not in leaked
    answers = {q["id"]: KEY[q["id"]] for q in body["questions"]}
    result = api.post(f"/api/entries/{body['entry_id']}/submit", json={"answers": answers, "prediction": 5}).json()
    assert (result["correct"], result["total"], result["perfect"]) == (45, 45, True)
    assert "answers" not in result


def test_a_double_submit_scores_once_and_bad_input_gets_a_clear_error(api):
    body = api.post("/api/contests/tinh/entries", json={"name": "Bình", "phone": "0912345002",
                                                        "commune": "Xã B", "token": "page-secret-binh-01"}).json()
    first = api.post(f"/api/entries/{body['entry_id']}/submit", json={"answers": {}})
    again = api.post(f"/api/entries/{body['entry_id']}/submit", json={"answers": {body["questions"][0]["id"]: 0}})
    assert first.json() == again.json() and first.json()["correct"] == 0
    bad = api.post(f"/api/entries/{body['entry_id']}/submit", json={"answers": {"q01": "A"}})
    assert bad.status_code == 422 and bad.json()["fields"]["answers"]["message"]
    assert api.post("/api/entries/nope/submit", json={"answers": {}}).status_code == 404
    person = api.post("/api/contests/tinh/entries", json={"name": "", "phone": "12", "commune": "",
                                                          "token": "page-secret-none-01"})
    assert person.status_code == 422 and set(person.json()["fields"]) == {"name", "phone", "commune"}
    for token in (None, "short", "x" * 101, {"$ne": ""}, "ký tự lạ ngoài bảng chữ cái"):
        no_secret = api.post("/api/contests/tinh/entries?lang=en", json={
            "name": "Chi", "phone": "0912345003", "commune": "Xã C", "token": token})
        assert no_secret.status_code == 422
        assert no_secret.json()["fields"]["token"]["message"] == \
            "The page sent no secret entry token: please reload it."


@pytest.mark.parametrize("lang, written, name", [
    ("vi", "+84 924 129 332", "Người khác"), ("en", "0924129332", "Mai"), ("vi", "84924129332", "Mai"),
    ("en", "0924.129.332", "Kẻ lạ"),
])
def test_knowing_a_phone_number_never_reveals_its_open_entry(api, lang, written, name):
    mine = api.post("/api/contests/tinh/entries", json={
        "name": "Mai", "phone": "0924 129 332", "commune": "Xã A", "token": "mai-phone-secret-01"})
    assert mine.status_code == 201
    other = api.post(f"/api/contests/tinh/entries?lang={lang}", json={
        "name": name, "phone": written, "commune": "Xã B", "token": f"intruder-{lang}-{len(written):08d}"})
    assert other.status_code == 409 and other.json()["error"] == "entry_elsewhere"
    assert other.json()["message"].startswith("Người dự thi này" if lang == "vi" else "This participant")
    assert mine.json()["entry_id"] not in other.text and "Mai" not in other.text and "questions" not in other.text
    again = api.post("/api/contests/tinh/entries", json={
        "name": "Mai", "phone": "+84924129332", "commune": "Xã A", "token": "mai-phone-secret-01"})
    assert again.json()["entry_id"] == mine.json()["entry_id"]


def test_every_figure_and_live_counter_belongs_to_its_contest(api):
    open_contest(api, "mot", minutes_ago=30)
    open_contest(api, "hai", minutes_ago=10)
    assert [c["id"] for c in api.get("/api/contests").json()[:2]] == ["hai", "mot"]
    zero = {"participants": 0, "entries": 0, "perfect_participants": 0, "perfect_entries": 0,
            "fastest_perfect_seconds": None, "by_commune": {}, "leaderboard": []}
    assert api.get("/api/contests/hai/stats").json() == zero
    times = [play(api, "mot", "0933000001", True, "secret-one-000001")["duration_seconds"],
             play(api, "mot", "0933000001", False, "secret-one-000001")["duration_seconds"],
             play(api, "mot", "0933000002", False, "secret-two-000002")["duration_seconds"]]
    fastest_two = play(api, "hai", "0933000001", True, "secret-one-000001")["duration_seconds"]
    mot, hai = (api.get(f"/api/contests/{c}/stats").json() for c in ("mot", "hai"))
    assert (mot["participants"], mot["entries"], mot["perfect_participants"], mot["perfect_entries"]) == (2, 3, 1, 1)
    assert (hai["participants"], hai["entries"], hai["perfect_participants"], hai["perfect_entries"]) == (1, 1, 1, 1)
    assert (mot["fastest_perfect_seconds"], hai["fastest_perfect_seconds"]) == (times[0], fastest_two)
    assert (mot["by_commune"], hai["by_commune"]) == ({"Xã A": 2}, {"Xã A": 1})
    expected = {"quiz_participants": (2, 1), "quiz_entries": (3, 1), "quiz_perfect_participants": (1, 1),
                "quiz_perfect_entries": (1, 1), "quiz_fastest_perfect_seconds": (times[0], fastest_two)}

    def live() -> dict:
        values = api.get("/api/stats").json()
        return {name: (values[name].get("mot"), values[name].get("hai")) for name in expected}

    assert settled(live, expected) == expected
