"""The province's list of communes through the gateway: organisers load it, people search and pick from
it, and communes typed before it are matched to it or resolved by an organiser."""
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import ORGANISER

BANK = json.loads((Path(__file__).resolve().parents[2] / "services" / "quiz" / "sample_bank.json").read_text())
CSV = {"content-type": "text/csv"}
LIST = ("\ufeffcode,name,district\r\n08923,Xã Thanh Thủy,Vị Xuyên\r\n08938,Xã Thanh Đức,Vị Xuyên\r\n"
        "06061,Thị trấn Đồng Đăng,Cao Lộc\r\n02200,Xã Hồng Phong,Cao Lộc\r\n02201,Xã Hồng Phong,Bình Gia\r\n")


@pytest.fixture(scope="module")
def api(stack_factory):
    """A stack where people registered and entered the contest before any list was loaded."""
    stack = stack_factory()
    with httpx.Client(base_url=stack.base_url, timeout=20) as client:
        client.put("/api/admin/quiz/bank", headers=ORGANISER, json=BANK).raise_for_status()
        now = datetime.now(UTC)
        client.put("/api/admin/quiz/contests/xa", headers=ORGANISER, json={
            "title": "Xã", "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(hours=1)).isoformat()}).raise_for_status()
        for n, commune in enumerate(["thanh thuy", "Hồng Phong", "Hà Nội", "Hồng Phong"]):
            register(client, f"Người {n}", commune).raise_for_status()
        for n, commune in enumerate(["Xã Thanh Thủy", "hong phong"]):
            enter(client, f"091200{n:04d}", commune).raise_for_status()
        yield client


def register(api: httpx.Client, name: str, commune: str) -> httpx.Response:
    return api.post("/api/attendees", json={"consent": True, "name": name, "commune": commune})


def enter(api: httpx.Client, phone: str, commune: str) -> httpx.Response:
    """A contest entry started and submitted, so it counts in the contest's figures."""
    started = api.post("/api/contests/xa/entries", json={"name": "Người chơi", "phone": phone, "commune": commune,
                                                         "token": f"commune-test-{phone}"})
    if started.status_code == 201:
        api.post(f"/api/entries/{started.json()['entry_id']}/submit", json={"answers": {}}).raise_for_status()
    return started


def load(api: httpx.Client, text: str, headers: dict | None = ORGANISER) -> httpx.Response:
    return api.put("/api/admin/communes", headers=(headers or {}) | CSV, content=text.encode())


def test_a_bad_list_is_refused_whole_with_every_bad_row_and_only_organisers_load_one(api):
    assert api.get("/api/communes", params={"q": "thanh"}).json() == []  # no list: free text, no suggestions
    assert load(api, LIST, headers=None).status_code == 401
    bad = load(api, "code,name,district\n08923,Xã Thanh Thủy,Vị Xuyên\n,Xã Không Mã,A\n08923,,B\n")
    assert bad.status_code == 422
    assert bad.json()["error"] == "bad_rows" and bad.json()["message"].startswith("Tệp có dòng chưa đúng")
    assert [(r["row"], r["field"], r["code"]) for r in bad.json()["rows"]] == [
        (3, "code", "required"), (4, "code", "duplicate_code"), (4, "name", "required")]
    english = api.put("/api/admin/communes?lang=en", headers=ORGANISER | CSV, content=b"code,name\n")
    assert english.json()["rows"] == [{"row": 1, "field": "file", "code": "empty_file",
                                       "message": "The file has no data rows."}]
    assert api.get("/api/communes", params={"q": "thanh"}).json() == []  # nothing half-loaded


def test_loading_the_list_matches_the_communes_typed_before_it_when_only_one_fits(api):
    loaded = load(api, LIST)
    assert loaded.status_code == 200
    assert loaded.json() == {"loaded": 5, "matched": {"attendees": 1, "entries": 1}}
    assert api.get("/api/admin/communes/unmatched", headers=ORGANISER).json() == [
        {"text": "Hồng Phong", "attendees": 2, "entries": 0, "count": 2},
        {"text": "Hà Nội", "attendees": 1, "entries": 0, "count": 1},
        {"text": "hong phong", "attendees": 0, "entries": 1, "count": 1}]
    assert api.get("/api/admin/communes/unmatched").status_code == 401


@pytest.mark.parametrize("q", ["thanh thuy", "XA THANH THUY", "Thanh Thủy", "xã thanh t", "08923"])
def test_search_finds_a_commune_however_it_is_typed(api, q):
    assert api.get("/api/communes", params={"q": q}).json()[0] == {
        "code": "08923", "name": "Xã Thanh Thủy", "district": "Vị Xuyên"}


def test_search_gives_both_communes_of_a_name_with_their_districts(api):
    assert [(c["code"], c["district"]) for c in api.get("/api/communes", params={"q": "hong"}).json()] == [
        ("02201", "Bình Gia"), ("02200", "Cao Lộc")]


def test_with_a_list_the_commune_must_be_one_of_it_and_is_stored_by_code(api):
    refused = register(api, "Lan", "Hà Nội")
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"commune": {"code": "unknown_commune",
                                                    "message": "Vui lòng chọn xã, phường trong danh sách."}}
    attendee = register(api, "Lan", "08923").json()
    assert (attendee["commune_code"], attendee["commune"]) == ("08923", "Xã Thanh Thủy")
    assert api.get(f"/api/attendees/{attendee['code']}").json()["commune_code"] == "08923"
    assert register(api, "Lan", "Hồng Phong").status_code == 422  # two communes have that name
    assert set(enter(api, "0912009001", "Hà Nội").json()["fields"]) == {"commune"}
    assert enter(api, "0912009002", "06061").status_code == 201


def test_an_organiser_resolves_a_typed_commune_for_every_record_with_it(api):
    unknown = api.post("/api/admin/communes/resolve", headers=ORGANISER, json={"text": "Hồng Phong", "code": "99"})
    assert unknown.status_code == 422 and set(unknown.json()["fields"]) == {"code"}
    for text, code, attendees, entries in (("Hồng Phong", "02201", 2, 0), ("hong phong", "02200", 0, 1)):
        resolved = api.post("/api/admin/communes/resolve", headers=ORGANISER, json={"text": text, "code": code})
        assert resolved.json()["relabelled"] == {"attendees": attendees, "entries": entries}
    assert [u["text"] for u in api.get("/api/admin/communes/unmatched", headers=ORGANISER).json()] == ["Hà Nội"]
    # The contest's figures count by code: typed, matched, resolved and picked alike.
    by_commune = api.get("/api/contests/xa/stats").json()["by_commune"]
    assert by_commune == {"02200": 1, "06061": 1, "08923": 1}
    # The organisers' file groups as the figures do, under the list's names.
    file = api.get("/api/admin/exports/communes.csv", params={"contest": "xa"}, headers=ORGANISER)
    rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"))))
    assert rows == [["Mã xã", "Xã", "Người tham gia", "Lượt thi", "Lượt đúng tất cả"],
                    ["06061", "Thị trấn Đồng Đăng", "1", "1", "0"], ["02200", "Xã Hồng Phong", "1", "1", "0"],
                    ["08923", "Xã Thanh Thủy", "1", "1", "0"]]
    assert {code: int(n) for code, _, n, _, _ in rows[1:]} == by_commune


def test_loading_again_renames_by_code_and_keeps_every_reference(api):
    attendee = register(api, "Bình", "08938").json()
    assert load(api, LIST.replace("Xã Thanh Đức", "Phường Thanh Đức")).json()["loaded"] == 5
    again = api.get(f"/api/attendees/{attendee['code']}").json()
    assert (again["commune_code"], again["commune"]) == ("08938", "Phường Thanh Đức")
    assert api.get("/api/communes", params={"q": "thanh duc"}).json()[0]["name"] == "Phường Thanh Đức"
