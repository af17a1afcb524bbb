"""Personal data rules: consent at registration, the proof a person's own data asks for, when the
shredder runs and which backups go with it, and phone numbers masked in logs."""
import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from services.registration.logic import (
    PROOF_ATTEMPTS_MAX,
    ProofVerdict,
    judge_holder,
    validate_holder_proof,
    validate_privacy_settings,
    validate_registration,
)
from shared.errors import ValidationFailed
from shared.privacy import (
    CONSENT_VERSION,
    MaskPhones,
    Retention,
    exported_since,
    mask_phones,
    retention_from,
    shred_due,
    stale_backups,
)


@pytest.mark.parametrize("consent", [None, False, "", "off", "false", 1])
def test_nobody_is_registered_without_ticking_the_consent_box(consent):
    with pytest.raises(ValidationFailed) as caught:
        validate_registration({"name": "An", "consent": consent})
    assert caught.value.fields == {"consent": "consent_required"}


@pytest.mark.parametrize("consent", [True, "on", "true"])
def test_a_ticked_box_stores_the_version_of_the_text_agreed_to(consent):
    assert validate_registration({"name": "An", "consent": consent}).consent_version == CONSENT_VERSION


def test_the_phone_is_optional_unless_the_organisers_require_it():
    assert validate_registration({"name": "An", "consent": True}).phone is None
    with pytest.raises(ValidationFailed) as caught:
        validate_registration({"name": "An", "consent": True}, phone_required=True)
    assert caught.value.fields == {"phone": "required"}


MINE = {"code": "GXH6AGG", "name": "Hoàng Thị Mỷ", "commune": "Xã Tân Thanh", "phone": "0924129332"}


def holder(**fields):
    return validate_holder_proof({"code": "gxh6-agg"} | fields)


def test_a_badge_code_with_its_phone_proves_the_holder_and_nothing_else_does():
    assert judge_holder(MINE, 1, holder(phone="+84 924 129 332")) is ProofVerdict.MATCH
    for proof in (holder(phone="0924129333"), holder(name="Hoàng Thị Mỷ", commune="Xã Tân Thanh"), holder()):
        assert judge_holder(MINE, 1, proof) is ProofVerdict.MISMATCH
    assert judge_holder(None, 0, holder(phone="0924129332")) is ProofVerdict.MISMATCH


def test_without_a_phone_registered_the_name_and_commune_prove_it_as_badge_recovery_weighs_them():
    no_phone = {k: v for k, v in MINE.items() if k != "phone"}
    assert judge_holder(no_phone, 1, holder(name=" hoàng thị MỶ", commune="xã tân thanh")) is ProofVerdict.MATCH
    assert judge_holder(no_phone, 1, holder(name="Hoang Thi My", commune="Xã Tân Thanh")) is ProofVerdict.MISMATCH
    assert judge_holder(no_phone | {"commune": None}, 1, holder()) is ProofVerdict.MISMATCH


def test_the_same_few_tries_as_badge_recovery_then_only_the_help_desk():
    assert judge_holder(MINE, PROOF_ATTEMPTS_MAX + 1, holder(phone="0924129332")) is ProofVerdict.LOCKED


def test_a_holder_proof_needs_a_code_and_a_valid_phone_if_any():
    with pytest.raises(ValidationFailed) as caught:
        validate_holder_proof({"phone": "12ab", "name": 3})
    assert caught.value.fields == {"code": "required", "phone": "invalid_phone", "name": "not_text"}


EVENT = date(2026, 12, 5)


def test_data_is_kept_the_given_days_after_the_event_day_ends_in_vietnam():
    assert Retention(30, EVENT).shred_at() == datetime(2027, 1, 4, 17, tzinfo=UTC)  # 5 Jan 00:00 in Vietnam
    assert Retention(0, EVENT).shred_at() == datetime(2026, 12, 5, 17, tzinfo=UTC)


def test_the_shredder_runs_once_when_the_period_ran_out_and_never_without_a_setting():
    retention = Retention(0, EVENT)
    due = retention.shred_at()
    assert not shred_due(due - timedelta(seconds=1), retention, None)
    assert shred_due(due, retention, None)
    assert not shred_due(due + timedelta(hours=1), retention, due)
    assert shred_due(due, retention, due - timedelta(days=3))  # an earlier run, for an earlier setting
    assert not shred_due(due, None, None)


def test_settings_are_read_back_as_stored_and_none_until_set():
    assert retention_from({"retention_days": 7, "event_date": "2026-12-05"}) == Retention(7, EVENT)
    assert retention_from({}) is None and retention_from({"phone_required": True}) is None


def test_organisers_settings_are_checked_and_the_event_date_defaults_to_the_stored_one():
    today = date(2026, 12, 1)
    assert validate_privacy_settings({"retention_days": 0}, None, today).retention == Retention(0, today)
    assert validate_privacy_settings({"retention_days": 9}, Retention(3, EVENT), today).retention == Retention(9, EVENT)
    with pytest.raises(ValidationFailed) as caught:
        validate_privacy_settings({"retention_days": -1, "event_date": "5/12", "phone_required": "yes"}, None, today)
    assert caught.value.fields == {"retention_days": "invalid_number", "event_date": "invalid_date",
                                   "phone_required": "not_boolean"}
    with pytest.raises(ValidationFailed) as caught:
        validate_privacy_settings({"retention_days": 1, "event_date": "9999-12-30"}, None, today)
    assert caught.value.fields == {"event_date": "invalid_date"}


def test_every_backup_taken_before_the_run_goes_with_it():
    run = datetime(2026, 12, 6, tzinfo=UTC)
    taken = {"ndld-a.tar.gz": run - timedelta(days=2), "ndld-b.tar.gz": run - timedelta(seconds=1),
             "ndld-c.tar.gz": run + timedelta(minutes=15)}
    assert stale_backups(taken, run) == ["ndld-a.tar.gz", "ndld-b.tar.gz"]


def test_the_warning_asks_for_an_export_made_since_the_event_day_began():
    retention = Retention(30, EVENT)
    before, after = datetime(2026, 12, 4, 16, 59, tzinfo=UTC), datetime(2026, 12, 4, 17, tzinfo=UTC)
    assert exported_since([before], retention) is None
    assert exported_since([before, after], retention) == after
    assert exported_since([after], None) is None


@pytest.mark.parametrize("text, masked", [
    ("phone 0912345678 taken", "phone ******78 taken"), ("+84 912 345 678", "******78"),
    ("dup key: { phone: \"0912.345.678\" }", "dup key: { phone: \"******78\" }"),
    ("code GXH6AGG at 2026-12-05 10:00", "code GXH6AGG at 2026-12-05 10:00"), ("12345", "12345")])
def test_phone_numbers_are_masked_and_nothing_else(text, masked):
    assert mask_phones(text) == masked


def test_a_log_line_never_carries_a_phone_in_clear(caplog):
    log = logging.getLogger("test.privacy")
    caplog.handler.addFilter(MaskPhones())
    try:
        raise ValueError("E11000 duplicate key phone 0912345678")
    except ValueError:
        log.exception("register %s failed", "0987654321")
    assert "0987654321" not in caplog.text and "0912345678" not in caplog.text
    assert "******21" in caplog.text and "******78" in caplog.text
