"""The check-in service with the registration service, a real broker and a real database."""
from datetime import UTC, datetime

import eventlet
import pytest
from nameko.events import event_handler
from nameko.testing.services import entrypoint_waiter

from services.checkin.service import CheckinService
from shared.errors import Forbidden, NotAuthenticated, ValidationFailed
from shared.events import CheckinRejected, CheckinsRecorded, PassportCompleted
from tests.services.helpers import ask, ask_one, call, changes_counted, counter_totals

BOOTHS = ("dich-vu-cong", "chu-ky-so", "trai-nghiem-5g")


class CheckinListener:
    name = "checkin_listener"
    received: list[tuple[str, dict]] = []

    @event_handler(CheckinsRecorded.SOURCE, CheckinsRecorded.NAME)
    def on_recorded(self, payload: dict) -> None:
        self.received.append((CheckinsRecorded.NAME, payload))

    @event_handler(CheckinRejected.SOURCE, CheckinRejected.NAME)
    def on_rejected(self, payload: dict) -> None:
        self.received.append((CheckinRejected.NAME, payload))

    @event_handler(PassportCompleted.SOURCE, PassportCompleted.NAME)
    def on_passport(self, payload: dict) -> None:
        self.received.append((PassportCompleted.NAME, payload))


@pytest.fixture
def checkin(container_factory, config, registration):
    container = container_factory(CheckinService, config)
    container.start()
    for order, booth_id in enumerate(BOOTHS):
        call(container, "save_booth", booth_id=booth_id, booth={"name": {"vi": booth_id}, "order": order})
    return container


@pytest.fixture
def device(checkin) -> str:
    """A volunteer device's token at the first booth."""
    return call(checkin, "add_device", booth_id=BOOTHS[0], label="phone 1")["device_token"]


def attendee(registration, name="Lò Thị Mai") -> dict:
    return call(registration, "register", consent=True, name=name)


def command(device, payload, scan_id) -> dict:
    """A scan as the gateway hands it on."""
    return {"device_token": device, "scan_id": scan_id, "payload": payload, "client_time": "2026-11-25T08:00:00+07:00"}


def scan_batches(checkin, commands: list[dict], size: int = 500) -> list:
    """Commands through the batch entrypoint, `size` at a time: each one's outcome, or the error refusing it."""
    return [outcome for start in range(0, len(commands), size)
            for outcome in ask(checkin, "take_scans", commands[start:start + size])]


def scan(checkin, device, payload, scan_id):
    return ask_one(checkin, "take_scans", command(device, payload, scan_id))


def test_a_first_scan_checks_in_and_a_repeat_is_not_counted_again(checkin, registration, device):
    mai = attendee(registration)
    first = scan(checkin, device, mai["token"], "scan-0001")
    assert (first["status"], first["attendee"]["name"], first["booths_visited"]) == (
        "checked_in", "Lò Thị Mai", 1)
    repeat = scan(checkin, device, mai["code"].lower(), "scan-0002")
    assert (repeat["status"], repeat["booths_visited"]) == ("already_checked_in", 1)
    assert counter_totals(call(checkin, "stats")) == {
        "checkins_total": 1, "unique_visitors": 1, "checkins_by_booth": {BOOTHS[0]: 1}}


def test_a_retried_scan_id_is_one_scan_with_the_same_answer(checkin, registration, device):
    mai = attendee(registration)
    first = scan(checkin, device, mai["token"], "scan-retry-1")
    again = scan(checkin, device, mai["token"], "scan-retry-1")
    assert again == first | {"replayed": True} and again["status"] == "checked_in"
    stats = call(checkin, "stats")
    assert changes_counted(stats) == 1
    assert counter_totals(stats) == {"checkins_total": 1, "unique_visitors": 1, "checkins_by_booth": {BOOTHS[0]: 1}}


@pytest.mark.parametrize("payload_of, reason", [
    (lambda a: a["token"][:-4] + "AAAA", "forged"),
    (lambda a: "v1." + a["token"].split(".")[1] + ".bm90IGEgc2lnbmF0dXJl", "forged"),
    (lambda a: "XXXXXXX", "unknown"),
    (lambda a: "https://example.org/not-a-badge", "malformed"),
])
def test_forged_unknown_and_malformed_scans_are_refused_and_kept(checkin, registration, device, payload_of,
                                                                 reason):
    outcome = scan(checkin, device, payload_of(attendee(registration)), "scan-bad-1")
    assert (outcome["status"], outcome["reason"]) == ("rejected", reason)
    kept = call(checkin, "rejected_scans")
    assert [(k["scan_id"], k["reason"]) for k in kept] == [("scan-bad-1", reason)]
    assert counter_totals(call(checkin, "stats")) == {}


def test_a_device_needs_a_valid_unrevoked_token(checkin, device):
    with pytest.raises(NotAuthenticated):
        scan(checkin, "not-a-device-token", "XXXXXXX", "scan-0003")
    device_id = call(checkin, "devices")[0]["device_id"]
    call(checkin, "revoke_device", device_id=device_id)
    with pytest.raises(Forbidden):
        scan(checkin, device, "XXXXXXX", "scan-0004")


def test_a_device_token_expires_after_its_hours(checkin, device, mongo_client, mongo_db):
    """A phone left behind after the day scans for nobody."""
    with pytest.raises(ValidationFailed):
        call(checkin, "add_device", booth_id=BOOTHS[0], hours=0)
    listed = call(checkin, "devices")[0]
    assert listed["expires_at"] > listed["created_at"]
    mongo_client[mongo_db]["devices"].update_one({"_id": listed["device_id"]},
                                                 {"$set": {"expires_at": datetime.now(UTC)}})
    with pytest.raises(Forbidden) as refused:
        call(checkin, "device_info", device_token=device)
    assert refused.value.args == ("device_expired",)


def test_a_pairing_code_works_once_and_gives_the_device_its_booth(checkin):
    added = call(checkin, "add_device", booth_id=BOOTHS[1], label="tablet")
    paired = call(checkin, "pair_device", pairing_code=added["pairing_code"].lower())
    assert paired["booth"]["id"] == BOOTHS[1]
    assert call(checkin, "device_info", device_token=paired["device_token"])["booth"]["id"] == BOOTHS[1]
    with pytest.raises(NotAuthenticated):
        call(checkin, "pair_device", pairing_code=added["pairing_code"])


def test_bad_scan_input_is_refused_before_anything_is_stored(checkin, device):
    with pytest.raises(ValidationFailed):
        scan(checkin, device, "", "scan-0005")
    assert call(checkin, "rejected_scans") == []


def test_visiting_the_required_booths_completes_the_passport_once(checkin, registration, container_factory,
                                                                  config):
    CheckinListener.received = []
    listener = container_factory(CheckinListener, config)
    listener.start()
    call(checkin, "set_passport_required", required=2)
    devices = [call(checkin, "add_device", booth_id=b)["device_token"] for b in BOOTHS]
    mai = attendee(registration)
    scan(checkin, devices[0], mai["token"], "scan-p-1")
    with entrypoint_waiter(listener, "on_passport"):
        second = scan(checkin, devices[1], mai["token"], "scan-p-2")
    third = scan(checkin, devices[2], mai["token"], "scan-p-3")
    assert second["passport_completed"] and not third["passport_completed"]
    eventlet.sleep(0.3)
    kinds = [kind for kind, _ in CheckinListener.received]
    assert kinds.count(PassportCompleted.NAME) == 1 and kinds.count(CheckinsRecorded.NAME) == 3
    assert counter_totals(call(checkin, "stats"))["passports_completed"] == 1
    passport = call(checkin, "passport", code=mai["code"])
    assert passport["completed"] and passport["visited"] == 3 and passport["required"] == 2


def test_a_burst_from_many_devices_on_one_booth_counts_exactly(checkin, registration):
    devices = [call(checkin, "add_device", booth_id=BOOTHS[0])["device_token"] for _ in range(5)]
    people = [attendee(registration, f"Người {i}") for i in range(20)]
    # Every person is scanned by every device: 100 scans in batches of 7, 20 visits.
    outcomes = scan_batches(checkin, [command(devices[i % 5], people[i // 5]["token"], f"burst-{i:04d}")
                                      for i in range(100)], size=7)
    assert [o["status"] for o in outcomes] == (["checked_in"] + ["already_checked_in"] * 4) * 20
    stats = call(checkin, "stats")
    # One counter update per batch with a first visit: all but the last batch (scans 98 and 99, repeats).
    assert changes_counted(stats) == 14
    assert counter_totals(stats) == {"checkins_total": 20, "unique_visitors": 20, "checkins_by_booth": {BOOTHS[0]: 20}}


def test_one_attendee_scanned_at_every_booth_in_one_batch_is_one_visitor_with_a_passport(checkin, registration):
    """Scanners flushing their offline queues together after an outage."""
    devices = [call(checkin, "add_device", booth_id=b)["device_token"] for b in BOOTHS]
    people = [attendee(registration, f"Khách {i}") for i in range(12)]
    outcomes = scan_batches(checkin, [command(devices[i % 3], people[i // 3]["token"], f"flush-{i:04d}")
                                      for i in range(36)])
    assert all(o["status"] == "checked_in" for o in outcomes)
    assert [o["booths_visited"] for o in outcomes] == [1, 2, 3] * 12
    assert [o["passport_completed"] for o in outcomes] == [False, False, True] * 12
    totals = counter_totals(call(checkin, "stats"))
    assert (totals["unique_visitors"], totals["passports_completed"], totals["checkins_total"]) == (12, 12, 36)
    assert all(call(checkin, "passport", code=p["code"])["completed"] for p in people)


def test_a_batch_answers_each_scan_and_refuses_bad_ones_without_storing_them(checkin, registration, device):
    mai, lan = attendee(registration), attendee(registration, "Lường Văn Lan")
    outcomes = scan_batches(checkin, [
        command(device, mai["token"], "mixed-0001"), command("not-a-device-token", lan["token"], "mixed-0002"),
        command(device, mai["code"], "mixed-0003"), command(device, lan["code"], "mixed-0004"),
        command(device, "", "mixed-0005"), command(device, mai["token"], "mixed-0001")])
    assert [o["status"] for o in outcomes[:4:2]] == ["checked_in", "already_checked_in"]
    assert (outcomes[3]["status"], outcomes[3]["attendee"]["name"]) == ("checked_in", "Lường Văn Lan")
    assert isinstance(outcomes[1], NotAuthenticated) and isinstance(outcomes[4], ValidationFailed)
    assert outcomes[5] == outcomes[0] | {"replayed": True}, "a copy of a scan in its own batch is a replay"
    stats = call(checkin, "stats")
    assert changes_counted(stats) == 1
    assert counter_totals(stats) == {"checkins_total": 2, "unique_visitors": 2, "checkins_by_booth": {BOOTHS[0]: 2}}


def test_a_batch_cut_short_after_its_scans_were_stored_is_finished_and_counted_once(checkin, registration, device,
                                                                                     mongo_client, mongo_db):
    """The service was killed after storing the scans, before their visits and the counter update: the batch comes
    again, keeps the stored outcomes, stores the visits and counts them once."""
    people = [attendee(registration, f"Khách {i}") for i in range(3)]
    commands = [command(device, person["token"], f"cut-{i:04d}") for i, person in enumerate(people)]
    first = scan_batches(checkin, commands)
    db = mongo_client[mongo_db]
    db["visits"].delete_many({})
    db["stats"].delete_many({"_id": {"$regex": "^checkin/"}})
    again = scan_batches(checkin, commands + [command(device, people[0]["code"], "cut-0100")])
    assert again[:3] == [o | {"replayed": True} for o in first] and again[3]["status"] == "already_checked_in"
    assert db["visits"].count_documents({}) == 3
    stats = call(checkin, "stats")
    assert counter_totals(stats) == {"checkins_total": 3, "unique_visitors": 3, "checkins_by_booth": {BOOTHS[0]: 3}}
    scan_batches(checkin, commands)
    assert counter_totals(call(checkin, "stats"))["checkins_total"] == 3, "counted once, however often it comes"
