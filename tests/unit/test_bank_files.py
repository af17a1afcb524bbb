"""Question-bank files: JSON and CSV read into bank rows, checked by the quiz's one rule set, and a bad
row named as the file numbers it (a spreadsheet's header is row 1)."""
import json

import pytest

from services.quiz.bank_files import parse_bank_file, rows_from_csv
from shared.errors import ValidationFailed

HEADER = ["id", "text_vi", "text_en", "a_vi", "a_en", "b_vi", "b_en", "c_vi", "correct", "explanation_vi"]
GOOD = ["q1", "Mã OTP có nên chia sẻ?", "Share your OTP?", "Có", "Yes", "Không", "No", "", "B", "Không bao giờ."]
BAD = ["q2", "", "", "Có", "", "", "", "", "Z", ""]


def csv_bytes(*rows: list[str]) -> bytes:
    return "".join(",".join(row) + "\r\n" for row in rows).encode()


def test_a_csv_row_becomes_a_question_with_only_the_choices_it_fills():
    [question] = parse_bank_file("csv", b"\xef\xbb\xbf" + csv_bytes(HEADER, GOOD))
    assert (question.id, question.text["en"], question.correct) == ("q1", "Share your OTP?", 1)
    assert question.choices == [{"vi": "Có", "en": "Yes"}, {"vi": "Không", "en": "No"}]


def test_a_csvs_bad_rows_are_named_by_the_row_the_spreadsheet_shows():
    with pytest.raises(ValidationFailed) as caught:
        parse_bank_file("csv", csv_bytes(HEADER, GOOD, BAD))
    assert caught.value.fields == {"row 3: text_vi": "required", "row 3: choices": "bank_choice_count",
                                   "row 3: correct": "bank_bad_letter"}


def test_a_json_bank_is_numbered_from_its_first_question():
    good = {"id": "q1", "text": "Câu?", "choices": ["Có", "Không"], "correct": "A"}
    assert len(parse_bank_file("json", json.dumps([good]).encode())) == 1
    with pytest.raises(ValidationFailed) as caught:
        parse_bank_file("json", json.dumps([good, good]).encode())
    assert caught.value.fields == {"row 2: id": "bank_twice"}


def test_quoted_line_breaks_stay_in_their_cell():
    [row] = rows_from_csv('id,text_vi,a_vi,b_vi,correct\nq1,"Dòng một\nDòng hai",Có,Không,A\n')
    assert row["text"]["vi"] == "Dòng một\nDòng hai"


@pytest.mark.parametrize(("file_format", "content", "code"), [
    ("json", b"{not json", "bank_not_json"),
    ("json", b'{"id": "q1"}', "bank_empty"),
    ("json", b"[]", "bank_empty"),
    ("csv", "id,text_vi\n".encode("utf-16"), "bank_not_utf8"),
    ("csv", b"id,text_vi\n", "bank_empty"),
    ("xlsx", b"PK\x03\x04", "bank_format"),
])
def test_a_file_that_is_not_a_bank_is_refused_whole_never_a_crash(file_format, content, code):
    with pytest.raises(ValidationFailed) as caught:
        parse_bank_file(file_format, content)
    assert caught.value.fields == {"bank": code}
