"""Dependency provider holding the key that signs badges and staff passes."""
from nameko.extensions import DependencyProvider

from shared.signing import (
    StaffPassClaims,
    TokenClaims,
    public_key_b64,
    sign_staff_pass,
    sign_token,
    signing_key,
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
        self.signer = _Signer(signing_key(self.container.config))

    def get_dependency(self, worker_ctx) -> _Signer:
        return self.signer
