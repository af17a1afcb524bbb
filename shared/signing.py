"""Tokens signed with Ed25519, so whoever holds the public key can verify them without a lookup.

Token: `<kind>.<payload>.<signature>`, both parts base64url without padding; the signature
covers `<kind>.<payload>`. The kind keeps one sort from passing for another:
- `v1`, an attendee's badge: compact JSON {"c": short code, "n": name}; scanners verify it offline.
- `s1`, a staff pass: {"i": pass id, "r": role, "e": expiry, Unix seconds}; the gateway verifies it.
- `p1`, a live-round player: {"r": round code, "p": player id}; the gateway verifies it to take answers.
"""
import base64
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

TOKEN_VERSION = "v1"
STAFF_PASS_VERSION = "s1"
PLAYER_VERSION = "p1"
T = TypeVar("T")


class InvalidToken(Exception):
    """The token is malformed, tampered with, or signed by another key."""


@dataclass(frozen=True)
class TokenClaims:
    code: str
    name: str


@dataclass(frozen=True)
class StaffPassClaims:
    pass_id: str
    role: str
    expires: int


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: Ed25519PrivateKey, kind: str, data: dict[str, Any]) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    signed = f"{kind}.{_b64encode(payload)}"
    return f"{signed}.{_b64encode(key.sign(signed.encode('ascii')))}"


def _verify(public_key: Ed25519PublicKey, kind: str, token: str, read: Callable[[dict[str, Any]], T]) -> T:
    """`read` applied to the payload of a genuine token of this kind; else InvalidToken."""
    parts = token.strip().split(".") if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != kind:
        raise InvalidToken(f"not a {kind} token")
    try:
        public_key.verify(_b64decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
        return read(json.loads(_b64decode(parts[1]).decode("utf-8")))
    except (InvalidSignature, ValueError, KeyError, TypeError, UnicodeError) as exc:
        raise InvalidToken("signature or payload invalid") from exc


def sign_token(key: Ed25519PrivateKey, claims: TokenClaims) -> str:
    return _sign(key, TOKEN_VERSION, {"c": claims.code, "n": claims.name})


def verify_token(public_key: Ed25519PublicKey, token: str) -> TokenClaims:
    """The badge's claims, or InvalidToken whatever is wrong with it."""
    return _verify(public_key, TOKEN_VERSION, token, lambda d: TokenClaims(code=str(d["c"]), name=str(d["n"])))


def sign_staff_pass(key: Ed25519PrivateKey, claims: StaffPassClaims) -> str:
    return _sign(key, STAFF_PASS_VERSION, {"i": claims.pass_id, "r": claims.role, "e": claims.expires})


def verify_staff_pass(public_key: Ed25519PublicKey, token: str) -> StaffPassClaims:
    """The pass's claims (expired or not: the caller decides), or InvalidToken."""
    return _verify(public_key, STAFF_PASS_VERSION, token,
                   lambda d: StaffPassClaims(pass_id=str(d["i"]), role=str(d["r"]), expires=int(d["e"])))


def sign_player(key: Ed25519PrivateKey, round_id: str, player_id: str) -> str:
    """A live-round player's token: any gateway checks it without a call, so it can time answers itself."""
    return _sign(key, PLAYER_VERSION, {"r": round_id, "p": player_id})


def verify_player(public_key: Ed25519PublicKey, token: str) -> tuple[str, str]:
    """(round id, player id) of a genuine player token, or InvalidToken."""
    return _verify(public_key, PLAYER_VERSION, token, lambda d: (str(d["r"]), str(d["p"])))


def public_key_b64(key: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key, base64url, as scanners load it."""
    return _b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_b64decode(text))


def private_key_from_b64(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_b64decode(text))


def new_private_key_b64() -> str:
    """A fresh Ed25519 private key in the SIGNING_KEY format."""
    return _b64encode(Ed25519PrivateKey.generate().private_bytes_raw())


def load_or_create_secret(path: Path, make: Callable[[], str]) -> str:
    """The secret kept at `path`, made on first use (readable by its owner only).

    Several processes start at once and may each make one: each writes its own file whole, then links
    it into place, which only the first can do; nobody ever reads a file another is still writing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process put its secret in place first: everyone uses that one
        finally:
            draft.unlink()
    return path.read_text().strip()


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The signing key kept at `path`, so badges stay valid across restarts."""
    return private_key_from_b64(load_or_create_secret(path, new_private_key_b64))


def signing_key(config: Mapping[str, Any]) -> Ed25519PrivateKey:
    """The key a service signs with, from its nameko config: SIGNING_KEY, else the key file."""
    if config.get("SIGNING_KEY"):
        return private_key_from_b64(str(config["SIGNING_KEY"]))
    return load_or_create_key(Path(str(config["SIGNING_KEY_FILE"])))
