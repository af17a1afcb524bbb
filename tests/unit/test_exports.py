"""The organisers' files' rows: shaped from the services' records, cells as a person reads them, CSV in pages,
Excel workbooks with Excel's own numbers and date-times."""
import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from gateway.exports import EXPORTS, as_text, cell, csv_chunks, headers, shape, xlsx_file
from gateway.i18n import LANGUAGES, text
from services.checkin.logic import checkins_by_hour
from services.quiz.export_rows import ranking_row
from services.quiz.logic import Result, rank_key

T0 = datetime(2026, 12, 2, 1, 30, 15, 250_000, tzinfo=UTC)  # 08:30 at the border market


def test_a_ranking_row_takes_the_phone_from_a_phone_entrant_and_leaves_an_attendees_to_the_registration() -> None:
    entry = {"participant": "p:0912000001", "name": "An", "commune": "Xã A",
             "result": {"correct": 45, "duration_ms": 61_234, "submitted_at": T0, "prediction": 500}}
    key = rank_key(Result(45, 61_234, T0, 500), 505)
    above = rank_key(Result(45, 60_000, T0, 510), 505)
    assert ranking_row(2, key, entry, above) == {
        "rank": 2, "name": "An", "commune": "Xã A", "attendee_code": None, "phone": "0912000001", "correct": 45,
        "prediction": 500, "duration_seconds": 61.234, "submitted_at": T0.isoformat(), "tie_broken_by": "duration"}
    attendee = ranking_row(1, key, entry | {"participant": "a:ABC1234"}, None)
    assert (attendee["attendee_code"], attendee["phone"], attendee["tie_broken_by"]) == ("ABC1234", "", None)


def test_cells_show_times_on_the_events_clock_the_tie_breaker_in_words_and_nothing_for_none() -> None:
    assert cell("submitted_at", T0.isoformat(), "vi") == datetime(2026, 12, 2, 8, 30, 15, 250_000)
    assert as_text("submitted_at", cell("submitted_at", T0.isoformat(), "vi")) == "2026-12-02 08:30:15.250"
    hour = cell("hour", T0.replace(minute=0, second=0, microsecond=0).isoformat(), "en")
    assert (hour, as_text("hour", hour)) == (datetime(2026, 12, 2, 8), "2026-12-02 08:00")
    assert cell("tie_broken_by", "prediction", "en") == "Closeness of the prediction"
    assert cell("tie_broken_by", "prediction", "vi") == "Độ gần dự đoán"
    assert cell("prediction", None, "vi") == ""
    assert cell("correct", 45, "vi") == 45


def test_a_file_keeps_its_columns_in_order_and_leaves_other_fields_out() -> None:
    communes = EXPORTS["communes"]
    assert headers(communes, "en") == ["Commune code", "Commune", "Participants", "Entries", "Perfect entries"]
    row = {"perfect_entries": 1, "commune": "Xã A", "entries": 3, "participants": 2, "phone": "0912000001",
           "commune_code": "08923"}
    typed = {"perfect_entries": 0, "commune": "xa b", "entries": 1, "participants": 1, "commune_code": None}
    assert shape(communes, [row, typed], "vi") == [["08923", "Xã A", 2, 3, 1], ["", "xa b", 1, 1, 0]]


def test_hours_count_first_visits_per_booth() -> None:
    visits = [("b", T0), ("a", T0 + timedelta(minutes=40)), ("a", T0), ("a", T0 + timedelta(minutes=10))]
    assert checkins_by_hour(visits) == [
        {"booth_id": "a", "hour": "2026-12-02T01:00:00+00:00", "checkins": 2},
        {"booth_id": "a", "hour": "2026-12-02T02:00:00+00:00", "checkins": 1},
        {"booth_id": "b", "hour": "2026-12-02T01:00:00+00:00", "checkins": 1}]


COMMUNES = {None: {"rows": [{"commune_code": "08923", "commune": "Xã, \"A\"", "participants": 2, "entries": 3,
                             "perfect_entries": 1}], "next": "k1"},
            "k1": {"rows": [{"commune_code": None, "commune": "Xã B", "participants": 1, "entries": 1,
                             "perfect_entries": 0}], "next": None}}


def test_the_csv_starts_with_a_bom_and_asks_for_each_page_after_writing_the_one_before() -> None:
    export = EXPORTS["communes"]
    asked: list[object] = []

    async def fetch(after: object) -> dict:
        asked.append(after)
        return COMMUNES[after]

    async def collect() -> list[bytes]:
        return [chunk async for chunk in csv_chunks(export, "vi", COMMUNES[None], fetch)]

    chunks = asyncio.run(collect())
    assert asked == ["k1"] and len(chunks) == 2 and chunks[0].startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert rows == [["Mã xã", "Xã", "Người tham gia", "Lượt thi", "Lượt đúng tất cả"],
                    ["08923", "Xã, \"A\"", "2", "3", "1"], ["", "Xã B", "1", "1", "0"]]


def test_the_workbook_holds_every_page_with_a_bold_frozen_header_numbers_and_date_times() -> None:
    export = EXPORTS["passports"]
    pages = {None: {"rows": [{"code": "ABC1234", "name": "Lò Thị Mai", "commune": "Xã Tân Thanh", "phone": "0912111222",
                              "completed_at": T0.isoformat()}], "next": 1},
             1: {"rows": [{"code": "ABC1235", "name": "Páo", "commune": None, "phone": "0912000002",
                           "completed_at": (T0 + timedelta(hours=1)).isoformat()}], "next": None}}

    async def fetch(after: object) -> dict:
        return pages[after]

    async def write() -> bytes:
        with await xlsx_file(export, "en", pages[None], fetch) as file:
            return file.read()

    sheet = load_workbook(io.BytesIO(asyncio.run(write()))).active
    assert sheet.title == "Completed passports" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == headers(export, "en") and all(c.font.b for c in sheet[1])
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["ABC1234", "Lò Thị Mai", "Xã Tân Thanh", "0912111222", datetime(2026, 12, 2, 8, 30, 15, 250_000)],
        ["ABC1235", "Páo", None, "0912000002", datetime(2026, 12, 2, 9, 30, 15, 250_000)]]
    assert sheet["E2"].number_format == "yyyy-mm-dd hh:mm:ss.000"
    assert sheet.column_dimensions["B"].width == len("Lò Thị Mai") + 2
    assert sheet.column_dimensions["E"].width == len("2026-12-02 08:30:15.250") + 2


def test_a_workbook_counts_as_numbers() -> None:
    async def write() -> bytes:
        async def fetch(after: object) -> dict:
            return COMMUNES[after]
        with await xlsx_file(EXPORTS["communes"], "vi", COMMUNES[None], fetch) as file:
            return file.read()

    sheet = load_workbook(io.BytesIO(asyncio.run(write()))).active
    assert sheet.title == "Tham gia theo xã"
    assert list(sheet.values) == [("Mã xã", "Xã", "Người tham gia", "Lượt thi", "Lượt đúng tất cả"),
                                  ("08923", "Xã, \"A\"", 2, 3, 1), (None, "Xã B", 1, 1, 0)]


def test_every_title_is_a_sheet_name_excel_takes() -> None:
    for export in EXPORTS.values():
        for lang in LANGUAGES:
            title = text(lang, export.title)
            assert len(title) <= 31 and not set(title) & set("[]:*?/\\"), (lang, title)


def test_a_workbook_whose_page_fails_leaves_no_temporary_file() -> None:
    async def fetch(after: object) -> dict:
        raise TimeoutError

    async def write() -> None:
        await xlsx_file(EXPORTS["communes"], "vi", COMMUNES[None], fetch)

    before = list(ALL_TEMP_FILES)
    with pytest.raises(TimeoutError):
        asyncio.run(write())
    assert ALL_TEMP_FILES == before
