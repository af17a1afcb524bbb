"""The shredder, run by the clock: once the retention period ran out, every service forgets every
person's name, phone and words, every backup holding them goes, and every figure stays."""
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from shared.privacy import PSEUDONYM
from tests.conftest import ORGANISER
from tests.gateway.test_privacy import a_full_day, figures, holds
from tests.waiting import wait_for, wait_until
from tools.seed import DEMO_CONTEST


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory(SHRED_CHECK_SECONDS="1")


def test_the_shredder_forgets_everyone_by_itself_once_the_retention_period_ran_out(stack, mongo_client):
    db = mongo_client[stack.env["MONGO_DB"]]
    backups = Path(stack.env["DATA_DIR"]) / "backups"
    backups.mkdir(parents=True)
    old = backups / "ndld-20261201T000000000000Z.tar.gz"
    old.write_bytes(b"a backup holding everyone")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    with httpx.Client(base_url=stack.base_url, timeout=15) as api:
        people = [("Sùng Thị Mai", "0917 111 001"), ("Lý Văn Tài", None)]
        for name, phone in people:
            a_full_day(api, name, phone, "viewer-" + uuid.uuid4().hex)
        api.post("/api/live/comments", json={"viewer_id": "viewer-x", "name": "Khách",
                                             "text": "Chào buổi sáng Lào Cai"}).raise_for_status()
        before = figures(api)
        settings = api.get("/api/admin/privacy", headers=ORGANISER).json()
        assert (settings["shred_at"], settings["last_shred_at"]) == (None, None)

        yesterday = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
        api.put("/api/admin/privacy", headers=ORGANISER,
                json={"retention_days": 0, "event_date": yesterday}).raise_for_status()
        shredded = wait_until(lambda: api.get("/api/admin/privacy", headers=ORGANISER).json(),
                              lambda s: s["last_shred_at"] is not None, seconds=15)
        assert shredded["exported_at"] is None, "nothing was exported before the run"
        for needle in ("Sùng Thị Mai", "Lý Văn Tài", "0917111001", "có wifi", "Chào buổi sáng"):
            assert wait_for(lambda needle=needle: holds(db, needle), [], seconds=15) == [], needle
        assert not old.exists(), "the backup holding everyone went with them"
        assert figures(api) == before
        assert [row["name"] for row in api.get(f"/api/contests/{DEMO_CONTEST}/stats").json()["leaderboard"]] == [
            PSEUDONYM, PSEUDONYM]
