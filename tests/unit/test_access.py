"""Staff passes at the gateway: the organisers' token, genuine current passes, and nothing else."""
import asyncio

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.access import REVOCATION_RECHECK_SECONDS, StaffGate
from gateway.errors import ApiError
from services.registration.logic import validate_staff_pass
from shared.access import PASS_HOURS_MAX, Role
from shared.errors import ValidationFailed
from shared.signing import StaffPassClaims, public_key_b64, sign_staff_pass

KEY = Ed25519PrivateKey.generate()
NOW = 1_800_000_000.0


class FakeRegistration:
    """Answers the two calls the gate makes, counting the revocation checks."""

    def __init__(self):
        self.revoked: set[str] = set()
        self.checks = 0

    async def call(self, service: str, method: str, **kwargs):
        if method == "public_key":
            return public_key_b64(KEY)
        self.checks += 1
        return kwargs["pass_id"] not in self.revoked


def a_pass(role: str = "mc", expires: float = NOW + 3600, pass_id: str = "p1") -> str:
    return sign_staff_pass(KEY, StaffPassClaims(pass_id=pass_id, role=role, expires=int(expires)))


def role_of(gate: StaffGate, token: str) -> Role:
    return asyncio.run(gate.role_of(token))


def refusal(gate: StaffGate, token: str) -> tuple[int, str]:
    with pytest.raises(ApiError) as refused:
        role_of(gate, token)
    return refused.value.status, refused.value.code


@pytest.fixture
def registration() -> FakeRegistration:
    return FakeRegistration()


@pytest.fixture
def gate(registration) -> StaffGate:
    return StaffGate(registration, "the-organisers-own-secret", clock=lambda: NOW)


def test_the_organisers_token_and_genuine_passes_name_their_role(gate):
    assert role_of(gate, "the-organisers-own-secret") is Role.ORGANISER
    assert role_of(gate, a_pass("mc")) is Role.MC
    assert role_of(gate, a_pass("moderator", pass_id="p2")) is Role.MODERATOR


@pytest.mark.parametrize("token", ["", "the-organisers-own-secret ", "s1.e30.AAAA", "v1.x.y",
                                   sign_staff_pass(Ed25519PrivateKey.generate(), StaffPassClaims("p1", "mc", 2**31)),
                                   sign_staff_pass(KEY, StaffPassClaims("p1", "king", 2**31))])
def test_anything_else_is_unauthenticated(gate, token):
    assert refusal(gate, token) == (401, "unauthenticated")


def test_an_expired_pass_says_so(gate):
    assert refusal(gate, a_pass(expires=NOW)) == (401, "pass_expired")


def test_a_revoked_pass_stops_working_once_the_short_recheck_passes(registration):
    now = [NOW]
    gate = StaffGate(registration, "the-organisers-own-secret", clock=lambda: now[0])
    token = a_pass()
    assert role_of(gate, token) is Role.MC
    assert role_of(gate, token) is Role.MC and registration.checks == 1  # remembered, not asked again
    registration.revoked.add("p1")
    now[0] += REVOCATION_RECHECK_SECONDS
    assert role_of(gate, token) is Role.MC and registration.checks == 1  # still within the recheck time
    now[0] += 0.1
    assert refusal(gate, token) == (401, "pass_revoked")


def test_a_pass_request_names_every_bad_field():
    with pytest.raises(ValidationFailed) as refused:
        validate_staff_pass("king", 5, PASS_HOURS_MAX + 1)
    assert refused.value.args[0] == {"role": "unknown_role", "label": "not_text", "hours": "invalid_number"}
    assert validate_staff_pass("mc", "  MC  Lan ", 8).label == "MC Lan"
    with pytest.raises(ValidationFailed):
        validate_staff_pass("mc", "", True)  # a bool is not a number of hours
