"""Signed tokens: with only the public key, genuine badges and staff passes verify and nothing else does."""
import multiprocessing
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from shared.signing import (
    InvalidToken,
    StaffPassClaims,
    TokenClaims,
    load_or_create_key,
    public_key_b64,
    public_key_from_b64,
    sign_staff_pass,
    sign_token,
    verify_staff_pass,
    verify_token,
)

KEY = Ed25519PrivateKey.generate()
PUBLIC = public_key_from_b64(public_key_b64(KEY))
CLAIMS = TokenClaims(code="GXH6AGG", name="Hoàng Văn Páo")


def test_a_genuine_token_verifies_with_the_public_key_alone():
    assert verify_token(PUBLIC, sign_token(KEY, CLAIMS)) == CLAIMS


def test_a_token_signed_by_another_key_is_refused():
    with pytest.raises(InvalidToken):
        verify_token(PUBLIC, sign_token(Ed25519PrivateKey.generate(), CLAIMS))


def test_a_token_whose_payload_was_changed_is_refused():
    version, payload, signature = sign_token(KEY, CLAIMS).split(".")
    forged = sign_token(KEY, TokenClaims(code="AAAAAAA", name=CLAIMS.name)).split(".")[1]
    with pytest.raises(InvalidToken):
        verify_token(PUBLIC, f"{version}.{forged}.{signature}")


@pytest.mark.parametrize("position", [3, 20, -5])
def test_a_token_with_any_character_flipped_is_refused(position):
    token = sign_token(KEY, CLAIMS)
    flipped = token[position].swapcase() if token[position].isalpha() else "A"
    with pytest.raises(InvalidToken):
        verify_token(PUBLIC, token[:position] + flipped + token[position + 1:])


@pytest.mark.parametrize("garbage", ["", "v1", "v1..", "v2.a.b", "not a token", "v1.!!!.???", None, 12])
def test_garbage_is_refused_cleanly(garbage):
    with pytest.raises(InvalidToken):
        verify_token(PUBLIC, garbage)


@given(st.text(max_size=300))
def test_no_random_text_is_ever_accepted(text):
    with pytest.raises(InvalidToken):
        verify_token(PUBLIC, text)


def test_the_key_is_created_once_and_kept(tmp_path):
    path = tmp_path / "keys" / "signing.key"
    first = load_or_create_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert public_key_b64(load_or_create_key(path)) == public_key_b64(first)


def test_a_staff_pass_verifies_and_is_never_taken_for_a_badge_or_the_other_way_round():
    claims = StaffPassClaims(pass_id="a1b2", role="mc", expires=1_900_000_000)
    staff_pass = sign_staff_pass(KEY, claims)
    assert verify_staff_pass(PUBLIC, staff_pass) == claims
    with pytest.raises(InvalidToken):
        verify_token(PUBLIC, staff_pass)
    with pytest.raises(InvalidToken):
        verify_staff_pass(PUBLIC, sign_token(KEY, CLAIMS))


def test_a_staff_pass_with_its_role_or_expiry_changed_is_refused():
    kind, _, signature = sign_staff_pass(KEY, StaffPassClaims("a1b2", "mc", 1_900_000_000)).split(".")
    promoted = sign_staff_pass(KEY, StaffPassClaims("a1b2", "organiser", 2_900_000_000)).split(".")[1]
    with pytest.raises(InvalidToken):
        verify_staff_pass(PUBLIC, f"{kind}.{promoted}.{signature}")


def _public_key_at(path: str) -> str:
    return public_key_b64(load_or_create_key(Path(path)))


def test_processes_starting_at_once_all_get_the_one_key_made(tmp_path):
    """The services start together and each may make the key: none may read a half-written one."""
    path = str(tmp_path / "data" / "signing.key")
    with multiprocessing.Pool(8) as pool:
        keys = pool.map(_public_key_at, [path] * 32)
    assert set(keys) == {keys[0]} and list((tmp_path / "data").iterdir()) == [tmp_path / "data" / "signing.key"]
