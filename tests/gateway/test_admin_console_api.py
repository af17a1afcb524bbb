"""What the organisers' console asks of the API beyond the booths and passes it always had: a device's
scans today, refused scans at one booth or for one reason, the passport rule as set, a bank uploaded as
a file (refused whole, every bad row named), and an organiser's pass that opens the console."""
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from tests.conftest import ORGANISER

GOOD = {"id": "q1", "text": {"vi": "Mã OTP có nên chia sẻ?", "en": "Share your OTP?"},
        "choices": [{"vi": "Có"}, {"vi": "Không"}], "correct": "B"}


@pytest.fixture(scope="module")
def booth(api) -> str:
    assert api.put("/api/admin/booths/quay-so", json={"name": {"vi": "Quầy số"}}, headers=ORGANISER).status_code == 200
    return "quay-so"


def scan(api, token: str, payload: str) -> dict:
    return api.post("/api/checkins", json={"scan_id": uuid.uuid4().hex, "payload": payload},
                    headers={"Authorization": f"Bearer {token}"}).json()


def test_the_console_lists_its_sections_in_order_in_vietnamese_and_english(api):
    page = api.get("/admin")
    ids = ["admin-booths", "admin-staff", "admin-bank", "admin-contest", "admin-passport", "admin-results"]
    assert page.status_code == 200 and [page.text.index(f'id="{name}"') for name in ids] == sorted(
        page.text.index(f'id="{name}"') for name in ids)
    assert "Gian hàng và thiết bị" in page.text and "Booths and devices" in api.get("/admin?lang=en").text


def test_a_devices_scans_today_and_its_last_scan_are_listed(api, booth):
    device = api.post(f"/api/admin/booths/{booth}/devices", json={"label": "Máy Hoa"}, headers=ORGANISER).json()
    idle = api.post(f"/api/admin/booths/{booth}/devices", json={"label": "Máy Lan"}, headers=ORGANISER).json()
    for payload in ("xin chào", "https://example.org"):
        assert scan(api, device["device_token"], payload)["status"] == "rejected"
    listed = {d["device_id"]: d for d in api.get("/api/admin/devices", headers=ORGANISER).json()}
    assert listed[device["device_id"]]["scans_today"] == 2
    last_scan = datetime.fromisoformat(listed[device["device_id"]]["last_scan_at"])
    assert timedelta(0) <= datetime.now(UTC) - last_scan < timedelta(minutes=1)  # an aware time, just now
    assert (listed[idle["device_id"]]["scans_today"], listed[idle["device_id"]]["last_scan_at"]) == (0, None)


def test_refused_scans_are_filtered_by_booth_and_by_reason(api, booth):
    other = "quay-hai"
    api.put(f"/api/admin/booths/{other}", json={"name": {"vi": "Quầy hai"}}, headers=ORGANISER).raise_for_status()
    here = api.post(f"/api/admin/booths/{booth}/devices", json={}, headers=ORGANISER).json()["device_token"]
    there = api.post(f"/api/admin/booths/{other}/devices", json={}, headers=ORGANISER).json()["device_token"]
    scan(api, there, "không phải mã")
    scan(api, there, "GXH6AGH")  # a well-formed code nobody registered
    at_other = api.get("/api/admin/rejected-scans", params={"booth_id": other}, headers=ORGANISER).json()
    assert sorted(s["reason"] for s in at_other) == ["malformed", "unknown"]
    scan(api, here, "GXH6AGK")
    unknown = api.get("/api/admin/rejected-scans", params={"reason": "unknown"}, headers=ORGANISER).json()
    assert sorted(s["booth_id"] for s in unknown) == [other, booth]


def test_the_passport_rule_reads_back_as_set(api, booth):
    assert api.put("/api/admin/passport", json={"required": 1}, headers=ORGANISER).status_code == 200
    assert api.get("/api/admin/passport", headers=ORGANISER).json() == {"required": 1, "booths_needed": 1}
    api.put("/api/admin/passport", json={"required": None}, headers=ORGANISER).raise_for_status()
    rule = api.get("/api/admin/passport", headers=ORGANISER).json()
    assert rule["required"] is None and rule["booths_needed"] == len(
        api.get("/api/booths").json())


def test_a_bank_file_with_bad_rows_is_refused_whole_naming_each_row_and_field_in_the_pages_language(api):
    api.put("/api/admin/quiz/bank.json", content=json.dumps([GOOD]), headers=ORGANISER).raise_for_status()
    bad = [GOOD, {**GOOD, "id": "q2", "correct": "Z"}, {**GOOD, "id": "q1"}, {**GOOD, "id": "q4", "text": ""}]
    refused = api.put("/api/admin/quiz/bank.json?lang=en", content=json.dumps(bad), headers=ORGANISER)
    assert refused.status_code == 422
    assert {field: problem["code"] for field, problem in refused.json()["fields"].items()} == {
        "row 2: correct": "bank_bad_letter", "row 3: id": "bank_twice", "row 4: text_vi": "required"}
    assert refused.json()["fields"]["row 3: id"]["message"] == "this id is already on an earlier row"
    vietnamese = api.put("/api/admin/quiz/bank.json?lang=vi", content=json.dumps(bad), headers=ORGANISER).json()
    assert vietnamese["fields"]["row 3: id"]["message"] == "mã câu hỏi này đã có ở dòng trên"
    assert [q["id"] for q in api.get("/api/admin/quiz/bank", headers=ORGANISER).json()] == ["q1"]


def xlsx(*rows: list) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_excel_bank_is_imported_or_refused_naming_the_rows_excel_shows(api):
    header = ["id", "text_vi", "a_vi", "b_vi", "correct"]
    refused = api.put("/api/admin/quiz/bank.xlsx?lang=en", headers=ORGANISER, content=xlsx(
        header, ["x1", "Câu một?", "Có", "Không", "A"], [], ["x2", "Câu hai?", "Có", "", 2]))
    assert refused.status_code == 422 and {f: p["code"] for f, p in refused.json()["fields"].items()} == {
        "row 4: choices": "bank_choice_count", "row 4: correct": "bank_bad_letter"}
    imported = api.put("/api/admin/quiz/bank.xlsx", headers=ORGANISER, content=xlsx(
        header, ["x1", "Câu một?", "Có", "Không", "A"], [2, "Câu hai?", "Có", "Không", "B"]))
    assert imported.json() == {"imported": 2}
    assert [q["id"] for q in api.get("/api/admin/quiz/bank", headers=ORGANISER).json()] == ["x1", "2"]


def test_an_excel_file_that_is_no_workbook_is_refused_in_the_pages_language(api):
    renamed = api.put("/api/admin/quiz/bank.xlsx?lang=en", content=b"id,text_vi\n", headers=ORGANISER)
    assert renamed.status_code == 422 and renamed.json()["fields"]["bank"]["code"] == "bank_not_xlsx"
    old = api.put("/api/admin/quiz/bank.xlsx?lang=vi", content=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
                  headers=ORGANISER)
    assert old.status_code == 422 and old.json()["fields"]["bank"]["message"].startswith("Đây là tệp .xls cũ")


def test_the_excel_template_explains_its_columns_in_the_pages_language(api):
    template = api.get("/api/admin/quiz/bank-template.xlsx?lang=en", headers=ORGANISER)
    assert template.headers["content-disposition"] == 'attachment; filename="question-bank.xlsx"'
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert sheet.title == "Question bank" and [c.value for c in sheet[1]][:3] == ["id", "text_vi", "text_en"]
    assert sheet["A1"].comment.text.startswith("The question's id")
    assert load_workbook(io.BytesIO(api.get("/api/admin/quiz/bank-template.xlsx?lang=vi", headers=ORGANISER)
                                    .content)).active.title == "Ngân hàng câu hỏi"
    assert api.get("/api/admin/quiz/bank-template.xlsx").status_code == 401


def test_a_file_that_is_no_bank_is_refused_and_only_organisers_may_upload(api, stack):
    not_utf8 = api.put("/api/admin/quiz/bank.csv", content="id,text_vi\n".encode("utf-16"), headers=ORGANISER)
    assert not_utf8.status_code == 422 and not_utf8.json()["fields"]["bank"]["code"] == "bank_not_utf8"
    assert api.put("/api/admin/quiz/bank.pdf", content=b"%PDF", headers=ORGANISER).status_code == 422
    assert api.put("/api/admin/quiz/bank.csv", content=b"x" * 2_000_001, headers=ORGANISER).status_code == 413
    assert api.put("/api/admin/quiz/bank.xlsx", content=b"x" * 2_000_001, headers=ORGANISER).status_code == 413
    assert api.put("/api/admin/quiz/bank.csv", content=b"id\n").status_code == 401
    assert api.put("/api/admin/quiz/bank.xlsx", content=xlsx(["id"])).status_code == 401
    mc = api.post("/api/admin/staff", json={"role": "mc"}, headers=ORGANISER).json()["token"]
    for file_format in ("csv", "xlsx"):
        assert api.put(f"/api/admin/quiz/bank.{file_format}", content=b"id\n",
                       headers={"Authorization": f"Bearer {mc}"}).status_code == 403


def test_an_organisers_pass_opens_the_console_and_works_there(api):
    issued = api.post("/api/admin/staff", json={"role": "organiser", "label": "Chị Thu"}, headers=ORGANISER).json()
    assert issued["link"].endswith(f"/admin#token={issued['token']}") and issued["link_qr_svg"].startswith("<svg")
    assert api.get("/api/admin/passport", headers={"Authorization": f"Bearer {issued['token']}"}).status_code == 200
