"""Badge tokens: a scanner with only the public key accepts genuine badges and nothing else."""
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from shared.signing import (
    InvalidToken,
    TokenClaims,
    load_or_create_key,
    public_key_b64,
    public_key_from_b64,
    sign_token,
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
