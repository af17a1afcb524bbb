"""Registration rules: what a volunteer at the gate types, and what the service stores."""
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registration.logic import (
    PROOF_ATTEMPTS_MAX,
    ProofVerdict,
    judge_proof,
    repeated_registration,
    validate_phone,
    validate_proof,
    validate_registration,
)
from shared.codes import CODE_ALPHABET, CODE_LENGTH, looks_like_code, new_code, normalise_code
from shared.errors import Refused, ValidationFailed
from shared.phones import normalise_phone
from shared.text import clean_text


def errors_of(**raw) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_registration({"consent": True, **raw})
    return caught.value.fields


def test_a_complete_registration_is_cleaned():
    new = validate_registration({"consent": True, "name": "  Lò   Thị Mai ", "phone": "+84 912 345 678",
                                 "commune": " Xã Tân Thanh ", "group": "trader", "request_id": "r1"})
    assert (new.name, new.phone, new.commune, new.group, new.request_id) == (
        "Lò Thị Mai", "0912345678", "Xã Tân Thanh", "trader", "r1")


def test_only_the_name_is_required_and_the_group_defaults_to_other():
    new = validate_registration({"consent": True, "name": "An"})
    assert (new.phone, new.commune, new.group) == (None, None, "other")


@pytest.mark.parametrize("name, code", [(None, "required"), ("", "required"), ("   ", "required"),
                                        ("x" * 81, "too_long"), (42, "not_text")])
def test_bad_names_are_refused(name, code):
    assert errors_of(name=name) == {"name": code}


def test_a_name_of_80_characters_after_trimming_is_accepted():
    assert validate_registration({"consent": True, "name": "  " + "ư" * 80 + "  "}).name == "ư" * 80


def test_decomposed_vietnamese_compares_equal_to_composed():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert decomposed != "Nguyễn Thị Ánh"
    assert validate_registration({"consent": True, "name": decomposed}).name == "Nguyễn Thị Ánh"


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


MY = {"code": "GXH6AGG", "name": "Hoàng Thị Mỷ", "commune": "Xã Tân Thanh", "phone": "0924129332",
      "request_id": "device-1"}


def test_a_retry_from_the_same_device_gets_its_own_badge_back():
    retry = validate_registration({"consent": True, "name": "Hoàng Thị Mỷ", "phone": "+84 924 129 332",
                                   "request_id": "device-1"})
    assert repeated_registration(retry, by_request=MY, by_phone=MY) is MY


@pytest.mark.parametrize("typed", ["0924129332", "+84 924 129 332", "84924129332", "(+84) 924-129-332"])
def test_someone_elses_phone_however_written_is_refused_without_their_badge(typed):
    other = validate_registration({"consent": True, "name": "Mỷ Hoàng", "phone": typed, "request_id": "device-2"})
    with pytest.raises(Refused) as caught:
        repeated_registration(other, by_request=None, by_phone=MY)
    assert caught.value.args == ("phone_taken",)


def test_a_request_id_sent_again_with_another_phone_is_refused():
    reused = validate_registration({"consent": True, "name": "Hoàng Thị Mỷ", "phone": "0912345678",
                                    "request_id": "device-1"})
    with pytest.raises(Refused) as caught:
        repeated_registration(reused, by_request=MY, by_phone=None)
    assert caught.value.args == ("request_reused",)


def test_a_new_registration_repeats_nobody():
    new = validate_registration({"consent": True, "name": "An", "phone": "0912345678", "request_id": "device-3"})
    assert repeated_registration(new, by_request=None, by_phone=None) is None


@pytest.mark.parametrize("value, code", [(None, "required"), (" ", "required"), ("12345", "invalid_phone"),
                                         (912345678, "not_text")])
def test_a_phone_to_find_a_badge_by_is_required_and_valid(value, code):
    with pytest.raises(ValidationFailed) as caught:
        validate_phone(value)
    assert caught.value.fields == {"phone": code}


def test_a_proof_needs_a_phone_and_a_name():
    with pytest.raises(ValidationFailed) as caught:
        validate_proof({"commune": "Xã Tân Thanh"})
    assert caught.value.fields == {"name": "required", "phone": "required"}


def proof(**fields):
    return validate_proof({"phone": "(+84) 924-129-332", "name": "Hoàng Thị Mỷ", "commune": "Xã Tân Thanh"} | fields)


@pytest.mark.parametrize("name, commune", [("Hoàng Thị Mỷ", "Xã Tân Thanh"), ("  hoàng  THỊ mỷ ", "xã tân thanh"),
                                           (unicodedata.normalize("NFD", "Hoàng Thị Mỷ"), "Xã Tân Thanh")])
def test_the_name_and_commune_as_registered_prove_the_badge_whatever_the_case_and_spacing(name, commune):
    assert judge_proof(MY, 1, proof(name=name, commune=commune)) is ProofVerdict.MATCH


@pytest.mark.parametrize("name, commune", [("Mỷ Hoàng", "Xã Tân Thanh"), ("Hoang Thi My", "Xã Tân Thanh"),
                                           ("Hoàng Thị Mỷ", ""), ("Hoàng Thị Mỷ", "Xã Tân Lập")])
def test_anything_else_does_not(name, commune):
    assert judge_proof(MY, 1, proof(name=name, commune=commune)) is ProofVerdict.MISMATCH


def test_an_unknown_phone_is_answered_like_a_wrong_name():
    assert judge_proof(None, 0, proof()) is ProofVerdict.MISMATCH


def test_an_attendee_without_a_commune_is_proven_by_the_name_alone():
    assert judge_proof(MY | {"commune": None}, 1, proof(commune="")) is ProofVerdict.MATCH


def test_after_a_few_tries_even_the_right_proof_goes_to_the_help_desk():
    assert judge_proof(MY, PROOF_ATTEMPTS_MAX, proof()) is ProofVerdict.MATCH
    assert judge_proof(MY, PROOF_ATTEMPTS_MAX + 1, proof()) is ProofVerdict.LOCKED
