"""Liveness is a local heartbeat: fresh means alive, stale or missing means restart."""
import os

from shared.entrypoints import HEARTBEAT_STALE_SECONDS, heartbeat_file, is_alive


def test_a_fresh_heartbeat_is_alive_and_a_stale_or_missing_one_is_not():
    service = f"unit-{os.getpid()}"
    path = heartbeat_file(service)
    path.unlink(missing_ok=True)
    assert not is_alive(service)
    path.touch()
    try:
        beat = path.stat().st_mtime
        assert is_alive(service, now=beat + HEARTBEAT_STALE_SECONDS - 1)
        assert not is_alive(service, now=beat + HEARTBEAT_STALE_SECONDS)
    finally:
        path.unlink()
