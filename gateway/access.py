"""Who holds a bearer token: the organisers' own secret, or a staff pass that is genuine, current
and not revoked. Signature and expiry are checked here without a call; whether a pass was revoked
is asked of the registration service and remembered for a few seconds."""
import hmac
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.errors import ApiError
from gateway.rpc import RpcClient
from shared.access import Role
from shared.events import Source
from shared.signing import InvalidToken, public_key_from_b64, verify_staff_pass

REVOCATION_RECHECK_SECONDS = 5.0


class StaffGate:
    def __init__(self, rpc: RpcClient, organiser_token: str, clock: Callable[[], float] = time.time):
        self._rpc = rpc
        self._organiser_token = organiser_token.encode()
        self._clock = clock
        self._public_key: Ed25519PublicKey | None = None
        self._active: dict[str, tuple[float, bool]] = {}  # pass id -> (checked at, active)

    async def role_of(self, token: str) -> Role:
        """The token holder's role; ApiError 401 for anything that is not a valid pass."""
        if hmac.compare_digest(token.encode(), self._organiser_token):
            return Role.ORGANISER
        try:
            claims = verify_staff_pass(await self.public_key(), token)
            role = Role(claims.role)
        except (InvalidToken, ValueError):
            raise ApiError(401, "unauthenticated") from None
        if claims.expires <= self._clock():
            raise ApiError(401, "pass_expired")
        if not await self._still_active(claims.pass_id):
            raise ApiError(401, "pass_revoked")
        return role

    async def pass_id(self, token: str) -> str | None:
        """The pass behind a token `role_of` let in; None for the organisers' own token."""
        if hmac.compare_digest(token.encode(), self._organiser_token):
            return None
        return verify_staff_pass(await self.public_key(), token).pass_id

    async def public_key(self) -> Ed25519PublicKey:
        """The key that signs badges, passes and player tokens, asked of the registration service once."""
        if self._public_key is None:
            self._public_key = public_key_from_b64(await self._rpc.call(Source.REGISTRATION, "public_key"))
        return self._public_key

    async def _still_active(self, pass_id: str) -> bool:
        now = self._clock()
        checked = self._active.get(pass_id)
        if checked is None or now - checked[0] > REVOCATION_RECHECK_SECONDS:
            active = await self._rpc.call(Source.REGISTRATION, "staff_pass_active", pass_id=pass_id)
            checked = self._active[pass_id] = (now, bool(active))
        return checked[1]
