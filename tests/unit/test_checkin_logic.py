"""Check-in rules: reading a scan, defining booths, the passport, and the counters it moves."""
from datetime import UTC, datetime, timedelta

import pytest

from services.checkin.logic import (
    ALREADY_CHECKED_IN,
    CHECKED_IN,
    Identified,
    counted,
    day_start,
    device_refusal,
    judge_scans,
    judge_visit,
    passport_target,
    read_scan,
    validate_booth,
    validate_scan,
)
from shared.errors import ValidationFailed
from shared.events import CheckinsRecorded
from shared.stats import add_deltas, flatten


def test_a_badge_token_and_a_typed_code_are_told_apart():
    assert read_scan("v1.abc.def").token == "v1.abc.def"
    assert read_scan("gxh-6agg").code == "GXH6AGG"


@pytest.mark.parametrize("payload", ["hello", "https://example.org", "GXH6AG0", "12345678", "v2.a.b"])
def test_anything_else_is_not_an_attendee_code(payload):
    assert read_scan(payload) is None


@pytest.mark.parametrize("scan_id, payload, field, code", [
    ("short", "GXH6AGG", "scan_id", "invalid_scan_id"),
    ("bad id with spaces", "GXH6AGG", "scan_id", "invalid_scan_id"),
    ({"$ne": 1}, "GXH6AGG", "scan_id", "invalid_scan_id"),
    ("scan-0001", "  ", "payload", "required"),
    ("scan-0001", "x" * 1001, "payload", "too_long"),
    ("scan-0001", ["GXH6AGG"], "payload", "required"),
])
def test_bad_scan_requests_name_the_field(scan_id, payload, field, code):
    with pytest.raises(ValidationFailed) as caught:
        validate_scan(scan_id, payload, None)
    assert caught.value.fields == {field: code}


def test_a_booth_needs_a_vietnamese_name_and_english_falls_back_to_it():
    booth = validate_booth("chu-ky-so", {"name": {"vi": " Chữ  ký số "}, "order": 2})
    assert booth.name == {"vi": "Chữ ký số", "en": "Chữ ký số"} and booth.order == 2 and booth.active
    with pytest.raises(ValidationFailed) as caught:
        validate_booth("Bad Id!", {"name": {"en": "Only English"}, "order": -1, "active": "yes"})
    assert caught.value.fields == {"id": "invalid_booth_id", "name.vi": "required",
                                   "order": "invalid_number", "active": "invalid_boolean"}


@pytest.mark.parametrize("required, active, target", [(None, 8, 8), (5, 8, 5), (12, 8, 8), (0, 3, 3)])
def test_the_passport_needs_the_organisers_number_of_booths_at_most_all(required, active, target):
    assert passport_target(required, active) == target


def test_a_batch_of_first_visits_moves_the_booth_visitor_and_passport_counters_once():
    fields = counted([{"booth_id": "5g", "first_visit_anywhere": True, "passport_completed": False},
                      {"booth_id": "5g", "first_visit_anywhere": False, "passport_completed": True},
                      {"booth_id": "ai", "first_visit_anywhere": True, "passport_completed": False}])
    deltas = CheckinsRecorded.deltas(fields)
    assert deltas == {"checkins_total": 3, "checkins_by_booth": {"5g": 2, "ai": 1}, "unique_visitors": 2,
                      "passports_completed": 1}
    assert flatten(deltas) == {"counters.checkins_total": 3, "counters.checkins_by_booth.5g": 2,
                               "counters.checkins_by_booth.ai": 1, "counters.unique_visitors": 2,
                               "counters.passports_completed": 1}


MAI, LAN = {"code": "MAIMAI1", "name": "Mai"}, {"code": "LANLAN1", "name": "Lan"}


def test_a_batch_is_judged_in_order_a_second_scan_at_a_booth_being_a_repeat():
    scans = [Identified("s1", "5g", MAI), Identified("s2", "5g", MAI), Identified("s3", "ai", MAI),
             Identified("s4", "5g", None, "forged"), Identified("s5", "5g", LAN)]
    judged = judge_scans(scans, visited={"LANLAN1": ["ai"]}, passports=[], passport_required=2)
    assert [j.outcome["status"] for j in judged] == [CHECKED_IN, ALREADY_CHECKED_IN, CHECKED_IN, "rejected",
                                                     CHECKED_IN]
    assert [j.outcome.get("booths_visited") for j in judged] == [1, 1, 2, None, 2]
    assert [j.outcome.get("passport_completed") for j in judged] == [False, False, True, None, True]
    assert judged[1].effect is None and judged[3].outcome["reason"] == "forged"
    assert judged[0].effect == {"attendee_code": "MAIMAI1", "booth_id": "5g", "first_visit_anywhere": True,
                                "passport_completed": False}
    assert judged[4].effect is not None and not judged[4].effect["first_visit_anywhere"]


def test_a_passport_held_already_is_not_completed_again():
    [judged] = judge_scans([Identified("s1", "5g", MAI)], visited={"MAIMAI1": ["ai", "ab"]}, passports=["MAIMAI1"],
                           passport_required=2)
    assert judged.outcome["booths_visited"] == 3 and not judged.outcome["passport_completed"]
    assert judged.effect == {"attendee_code": "MAIMAI1", "booth_id": "5g", "first_visit_anywhere": False,
                             "passport_completed": False}


def test_keyed_counters_add_per_key():
    assert add_deltas({"a": 2}, {"a": 1, "b": 1}) == {"a": 3, "b": 1}
    assert add_deltas(4, 1) == 5


def test_a_first_visit_is_a_check_in_and_the_first_anywhere_only_at_one_booth() -> None:
    first = judge_visit(first_here=True, booths_visited=1, passport_required=3)
    assert (first.status, first.first_visit_anywhere, first.passport_due) == (CHECKED_IN, True, False)
    second = judge_visit(first_here=True, booths_visited=2, passport_required=3)
    assert (second.status, second.first_visit_anywhere, second.passport_due) == (CHECKED_IN, False, False)


def test_the_visit_that_reaches_the_target_earns_the_passport() -> None:
    assert judge_visit(first_here=True, booths_visited=3, passport_required=3).passport_due


def test_a_first_visit_past_a_lowered_target_still_earns_the_passport() -> None:
    assert judge_visit(first_here=True, booths_visited=6, passport_required=4).passport_due


@pytest.mark.parametrize("booths_visited", [1, 3, 8])
def test_a_repeat_at_a_booth_earns_nothing_whatever_the_tally(booths_visited: int) -> None:
    repeat = judge_visit(first_here=False, booths_visited=booths_visited, passport_required=3)
    assert (repeat.status, repeat.first_visit_anywhere, repeat.passport_due) == (ALREADY_CHECKED_IN, False, False)
    assert repeat.booths_visited == booths_visited and repeat.passport_required == 3


def test_a_revoked_or_expired_device_may_not_scan() -> None:
    now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    later = now + timedelta(hours=1)
    assert device_refusal(False, later, now) is None
    assert device_refusal(True, later, now) == "device_revoked"
    assert device_refusal(False, now, now) == "device_expired"
    assert device_refusal(True, now, now) == "device_revoked"


def test_today_starts_at_midnight_on_the_markets_clock_whatever_the_servers_zone():
    # 23:30 UTC on the 1st is 06:30 on the 2nd at the market (UTC+7).
    assert day_start(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert day_start(datetime(2026, 12, 1, 16, 59, tzinfo=UTC)) == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)

