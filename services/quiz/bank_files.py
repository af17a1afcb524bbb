"""Question-bank files as the organisers keep them (JSON, CSV, or an Excel workbook) turned into bank rows.

Only the reading is here; what makes a good question is `logic.parse_bank`, one rule set for every format.
A spreadsheet's rows carry their own numbers (the header is row 1), so a report names the row the editor shows.
"""
import csv
import io
import itertools
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment

from services.quiz.logic import LETTERS, Question, parse_bank
from shared.errors import ValidationFailed

HEADER_ROWS = 1  # a spreadsheet's first row names its columns
COLUMNS = ("id", "text_vi", "text_en", *(f"{x}_{lang}" for x in LETTERS.lower() for lang in ("vi", "en")),
           "correct", "explanation_vi", "explanation_en")
# A workbook is a zip: these bound what a crafted one (a "zip bomb") can cost. 500 questions with every
# text at its longest fill 3.8 MB unzipped; openpyxl's read-only mode streams the sheet, keeping only the
# rows and columns within these.
XLSX_UNZIPPED_MAX = 8_000_000
XLSX_ROWS_MAX = 2_000  # rows below the header, blank ones included
XLSX_COLUMNS_MAX = 50
# Excel's old .xls and a password-protected workbook (encrypted) are both OLE2 files, not zips.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXAMPLE = {"id": "otp-1", "text_vi": "Có nên cho người khác biết mã OTP ngân hàng?",
           "text_en": "Should you tell anyone your bank OTP code?", "a_vi": "Có, nếu họ gọi từ ngân hàng",
           "a_en": "Yes, if they call from the bank", "b_vi": "Không bao giờ", "b_en": "Never", "correct": "B",
           "explanation_vi": "Ngân hàng không bao giờ hỏi mã OTP.", "explanation_en": "Banks never ask for an OTP."}


def row_from_record(record: Mapping[str, str | None]) -> dict[str, Any]:
    """A spreadsheet row (column name -> cell text) as a bank row; a choice is there when its Vietnamese is."""
    choices = [{"vi": record.get(f"{x}_vi") or "", "en": record.get(f"{x}_en") or ""}
               for x in LETTERS.lower() if (record.get(f"{x}_vi") or "").strip()]
    return {"id": record.get("id"), "text": {"vi": record.get("text_vi"), "en": record.get("text_en")},
            "choices": choices, "correct": record.get("correct"),
            "explanation": {"vi": record.get("explanation_vi"), "en": record.get("explanation_en")}}


def rows_from_csv(text: str) -> list[dict[str, Any]]:
    """CSV whose header names the columns id, text_vi, text_en, a_vi, a_en … f_vi, f_en, correct,
    explanation_vi, explanation_en (any order; others are ignored)."""
    # newline="" lets the csv module itself read line ends, including a lone \r and quoted ones.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return [row_from_record(record) for record in reader]
    except csv.Error:
        raise ValidationFailed({"bank": "bank_not_csv"}) from None


def rows_from_json(content: bytes) -> Any:
    """A JSON list of questions, as GET /api/admin/quiz/bank gives them (parse_bank refuses anything else)."""
    try:
        return json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValidationFailed({"bank": "bank_not_json"}) from None


def cell_text(value: object) -> str | None:
    """A cell as a CSV would carry it: a number typed as 2 (stored 2.0) reads "2", not "2.0"."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _blank(row: Sequence[object]) -> bool:
    return all(not (cell_text(value) or "").strip() for value in row)


def _sheet_values(content: bytes) -> list[tuple[object, ...]]:
    """The first sheet's cell values, header row first; past XLSX_ROWS_MAX rows only blank ones may follow."""
    if content.startswith(OLE2_MAGIC):
        raise ValidationFailed({"bank": "bank_xlsx_old"})
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            # zipfile inflates no entry beyond its declared size, so the declared sum bounds the cost.
            too_big = sum(entry.file_size for entry in package.infolist()) > XLSX_UNZIPPED_MAX
        if too_big:
            raise ValidationFailed({"bank": "bank_xlsx_too_big"})
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            rows = workbook.worksheets[0].iter_rows(max_col=XLSX_COLUMNS_MAX, values_only=True)
            kept = list(itertools.islice(rows, HEADER_ROWS + XLSX_ROWS_MAX))
            if not all(_blank(row) for row in rows):  # stops at the first row with something in it
                raise ValidationFailed({"bank": "bank_xlsx_too_long"})
            return kept
        finally:
            workbook.close()
    except ValidationFailed:
        raise
    except Exception:  # a broken package fails in many ways (BadZipFile, KeyError, XML, zlib...): all one answer
        raise ValidationFailed({"bank": "bank_not_xlsx"}) from None


def rows_from_xlsx(content: bytes) -> dict[int, dict[str, Any]]:
    """The first sheet of a workbook, with the CSV's columns named in its first row, as the CSV's rows
    by the number Excel shows; blank rows (Excel keeps formatted ones) are left out."""
    header, *rows = _sheet_values(content) or [()]
    names = [(cell_text(value) or "").strip() for value in header]
    return {number: row_from_record({name: cell_text(value) for name, value in zip(names, row, strict=False) if name})
            for number, row in enumerate(rows, start=HEADER_ROWS + 1) if not _blank(row)}


def xlsx_template(notes: Mapping[str, str]) -> bytes:
    """A workbook with the header row and one example question. `notes` (the page's language) gives the
    sheet's title ("sheet") and a comment for each kind of column ("id", "text", "choice", "correct",
    "explanation"); the headers stay the column names, as every reader of the bank matches them."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = notes.get("sheet", "bank")[:31]
    sheet.append(COLUMNS)
    sheet.append([EXAMPLE.get(column, "") for column in COLUMNS])
    for cell in sheet[1]:
        kind = str(cell.value).rsplit("_", 1)[0]
        note = notes.get(kind if kind in ("id", "text", "correct", "explanation") else "choice")
        if note:
            cell.comment = Comment(note, "")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def parse_bank_file(file_format: str, content: bytes) -> list[Question]:
    """The questions in a bank file, or ValidationFailed naming every bad row as the file numbers it."""
    if file_format == "json":
        return parse_bank(rows_from_json(content))
    if file_format == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed({"bank": "bank_not_utf8"}) from None
        return parse_bank(rows_from_csv(text), first_row=HEADER_ROWS + 1)
    if file_format == "xlsx":
        rows = rows_from_xlsx(content)
        return parse_bank(list(rows.values()), numbers=list(rows))
    raise ValidationFailed({"bank": "bank_format"})
