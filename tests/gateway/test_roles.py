"""Roles: every organisers' endpoint lets in exactly its roles; passes expire and can be revoked."""
import time

import pytest

from gateway.access import REVOCATION_RECHECK_SECONDS
from shared.signing import StaffPassClaims, new_private_key_b64, private_key_from_b64, sign_staff_pass
from tests.conftest import ORGANISER
from tests.waiting import wait_until

SIGNING_KEY = new_private_key_b64()
# The endpoints each staff role may use besides the organisers, by path prefix.
ALLOWED = {"mc": ("/api/admin/quiz/rounds",), "moderator": ("/api/admin/live/",)}


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory(SIGNING_KEY=SIGNING_KEY)


def issue(api, role: str, **body) -> dict:
    response = api.post("/api/admin/staff", json={"role": role, **body}, headers=ORGANISER)
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def admin_endpoints(api) -> list[tuple[str, str]]:
    paths = api.get("/openapi.json").json()["paths"]
    return [(method.upper(), path) for path, methods in paths.items() if path.startswith("/api/admin")
            for method in methods]


def fill(path: str) -> str:
    return path.replace("{action}", "close").replace("{", "").replace("}", "")


@pytest.mark.parametrize("role", ["mc", "moderator"])
def test_each_admin_endpoint_lets_a_staff_role_in_only_where_it_works(api, role):
    token = issue(api, role, label=f"test {role}")["token"]
    endpoints = admin_endpoints(api)
    assert len(endpoints) >= 20
    for method, path in endpoints:
        answer = api.request(method, fill(path), json={}, headers=bearer(token))
        if path.startswith(ALLOWED[role]):
            assert answer.status_code not in (401, 403), (method, path, answer.text)
        else:
            assert answer.status_code == 403, (method, path, answer.status_code)
        assert api.request(method, fill(path), json={}).status_code == 401, (method, path)


def test_an_mc_pass_opens_the_host_page_link_and_runs_a_round(api):
    issued = issue(api, "mc", label="MC Lan", hours=4)
    assert issued["link"].endswith(f"/host#token={issued['token']}") and issued["link_qr_svg"].startswith("<svg")
    created = api.post("/api/admin/quiz/rounds", json={"question_count": 3, "seconds": 10},
                       headers=bearer(issued["token"]))
    assert created.status_code == 201
    listed = {p["pass_id"]: p for p in api.get("/api/admin/staff", headers=ORGANISER).json()}
    assert listed[issued["pass_id"]]["label"] == "MC Lan" and "token" not in listed[issued["pass_id"]]


def test_a_revoked_pass_stops_working_within_seconds(api):
    issued = issue(api, "moderator")
    assert api.get("/api/admin/live/posts", headers=bearer(issued["token"])).status_code == 200
    assert api.delete(f"/api/admin/staff/{issued['pass_id']}", headers=ORGANISER).status_code == 204
    refused = wait_until(
        lambda: api.get("/api/admin/live/posts", headers=bearer(issued["token"]), params={"lang": "en"}),
        lambda answer: answer.status_code != 200, seconds=REVOCATION_RECHECK_SECONDS + 2)
    assert refused.status_code == 401 and refused.json()["error"] == "pass_revoked"
    assert "revoked" in refused.json()["message"]


def test_an_expired_pass_is_refused_even_with_a_genuine_signature(api):
    issued = issue(api, "moderator")
    expired = sign_staff_pass(private_key_from_b64(SIGNING_KEY),
                              StaffPassClaims(issued["pass_id"], "moderator", int(time.time()) - 1))
    refused = api.get("/api/admin/live/posts", headers=bearer(expired))
    assert refused.status_code == 401 and refused.json()["error"] == "pass_expired"


def test_a_pass_forged_with_another_key_or_bad_fields_is_refused(api):
    forged = sign_staff_pass(private_key_from_b64(new_private_key_b64()),
                             StaffPassClaims("whatever", "organiser", int(time.time()) + 3600))
    assert api.get("/api/admin/booths", headers=bearer(forged)).status_code == 401
    bad = api.post("/api/admin/staff", json={"role": "king", "hours": 0}, headers=ORGANISER)
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"role", "hours"}


def test_an_mc_cannot_hand_out_passes(api):
    mc = issue(api, "mc")["token"]
    refused = api.post("/api/admin/staff?lang=en", json={"role": "organiser"}, headers=bearer(mc))
    assert refused.status_code == 403 and refused.json()["error"] == "wrong_role"
    assert refused.json()["message"] == "This staff pass is not for this. Open the link that came with it."
