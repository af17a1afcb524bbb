"""The organisers' files: the ranking in the published order with its figures, CSV Excel reads and Excel
workbooks holding the same rows, organisers only."""
import csv
import io
import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from openpyxl import load_workbook

from gateway.exports import EXPORTS, as_text
from tests.conftest import ORGANISER
from tests.gateway.test_quiz_api import BANK, KEY
from tests.waiting import wait_until

CONTEST = "ket-qua"
EXACT = 5  # the perfect entries this module plays: P1, P2, P3 and the attendee's two


def start(api: httpx.Client, who: dict, token: str) -> dict:
    entry = api.post(f"/api/contests/{CONTEST}/entries", json=who | {"token": token})
    assert entry.status_code == 201, entry.text
    return entry.json()


def submit(api: httpx.Client, entry: dict, perfect: bool, prediction: int) -> None:
    answers = {q["id"]: KEY[q["id"]] if perfect else (KEY[q["id"]] + 1) % 2 for q in entry["questions"]}
    api.post(f"/api/entries/{entry['entry_id']}/submit", json={"answers": answers, "prediction": prediction}
             ).raise_for_status()


def person(number: int) -> dict:
    return {"name": f"Người {number}", "phone": f"091200000{number}", "commune": f"Xã {number % 2}"}


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory()


@pytest.fixture(scope="module")
def played(stack):
    """Ties each way once the contest closes: two with the exact prediction (told apart by duration), two 3 off
    (by duration: P3 started first and submitted last), one with nothing right; the attendee's closest entry counts."""
    with httpx.Client(base_url=stack.base_url, timeout=20) as api:
        api.put("/api/admin/quiz/bank", headers=ORGANISER, json=BANK).raise_for_status()
        now = datetime.now(UTC)
        closes = now + timedelta(seconds=10)
        api.put(f"/api/admin/quiz/contests/{CONTEST}", headers=ORGANISER, json={
            "title": "Kết quả", "opens_at": (now - timedelta(hours=1)).isoformat(), "closes_at": closes.isoformat(),
            "time_limit_seconds": 10, "ask_prediction": True}).raise_for_status()
        attendee = api.post("/api/attendees", json={"consent": True, "name": "Lò Thị Mai",
                                                     "phone": "0912 111 222", "commune": "Xã Tân Thanh"}).json()
        as_attendee = {"attendee_code": attendee["code"]}
        submit(api, start(api, as_attendee, "attendee-token-0001"), True, 100)
        attendee_slow = start(api, as_attendee, "attendee-token-0001")
        submit(api, start(api, person(1), "person-token-00001"), True, EXACT)
        submit(api, attendee_slow, True, EXACT)
        p3 = start(api, person(3), "person-token-00003")
        submit(api, start(api, person(2), "person-token-00002"), True, EXACT + 3)
        submit(api, p3, True, EXACT - 3)
        submit(api, start(api, person(4), "person-token-00004"), False, EXACT)
        yield api, closes, attendee


def rows_of(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def whole(rows: list[list[str]]) -> list[list[str]]:
    """Whole numbers without their ".0": a duration of 61 s is 61.0 in the CSV, and 61 in Excel."""
    return [[cell.removesuffix(".0") for cell in row] for row in rows]


def sheet_of(response: httpx.Response, name: str) -> list[list[str]]:
    """The workbook's rows as the CSV writes them: numbers and date-times as Excel's own, in the CSV's text."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    header, *rows = [list(row) for row in sheet.values]
    return whole([header, *([str(as_text(column, "" if value is None else value))
                             for column, value in zip(EXPORTS[name].columns, row, strict=True)] for row in rows)])


def board(api: httpx.Client) -> list[tuple]:
    leaderboard = api.get(f"/api/contests/{CONTEST}/stats").json()["leaderboard"]
    return [(r["name"], r["commune"], r["correct"], r["duration_seconds"]) for r in leaderboard]


def ranking(api: httpx.Client, **query: str) -> list[list[str]]:
    return rows_of(api.get("/api/admin/exports/contest-ranking.csv", params={"contest": CONTEST, **query},
                           headers=ORGANISER))


def figures(rows: list[list[str]]) -> list[tuple]:
    return [(row[1], row[2], int(row[4]), round(float(row[6]), 1)) for row in rows]


def test_before_the_close_the_ranking_file_is_the_leaderboard_in_full(played):
    api, closes, _ = played
    assert datetime.now(UTC) < closes, "the module played too slowly to see the contest open"
    header, *rows = ranking(api)
    assert header[0] == "Hạng" and header[-1] == "Xếp sau người trên vì"
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert figures(rows) == board(api)


def test_after_the_close_the_prediction_breaks_ties_as_on_the_leaderboard(played):
    api, closes, attendee = played
    wait_until(lambda: datetime.now(UTC), lambda now: now > closes, seconds=15)
    header, *rows = ranking(api, lang="en")
    assert header == ["Rank", "Name", "Commune", "Phone", "Correct answers", "Prediction", "Duration (seconds)",
                      "Submitted at", "Ranked below the row above by"]
    assert figures(rows) == board(api)
    assert [(row[1], row[3], row[5]) for row in rows] == [
        ("Người 1", "0912000001", "5"), ("Lò Thị Mai", "0912111222", "5"), ("Người 2", "0912000002", "8"),
        ("Người 3", "0912000003", "2"), ("Người 4", "0912000004", "5")]
    assert [row[8] for row in rows] == ["", "Duration", "Closeness of the prediction", "Duration",
                                        "Correct answers"]
    assert [row[4] for row in rows] == ["45", "45", "45", "45", "0"]
    submitted = datetime.strptime(rows[0][7], "%Y-%m-%d %H:%M:%S.%f")
    assert abs(submitted - datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=7)) < timedelta(minutes=2)


def test_the_ranking_workbook_is_the_leaderboard_with_excels_numbers_and_date_times(played):
    api, _, _ = played
    response = api.get("/api/admin/exports/contest-ranking.xlsx", params={"contest": CONTEST, "lang": "en"},
                       headers=ORGANISER)
    assert response.headers["content-disposition"].startswith(f'attachment; filename="contest-ranking-{CONTEST}-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Contest ranking" and sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert [type(c.value) for c in sheet[2]] == [int, str, str, str, int, int, float, datetime, type(None)]
    header, *rows = sheet_of(response, "contest-ranking")
    assert [header, *rows] == whole(ranking(api, lang="en"))
    assert figures(rows) == board(api)


def test_the_winners_file_is_the_top_of_the_ranking(played):
    api, _, _ = played
    winners = rows_of(api.get("/api/admin/exports/contest-winners.csv", params={"contest": CONTEST, "top": "2"},
                              headers=ORGANISER))
    assert winners == ranking(api)[:3]
    response = api.get("/api/admin/exports/contest-winners.csv", params={"contest": CONTEST}, headers=ORGANISER)
    assert response.headers["content-disposition"].startswith(f'attachment; filename="contest-winners-{CONTEST}-')


def test_the_communes_and_attendees_files_count_and_list_everyone(played):
    api, _, attendee = played
    communes = rows_of(api.get("/api/admin/exports/communes.csv", params={"contest": CONTEST}, headers=ORGANISER))
    assert communes == [["Mã xã", "Xã", "Người tham gia", "Lượt thi", "Lượt đúng tất cả"],
                        ["", "Xã 0", "2", "2", "1"], ["", "Xã 1", "2", "2", "2"], ["", "Xã Tân Thanh", "1", "2", "2"]]
    attendees = rows_of(api.get("/api/admin/exports/attendees.csv", headers=ORGANISER))
    assert [row[:5] for row in attendees[1:]] == [
        [attendee["code"], "Lò Thị Mai", "Xã Tân Thanh", "other", "0912111222"]]
    # A file that names people is in the audit log; the communes' names nobody.
    latest, before = api.get("/api/admin/audit", headers=ORGANISER).json()[:2]
    assert (latest["kind"], latest["route"], latest["who"]) == ("export", "/api/admin/exports/attendees.csv",
                                                                "organiser token")
    assert latest["subject"].startswith("attendees-") and before["route"] == "/api/admin/exports/contest-winners.csv"


def test_the_list_names_every_export_and_bad_requests_get_a_clear_refusal(played):
    api, _, _ = played
    listed = api.get("/api/admin/exports", headers=ORGANISER).json()
    assert [e["name"] for e in listed] == ["contest-ranking", "contest-winners", "communes", "attendees",
                                           "checkins", "passports", "rounds"]
    assert listed[1]["title"] == {"vi": "Người đoạt giải", "en": "Contest winners"}
    assert listed[1]["params"] == [{"name": "contest", "label": {"vi": "Mã cuộc thi", "en": "Contest id"}},
                                   {"name": "top", "label": {"vi": "Số người đoạt giải", "en": "Number of winners"}}]
    assert [(e["formats"], list(e["links"])) for e in listed] == [(["csv", "xlsx"], ["csv", "xlsx"])] * 7
    assert listed[2]["links"]["xlsx"].endswith("/api/admin/exports/communes.xlsx")
    pdf = api.get("/api/admin/exports/communes.pdf", params={"contest": CONTEST, "lang": "en"}, headers=ORGANISER)
    assert (pdf.status_code, pdf.json()["error"]) == (404, "unknown_format")
    assert pdf.json()["message"] == "No such file format: CSV (.csv) or Excel (.xlsx)."
    missing = api.get("/api/admin/exports/communes.csv", headers=ORGANISER)
    assert (missing.status_code, missing.json()["fields"]["contest"]["code"]) == (422, "required")
    assert api.get("/api/admin/exports/communes.csv", params={"contest": "nope"}, headers=ORGANISER
                   ).status_code == 404
    assert api.get("/api/admin/exports/nothing.csv", headers=ORGANISER).json()["error"] == "unknown_export"
    top = api.get("/api/admin/exports/contest-winners.csv", params={"contest": CONTEST, "top": "0"}, headers=ORGANISER)
    assert top.status_code == 422


@pytest.fixture(scope="module")
def device(played) -> dict:
    api, _, _ = played
    api.put("/api/admin/booths/gian-1", headers=ORGANISER, json={"name": {"vi": "Gian 1"}}).raise_for_status()
    return api.post("/api/admin/booths/gian-1/devices", headers=ORGANISER, json={"label": "máy"}).json()


def test_the_check_in_passport_and_round_files_hold_the_day(played, device):
    api, _, attendee = played
    api.put("/api/admin/passport", json={"required": 1}, headers=ORGANISER).raise_for_status()
    hours = {datetime.now(UTC) + timedelta(hours=7)}
    assert api.post("/api/checkins", headers={"Authorization": f"Bearer {device['device_token']}"}, json={
        "scan_id": "scan-export-01", "payload": attendee["token"]}).json()["status"] == "checked_in"
    hours = {f"{at:%Y-%m-%d %H}:00" for at in [*hours, datetime.now(UTC) + timedelta(hours=7)]}
    (header, checkins) = rows_of(api.get("/api/admin/exports/checkins.csv", headers=ORGANISER))
    assert checkins[:2] + checkins[3:] == ["gian-1", "Gian 1", "1"] and checkins[2] in hours
    passports = rows_of(api.get("/api/admin/exports/passports.csv", headers=ORGANISER))
    assert [row[:4] for row in passports[1:]] == [[attendee["code"], "Lò Thị Mai", "Xã Tân Thanh", "0912111222"]]
    created = api.post("/api/admin/quiz/rounds", json={"question_count": 2}, headers=ORGANISER).json()
    api.post(f"/api/rounds/{created['round_id']}/join", json={"name": "Páo"}).raise_for_status()
    rounds = rows_of(api.get("/api/admin/exports/rounds.csv", params={"lang": "en"}, headers=ORGANISER))
    assert rounds[0] == ["Round code", "Created at", "Rank", "Name", "Score"]
    assert [row[:1] + row[2:] for row in rounds[1:]] == [[created["round_id"], "1", "Páo", "0"]]


def test_every_workbook_holds_its_csvs_rows_in_order(played, device):
    api, _, _ = played
    for name in EXPORTS:
        query = {"contest": CONTEST, "top": "3"}
        xlsx = api.get(f"/api/admin/exports/{name}.xlsx", params=query, headers=ORGANISER)
        assert sheet_of(xlsx, name) == whole(rows_of(api.get(f"/api/admin/exports/{name}.csv", params=query,
                                                             headers=ORGANISER))), name


def test_a_workbook_leaves_nothing_open_in_the_gateway_when_its_client_goes_away(played, stack):
    api, _, _ = played
    fds = f"/proc/{stack.procs['gateway'].pid}/fd"

    def temporary_files() -> list[str]:
        links = []
        for fd in os.listdir(fds):
            try:
                links.append(os.readlink(f"{fds}/{fd}"))
            except FileNotFoundError:  # closed meanwhile
                pass
        return [link for link in links if link.endswith("(deleted)") or "openpyxl" in link]
    with api.stream("GET", "/api/admin/exports/attendees.xlsx", headers=ORGANISER) as response:
        assert response.status_code == 200  # and gone without reading the file
    assert wait_until(temporary_files, lambda files: files == [], seconds=10) == []


def test_only_organisers_download(played, device):
    api, _, _ = played
    mc = api.post("/api/admin/staff", json={"role": "mc", "label": "MC"}, headers=ORGANISER).json()["token"]
    for path in ["", *(f"/{name}.{fmt}" for name in EXPORTS for fmt in ("csv", "xlsx"))]:
        url = f"/api/admin/exports{path}"
        assert api.get(url, params={"contest": CONTEST}).status_code == 401
        assert api.get(url, params={"contest": CONTEST}, headers={"Authorization": f"Bearer {mc}"}).status_code == 403
        assert api.get(url, params={"contest": CONTEST},
                       headers={"Authorization": f"Bearer {device['device_token']}"}).status_code == 401
