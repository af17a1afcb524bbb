"""The province's list of communes: the CSV organisers load, search as people type, and the
matching of communes typed before the list existed."""
import pytest

from services.registration.logic import judge_proof, validate_proof, validate_registration
from shared.communes import BadRow, Commune, CommuneList, bare, fold, matched_texts, parse_communes_csv, pick_commune
from shared.errors import ValidationFailed

THANH_THUY = Commune("08923", "Xã Thanh Thủy", "Vị Xuyên")
LIST = CommuneList([
    THANH_THUY,
    Commune("08938", "Xã Thanh Đức", "Vị Xuyên"),
    Commune("00691", "Phường Đông Kinh", "TP Lạng Sơn"),
    Commune("06061", "Thị trấn Đồng Đăng", "Cao Lộc"),
    Commune("06100", "Xã Tân Thanh", "Văn Lãng"),
    Commune("02200", "Xã Hồng Phong", "Cao Lộc"),
    Commune("02201", "Xã Hồng Phong", "Bình Gia"),
])


@pytest.mark.parametrize("typed", ["Xã Thanh Thủy", "thanh thuy", "THANH THỦY", "xa  thanh thuy ", "Xã Thanh Thủy"])
def test_a_commune_is_the_same_however_it_is_typed(typed):
    assert bare(typed) == "thanh thuy"


def test_folding_reads_d_with_stroke_as_d_and_drops_every_mark():
    assert fold("Đồng Đăng") == "dong dang"
    assert bare("Thị trấn Đồng Đăng") == "dong dang" and bare("Phường Đông Kinh") == "dong kinh"
    assert bare("Xã") == "xa"  # a prefix alone is a name


@pytest.mark.parametrize("query, first", [
    ("thanh thuy", "08923"), ("Xã Thanh Thủy", "08923"), ("thanh t", "08923"), ("dong dang", "06061"),
    ("đông", "00691"), ("thị trấn đồng", "06061"), ("08938", "08938")])
def test_search_finds_a_commune_from_the_first_letters_with_or_without_marks_and_prefix(query, first):
    assert LIST.search(query)[0].code == first


def test_names_starting_with_the_query_come_before_names_only_containing_it():
    assert [c.code for c in LIST.search("thanh")] == ["08938", "08923", "06100"]
    assert LIST.search("") == [] and LIST.search("zzz") == []
    assert len(LIST.search("a", limit=3)) == 3


def test_free_text_matches_only_one_commune():
    assert LIST.match("thanh thuy") == THANH_THUY
    assert LIST.match("Hồng Phong") is None  # two districts have one
    assert LIST.match("Thanh") is None
    assert matched_texts(["thanh thuy", "Xã Thanh Thủy", "Hồng Phong", "Hà Nội"], LIST) == {
        "thanh thuy": THANH_THUY, "Xã Thanh Thủy": THANH_THUY}


def test_a_form_picks_by_code_or_by_a_name_naming_one():
    assert LIST.pick("08923") == THANH_THUY == LIST.pick("thanh thuy")
    assert LIST.pick("02200").district == "Cao Lộc"
    assert LIST.pick("Hồng Phong") is None


def test_a_good_csv_with_a_bom_and_vietnamese_headers_loads():
    communes, bad = parse_communes_csv("\ufeffMã,Tên,Huyện cũ\r\n08923, Xã Thanh  Thủy ,Vị Xuyên\r\n\r\n06061,"
                                       "\"Thị trấn Đồng Đăng\",Cao Lộc\r\n")
    assert bad == []
    assert communes == [THANH_THUY, Commune("06061", "Thị trấn Đồng Đăng", "Cao Lộc")]


def test_every_bad_row_is_reported_with_its_row_field_and_reason():
    text = ("code,name,district\n08923,Xã Thanh Thủy,Vị Xuyên\n,Xã Không Mã,A\n08924,,B\n08923,Xã Lặp,C\n"
            f"08925,{'x' * 81},D\n")
    communes, bad = parse_communes_csv(text)
    assert bad == [BadRow(3, "code", "required"), BadRow(4, "name", "required"),
                   BadRow(5, "code", "duplicate_code"), BadRow(6, "name", "too_long")]


@pytest.mark.parametrize("text, problem", [
    ("", BadRow(1, "file", "empty_file")), ("code,name\n", BadRow(1, "file", "empty_file")),
    ("ma,district\n1,A\n", BadRow(1, "name", "missing_column"))])
def test_a_file_that_is_no_list_is_refused(text, problem):
    assert parse_communes_csv(text) == ([], [problem])


def test_without_a_list_the_commune_is_free_text_and_with_one_it_must_be_listed():
    assert validate_registration({"consent": True, "name": "An", "commune": "thanh thuy"}).commune == "thanh thuy"
    new = validate_registration({"consent": True, "name": "An", "commune": "08923"}, communes=LIST)
    assert (new.listed, new.commune) == (THANH_THUY, None)
    assert validate_registration({"consent": True, "name": "An"}, communes=LIST).listed is None
    with pytest.raises(ValidationFailed) as caught:
        validate_registration({"consent": True, "name": "An", "commune": "Hồng Phong"}, communes=LIST)
    assert caught.value.fields == {"commune": "unknown_commune"}


def test_a_contest_entry_picks_the_same_way():
    assert pick_commune("thanh thuy", CommuneList([])) == {"code": None, "name": "thanh thuy"}
    assert pick_commune("thanh thuy", LIST) == {"code": "08923", "name": "Xã Thanh Thủy"}
    with pytest.raises(ValidationFailed):
        pick_commune("Hà Nội", LIST)


def test_a_badge_matched_to_the_list_later_is_proven_by_what_was_typed_or_the_list_name():
    attendee = {"name": "Mai", "commune": "Xã Thanh Thủy", "commune_code": "08923", "commune_text": "thanh thuy"}
    for typed in ("thanh thuy", "Xã Thanh Thủy"):
        proof = validate_proof({"phone": "0912345678", "name": "Mai", "commune": typed})
        assert judge_proof(attendee, 1, proof).value == "match"
    proof = validate_proof({"phone": "0912345678", "name": "Mai", "commune": "Xã Tân Thanh"})
    assert judge_proof(attendee, 1, proof).value == "proof_mismatch"
