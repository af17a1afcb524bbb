"""Dependency provider holding the key that signs badges and staff passes."""
from pathlib import Path

from nameko.extensions import DependencyProvider

from shared.signing import (
    StaffPassClaims,
    TokenClaims,
    load_or_create_key,
    private_key_from_b64,
    public_key_b64,
    sign_staff_pass,
    sign_token,
)


class _Signer:
    def __init__(self, key):
        self._key = key

    def sign(self, claims: TokenClaims) -> str:
        return sign_token(self._key, claims)

    def sign_staff_pass(self, claims: StaffPassClaims) -> str:
        return sign_staff_pass(self._key, claims)

    def public_key(self) -> str:
        return public_key_b64(self._key)


class Signer(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        if config.get("SIGNING_KEY"):
            key = private_key_from_b64(config["SIGNING_KEY"])
        else:
            key = load_or_create_key(Path(config["SIGNING_KEY_FILE"]))
        self.signer = _Signer(key)

    def get_dependency(self, worker_ctx) -> _Signer:
        return self.signer
