"""Live-round player tokens: signed with the service's key, so every gateway can check them itself
(and time the player's answers at its edge) without a call."""
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nameko.extensions import DependencyProvider

from shared.errors import NotFound
from shared.signing import InvalidToken, sign_player, signing_key, verify_player


class Tokens:
    def __init__(self, key: Ed25519PrivateKey):
        self._key = key

    def issue(self, round_id: str, player_id: str) -> str:
        return sign_player(self._key, round_id, player_id)

    def player_id(self, round_id: str, token: str) -> str:
        """The player a token names in this round; NotFound for a forged one or another round's."""
        try:
            token_round, player_id = verify_player(self._key.public_key(), token)
        except InvalidToken:
            raise NotFound("player") from None
        if token_round != round_id:
            raise NotFound("player")
        return player_id


class PlayerTokens(DependencyProvider):
    def setup(self) -> None:
        self.tokens = Tokens(signing_key(self.container.config))

    def get_dependency(self, worker_ctx: Any) -> Tokens:
        return self.tokens
