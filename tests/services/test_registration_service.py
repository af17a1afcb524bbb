"""The registration service on a real broker and a real database (run under `nameko test`)."""
from datetime import datetime

import eventlet
import pytest
from nameko.events import event_handler
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.registration.logic import PROOF_ATTEMPTS_MAX
from services.registration.service import RegistrationService
from shared.errors import Forbidden, NotFound, Refused, ServiceUnavailable, ValidationFailed
from shared.events import AttendeeRegistered
from shared.signing import new_private_key_b64, public_key_from_b64, verify_staff_pass, verify_token
from tests.services.helpers import call, call_concurrently, changes_counted, counter_totals
from tools.stack import free_port


class RegistrationListener:
    name = "registration_listener"
    received: list[dict] = []

    @event_handler(AttendeeRegistered.SOURCE, AttendeeRegistered.NAME)
    def on_registered(self, payload: dict) -> None:
        self.received.append(payload)


def test_registering_returns_a_badge_token_a_scanner_verifies_offline(registration):
    attendee = call(registration, "register", consent=True, name="Lò Thị Mai", phone="0912 345 678", group="trader")
    assert attendee["created"] is True and "phone" not in attendee
    public_key = public_key_from_b64(call(registration, "public_key"))
    claims = verify_token(public_key, attendee["token"])
    assert (claims.code, claims.name) == (attendee["code"], "Lò Thị Mai")


@pytest.mark.parametrize("typed", ["0924129332", "+84 924 129 332", "84924129332", "(+84) 924-129-332"])
def test_a_phone_someone_registered_is_refused_however_it_is_written_and_tells_nothing(registration, typed):
    call(registration, "register", consent=True, name="Hoàng Thị Mỷ", phone="0924129332", request_id="her-phone")
    with pytest.raises(Refused) as caught:
        call(registration, "register", consent=True, name="Mỷ Hoàng", phone=typed, request_id="another-phone")
    assert caught.value.args == ("phone_taken",)
    assert counter_totals(call(registration, "stats")) == {"registrations_total": 1}


def test_a_retried_request_registers_once(registration):
    first = call(registration, "register", consent=True, name="An", phone="0912345678", request_id="req-1")
    again = call(registration, "register", consent=True, name="An", phone="+84 912 345 678", request_id="req-1")
    assert (again["code"], again["created"]) == (first["code"], False)
    with pytest.raises(Refused) as caught:
        call(registration, "register", consent=True, name="An", phone="0912999888", request_id="req-1")
    assert caught.value.args == ("request_reused",)


def outcomes(config, count: int, kwargs_for) -> list:
    """Each of `count` simultaneous registrations' answer: the attendee, or the Refused."""
    def one(i: int):
        try:
            return call_concurrently(config, "registration", "register", 1,
                                     lambda _: kwargs_for(i) | {"consent": True})[0]
        except Refused as exc:
            return exc
    return list(eventlet.GreenPool(count).imap(one, range(count)))


def test_simultaneous_registrations_of_one_phone_make_one_attendee_and_refuse_the_rest(registration, config):
    results = outcomes(config, 10, lambda i: {"name": f"Páo {i}", "phone": "0987654321", "request_id": f"r{i}"})
    created = [r for r in results if isinstance(r, dict)]
    assert [r["created"] for r in created] == [True]
    assert [r.args for r in results if isinstance(r, Refused)] == [("phone_taken",)] * 9
    stats = call(registration, "stats")
    assert (counter_totals(stats), changes_counted(stats)) == ({"registrations_total": 1}, 1)


def test_simultaneous_retries_of_one_request_get_one_badge(registration, config):
    results = outcomes(config, 10, lambda _: {"name": "Páo", "phone": "0987654321", "request_id": "tap"})
    assert len({r["code"] for r in results}) == 1
    assert sum(r["created"] for r in results) == 1
    assert counter_totals(call(registration, "stats")) == {"registrations_total": 1}


def test_a_lost_badge_comes_back_with_the_name_and_commune_it_was_registered_with(registration):
    mine = call(registration, "register", consent=True, name="Hoàng Thị Mỷ", phone="0924129332", commune="Xã Tân Thanh")
    found = call(registration, "recover_badge", phone="(+84) 924-129-332", name="hoàng thị  mỷ",
                 commune="xã tân thanh")
    assert found == {k: v for k, v in mine.items() if k != "created"}


@pytest.mark.parametrize("phone, name, commune", [
    ("0924129332", "Mỷ Hoàng", "Xã Tân Thanh"),  # the phone alone is no proof
    ("0924129332", "Hoàng Thị Mỷ", "Xã Tân Lập"),
    ("0924129333", "Hoàng Thị Mỷ", "Xã Tân Thanh"),  # nobody's phone: the same answer
])
def test_a_proof_that_does_not_match_reveals_nothing(registration, phone, name, commune):
    call(registration, "register", consent=True, name="Hoàng Thị Mỷ", phone="0924129332", commune="Xã Tân Thanh")
    with pytest.raises(Forbidden) as caught:
        call(registration, "recover_badge", phone=phone, name=name, commune=commune)
    assert caught.value.args == ("proof_mismatch",)


def test_guessing_a_name_is_stopped_after_a_few_tries_even_for_its_owner(registration, config):
    call(registration, "register", consent=True, name="Hoàng Thị Mỷ", phone="0924129332")

    def guess(i: int):
        try:
            return call_concurrently(config, "registration", "recover_badge", 1,
                                     lambda _: {"phone": "0924129332", "name": f"Guess {i}"})
        except Forbidden as exc:
            return exc.args
    answers = list(eventlet.GreenPool(PROOF_ATTEMPTS_MAX + 3).imap(guess, range(PROOF_ATTEMPTS_MAX + 3)))
    assert sorted(answers) == [("proof_locked",)] * 3 + [("proof_mismatch",)] * PROOF_ATTEMPTS_MAX
    with pytest.raises(Forbidden) as caught:
        call(registration, "recover_badge", phone="0924129332", name="Hoàng Thị Mỷ")
    assert caught.value.args == ("proof_locked",)


def test_the_help_desk_finds_a_badge_by_its_phone(registration):
    mine = call(registration, "register", consent=True, name="Hoàng Thị Mỷ", phone="0924129332")
    found = call(registration, "badge_at_desk", phone="+84 924 129 332")
    assert found == {k: v for k, v in mine.items() if k != "created"}
    with pytest.raises(NotFound):
        call(registration, "badge_at_desk", phone="0924129333")
    with pytest.raises(ValidationFailed) as caught:
        call(registration, "badge_at_desk", phone="12345")
    assert caught.value.fields == {"phone": "invalid_phone"}


def test_a_burst_of_registrations_is_counted_exactly(registration, config):
    results = call_concurrently(config, "registration", "register", 60,
                                lambda i: {"name": f"Người {i}", "consent": True})
    assert len({r["code"] for r in results}) == 60
    stats = call(registration, "stats")
    assert (counter_totals(stats), changes_counted(stats)) == ({"registrations_total": 60}, 60)


def test_each_registration_is_announced_once_with_its_position(registration, container_factory, config):
    RegistrationListener.received = []
    listener = container_factory(RegistrationListener, config)
    listener.start()
    with entrypoint_waiter(listener, "on_registered"):
        attendee = call(registration, "register", consent=True, name="An", phone="0912000111", commune="Xã Tân Thanh",
                        request_id="tap")
    call(registration, "register", consent=True, name="An", phone="0912000111", request_id="tap")  # a retry: no event
    eventlet.sleep(0.3)
    assert len(RegistrationListener.received) == 1
    event = AttendeeRegistered(**RegistrationListener.received[0])
    assert (event.code, event.seq, event.commune) == (attendee["code"], 1, "Xã Tân Thanh")
    assert event.stream.startswith("registration/")
    assert "phone" not in RegistrationListener.received[0]


def test_invalid_input_names_each_field(registration):
    with pytest.raises(ValidationFailed) as caught:
        call(registration, "register", consent=True, name=" ", phone="123")
    assert caught.value.fields == {"name": "required", "phone": "invalid_phone"}
    assert counter_totals(call(registration, "stats")) == {}


def test_a_badge_is_found_by_its_code_as_typed(registration):
    attendee = call(registration, "register", consent=True, name="An")
    code = attendee["code"]
    found = call(registration, "get_attendee", code=f" {code[:3].lower()}-{code[3:]} ")
    assert found == {k: v for k, v in attendee.items() if k != "created"}
    with pytest.raises(NotFound):
        call(registration, "get_attendee", code="XXXXXXX")


def test_an_unreachable_database_is_reported_as_unavailable(container_factory, rabbit_config, mongo_db):
    config = {**rabbit_config, "MONGO_URL": f"mongodb://127.0.0.1:{free_port()}", "MONGO_DB": mongo_db,
              "SIGNING_KEY": new_private_key_b64()}
    container = container_factory(RegistrationService, config)
    container.start()  # starts anyway, so it can answer "try again" rather than vanish
    with pytest.raises(ServiceUnavailable):
        with entrypoint_hook(container, "register") as register:
            register(name="An", consent=True)


def test_a_staff_pass_is_signed_with_its_role_and_expiry_and_can_be_revoked(registration):
    issued = call(registration, "issue_staff_pass", role="moderator", label="Chị Hoa", hours=8)
    claims = verify_staff_pass(public_key_from_b64(call(registration, "public_key")), issued["token"])
    assert (claims.pass_id, claims.role) == (issued["pass_id"], "moderator")
    assert claims.expires == int(datetime.fromisoformat(issued["expires_at"]).timestamp())
    assert call(registration, "staff_pass_active", pass_id=issued["pass_id"]) is True
    call(registration, "revoke_staff_pass", pass_id=issued["pass_id"])
    assert call(registration, "staff_pass_active", pass_id=issued["pass_id"]) is False
    assert [p["revoked"] for p in call(registration, "staff_passes")] == [True]
    assert "token" not in call(registration, "staff_passes")[0]
    with pytest.raises(NotFound):
        call(registration, "revoke_staff_pass", pass_id="no-such-pass")
    with pytest.raises(ValidationFailed):
        call(registration, "issue_staff_pass", role="superuser")
