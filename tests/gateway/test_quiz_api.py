"""The online contest through the gateway: the bank import report, entries, and no leaked answers."""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import ORGANISER

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


def test_the_sample_bank_has_45_questions_and_only_organisers_see_its_answers(api):
    assert len(api.get("/api/admin/quiz/bank", headers=ORGANISER).json()) == 45
    assert api.get("/api/admin/quiz/bank").status_code == 401
    assert api.get("/api/contests/tinh").json()["questions"] == 45


def test_a_bad_csv_bank_gets_a_report_of_every_bad_row(api):
    csv = "id,text_vi,a_vi,b_vi,correct\nq1,Câu một?,Có,Không,B\nq2,,Có,Không,B\nq3,Câu ba?,Có,Không,Z\n"
    response = api.put("/api/admin/quiz/bank.csv", headers=ORGANISER | {"content-type": "text/csv"}, content=csv)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"row 2", "row 3"}
    assert "text.vi" in response.json()["fields"]["row 2"]["message"]
    assert len(api.get("/api/admin/quiz/bank", headers=ORGANISER).json()) == 45  # nothing half-imported


def test_no_client_facing_answer_holds_the_key(api):
    entry = api.post("/api/contests/tinh/entries", json={"name": "An", "phone": "0912345001", "commune": "Xã A"})
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
                                                        "commune": "Xã B"}).json()
    first = api.post(f"/api/entries/{body['entry_id']}/submit", json={"answers": {}})
    again = api.post(f"/api/entries/{body['entry_id']}/submit", json={"answers": {body["questions"][0]["id"]: 0}})
    assert first.json() == again.json() and first.json()["correct"] == 0
    bad = api.post(f"/api/entries/{body['entry_id']}/submit", json={"answers": {"q01": "A"}})
    assert bad.status_code == 422 and bad.json()["fields"]["answers"]["message"]
    assert api.post("/api/entries/nope/submit", json={"answers": {}}).status_code == 404
    person = api.post("/api/contests/tinh/entries", json={"name": "", "phone": "12", "commune": ""})
    assert person.status_code == 422 and set(person.json()["fields"]) == {"name", "phone", "commune"}


def test_the_stats_are_exact_and_reach_the_live_counters(api):
    stats = api.get("/api/contests/tinh/stats").json()
    live = api.get("/api/stats").json()
    assert stats["entries"] == live["quiz_entries"] >= 2
    assert stats["perfect_entries"] == live["quiz_perfect_entries"] >= 1
    assert live["quiz_fastest_perfect_seconds"] == stats["fastest_perfect_seconds"]
    assert stats["by_commune"]["Xã A"] >= 1
