"""Question-bank files: JSON, CSV and Excel read into bank rows, checked by the quiz's one rule set, and a bad
row named as the file numbers it (a spreadsheet's header is row 1)."""
import io
import json
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from services.quiz.bank_files import OLE2_MAGIC, parse_bank_file, rows_from_csv, xlsx_template
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


def xlsx_bytes(*rows: list) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_excel_sheet_is_read_as_its_csv_would_be_with_numbers_typed_as_numbers():
    numbered = [7.0 if cell == "q1" else cell for cell in GOOD]  # an id typed as a number, stored 7.0
    [question] = parse_bank_file("xlsx", xlsx_bytes(HEADER, numbered, [None] * len(HEADER), []))
    assert (question.id, question.text["en"], question.correct) == ("7", "Share your OTP?", 1)
    assert question.choices == [{"vi": "Có", "en": "Yes"}, {"vi": "Không", "en": "No"}]


def test_an_excel_sheets_bad_rows_are_named_by_the_row_excel_shows():
    index = [*GOOD[:8], 2, GOOD[9]]  # the right answer typed as its number: not guessed as B or C
    with pytest.raises(ValidationFailed) as caught:
        parse_bank_file("xlsx", xlsx_bytes(HEADER, GOOD, [], BAD, index))
    assert caught.value.fields == {  # the blank row 3 is no question, and counts in Excel's numbering
        "row 4: text_vi": "required", "row 4: choices": "bank_choice_count", "row 4: correct": "bank_bad_letter",
        "row 5: correct": "bank_bad_letter"}


def test_the_excel_template_is_a_bank_of_its_example_with_the_columns_explained():
    content = xlsx_template({"sheet": "Ngân hàng câu hỏi", "correct": "Chữ cái của đáp án đúng"})
    [question] = parse_bank_file("xlsx", content)
    assert question.id == "otp-1" and question.correct == 1
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Ngân hàng câu hỏi" and sheet["A1"].value == "id"
    assert [c.comment.text for c in sheet[1] if c.value == "correct"] == ["Chữ cái của đáp án đúng"]


def zip_of(name: str, size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(name, b"\0" * size)
    return out.getvalue()


def test_a_workbook_is_read_no_further_than_its_limits():
    with pytest.raises(ValidationFailed) as caught:
        parse_bank_file("xlsx", zip_of("xl/worksheets/sheet1.xml", 8_000_001))  # 8 kB that inflate to 8 MB
    assert caught.value.fields == {"bank": "bank_xlsx_too_big"}
    with pytest.raises(ValidationFailed) as caught:
        parse_bank_file("xlsx", xlsx_bytes(HEADER, GOOD, *[[]] * 2_500, GOOD))
    assert caught.value.fields == {"bank": "bank_xlsx_too_long"}


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
    ("xlsx", b"PK\x03\x04", "bank_not_xlsx"),
    ("xlsx", b"id,text_vi\n", "bank_not_xlsx"),
    ("xlsx", zip_of("word/document.xml", 10), "bank_not_xlsx"),
    ("xlsx", OLE2_MAGIC + bytes(504), "bank_xlsx_old"),  # an .xls renamed, or a password-protected workbook
    ("xlsx", xlsx_bytes(), "bank_empty"),
    ("pdf", b"%PDF", "bank_format"),
])
def test_a_file_that_is_not_a_bank_is_refused_whole_never_a_crash(file_format, content, code):
    with pytest.raises(ValidationFailed) as caught:
        parse_bank_file(file_format, content)
    assert caught.value.fields == {"bank": code}
