"""A running service beats on local disk, which is what its liveness probe reads."""
import time

from nameko.testing.services import entrypoint_waiter

from shared.entrypoints import heartbeat_file, is_alive


def test_a_running_service_beats_as_soon_as_it_starts(registration):
    started = time.time()
    with entrypoint_waiter(registration, "heartbeat", timeout=10):
        pass
    assert heartbeat_file("registration").stat().st_mtime >= started - 1
    assert is_alive("registration")
