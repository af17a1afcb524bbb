"""Registration rules: what a volunteer at the gate types, and what the service stores."""
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registration.logic import validate_registration
from shared.codes import CODE_ALPHABET, CODE_LENGTH, looks_like_code, new_code, normalise_code
from shared.errors import ValidationFailed
from shared.phones import normalise_phone
from shared.text import clean_text


def errors_of(**raw) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_registration(raw)
    return caught.value.fields


def test_a_complete_registration_is_cleaned():
    new = validate_registration({"name": "  Lò   Thị Mai ", "phone": "+84 912 345 678",
                                 "commune": " Xã Tân Thanh ", "group": "trader", "request_id": "r1"})
    assert (new.name, new.phone, new.commune, new.group, new.request_id) == (
        "Lò Thị Mai", "0912345678", "Xã Tân Thanh", "trader", "r1")


def test_only_the_name_is_required_and_the_group_defaults_to_other():
    new = validate_registration({"name": "An"})
    assert (new.phone, new.commune, new.group) == (None, None, "other")


@pytest.mark.parametrize("name, code", [(None, "required"), ("", "required"), ("   ", "required"),
                                        ("x" * 81, "too_long"), (42, "not_text")])
def test_bad_names_are_refused(name, code):
    assert errors_of(name=name) == {"name": code}


def test_a_name_of_80_characters_after_trimming_is_accepted():
    assert validate_registration({"name": "  " + "ư" * 80 + "  "}).name == "ư" * 80


def test_decomposed_vietnamese_compares_equal_to_composed():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert decomposed != "Nguyễn Thị Ánh"
    assert validate_registration({"name": decomposed}).name == "Nguyễn Thị Ánh"


def test_every_bad_field_is_named_at_once():
    assert errors_of(name="", phone="12ab", commune="c" * 81, group="alien", request_id="r" * 65) == {
        "name": "required", "phone": "invalid_phone", "commune": "too_long",
        "group": "unknown_group", "request_id": "too_long"}


@pytest.mark.parametrize("typed", ["0912345678", "0912 345 678", "+84912345678", "+84 912-345-678",
                                   "84912345678", "(091) 234.5678"])
def test_phone_numbers_as_people_type_them_normalise_to_one_form(typed):
    assert normalise_phone(typed) == "0912345678"


def test_landline_numbers_with_eleven_digits_are_accepted():
    assert normalise_phone("0243 826 1234") == "02438261234"


@pytest.mark.parametrize("typed", ["", "12345", "091234567", "091234567890", "+1 415 555 0100", "0912abc678"])
def test_invalid_phone_numbers_are_refused(typed):
    with pytest.raises(ValueError):
        normalise_phone(typed)


@given(st.lists(st.sampled_from([" ", "-", ".", ""]), min_size=9, max_size=9))
def test_separators_anywhere_do_not_change_the_number(separators):
    digits = "912345678"
    typed = "+84" + "".join(d + s for d, s in zip(digits, separators, strict=True))
    assert normalise_phone(typed) == "0912345678"


def test_short_codes_avoid_look_alike_characters():
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == CODE_LENGTH and looks_like_code(code)
    assert not set("0O1IL2Z5S8B") & set(CODE_ALPHABET)


def test_a_typed_short_code_matches_however_it_is_spaced_or_cased():
    assert normalise_code(" gxh-6agg ") == normalise_code("GXH 6AGG") == "GXH6AGG"
    assert not looks_like_code("GXH6AG0") and not looks_like_code("GXH6AG")


def test_clean_text_folds_inner_white_space():
    assert clean_text("a \t b\n c") == "a b c"
