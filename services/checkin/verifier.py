"""Dependency provider that verifies badge tokens with the registration service's public key."""
from collections.abc import Callable

from nameko.extensions import DependencyProvider

from shared.signing import TokenClaims, public_key_from_b64, verify_token


class _Verifier:
    def __init__(self):
        self._key = None

    def verify(self, token: str, fetch_public_key: Callable[[], str]) -> TokenClaims:
        """Claims of a genuine token, else InvalidToken; the key is fetched once, then kept."""
        if self._key is None:
            self._key = public_key_from_b64(fetch_public_key())
        return verify_token(self._key, token)


class TokenVerifier(DependencyProvider):
    def setup(self) -> None:
        self.verifier = _Verifier()

    def get_dependency(self, worker_ctx) -> _Verifier:
        return self.verifier
