"""Question-bank files as the organisers keep them (JSON, or CSV saved from a spreadsheet) turned into bank rows.

Only the reading is here; what makes a good question is `logic.parse_bank`, one rule set for every format.
A spreadsheet's rows carry their own numbers (the header is row 1), so a report names the row the editor shows.
"""
import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from services.quiz.logic import LETTERS, Question, parse_bank
from shared.errors import ValidationFailed

HEADER_ROWS = 1  # a spreadsheet's first row names its columns


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
    raise ValidationFailed({"bank": "bank_format"})
