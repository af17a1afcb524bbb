"""Backups of the embedded database: taken while the stack serves, rotated, and restored whole."""
import subprocess
import uuid

import httpx
from pymongo import MongoClient

from tests.conftest import ORGANISER
from tests.gateway.test_faults import booth_devices, register
from tools.backup import archives, backup, restore
from tools.stack import SECANTUSD, free_port, wait_for_port

TOKEN = "backup-test-player"


def play_a_little(stack) -> None:
    """Attendees, visits and contest entries: what the day must not lose."""
    attendees = register(stack, 6)
    devices = booth_devices(stack)
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        for person in attendees:
            for headers in devices.values():
                client.post("/api/checkins", json={"scan_id": uuid.uuid4().hex, "payload": person["token"]},
                            headers=headers).raise_for_status()
        client.put("/api/admin/quiz/contests/sao-luu", headers=ORGANISER, json={
            "title": "Sao lưu", "opens_at": "2026-01-01T00:00:00+07:00", "closes_at": "2036-01-01T00:00:00+07:00",
        }).raise_for_status()
        for n, person in enumerate(attendees):
            entry = client.post("/api/contests/sao-luu/entries", json={
                "attendee_code": person["code"], "token": f"{TOKEN}-{n:04d}"}).raise_for_status().json()
            client.post(f"/api/entries/{entry['entry_id']}/submit",
                        json={"answers": {q["id"]: 0 for q in entry["questions"]}}).raise_for_status()


def contents(client: MongoClient, db: str) -> dict[str, set]:
    return {name: {doc["_id"] for doc in client[db][name].find({}, {"_id": 1})}
            for name in client[db].list_collection_names()}


def test_a_backup_restored_into_an_empty_database_has_every_attendee_visit_and_entry(stack_factory, tmp_path):
    stack = stack_factory(MONGO_URL="", mongo_storage=str(tmp_path / "db"))
    play_a_little(stack)
    kept = tmp_path / "backups"
    taken = [backup(stack.env["MONGO_URL"], kept, keep=2) for _ in range(3)]
    assert archives(kept) == taken[1:], "only the newest two are kept"
    with MongoClient(stack.env["MONGO_URL"]) as live:
        expected = contents(live, stack.env["MONGO_DB"])
    assert (len(expected["attendees"]), len(expected["visits"]), len(expected["entries"])) == (6, 18, 6)

    port = free_port()
    assert restore(taken[-1], tmp_path / "restored", port) is None, "an empty place: nothing moved aside"
    copy = subprocess.Popen([str(SECANTUSD), "--host", "127.0.0.1", "--port", str(port), "--storage-path",
                             str(tmp_path / "restored"), "--log-level", "WARNING"])
    try:
        wait_for_port(port, 60, copy)
        with MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true") as restored:
            assert contents(restored, stack.env["MONGO_DB"]) == expected
    finally:
        copy.terminate()
        copy.wait(15)
