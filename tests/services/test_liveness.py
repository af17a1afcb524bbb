"""A running service beats on local disk, which is what its liveness probe reads."""
import time

from nameko.testing.services import entrypoint_hook

from services.registration.service import RegistrationService
from shared.entrypoints import heartbeat_file, is_alive
from shared.signing import new_private_key_b64
from tests.waiting import wait_until
from tools.stack import free_port


def beats_since(started: float) -> bool:
    return wait_until(lambda: heartbeat_file("registration").stat().st_mtime, lambda beat: beat >= started) >= started


def test_a_running_service_beats_as_soon_as_it_starts(registration):
    assert beats_since(time.time() - 1)  # file times may be coarser than the clock
    assert is_alive("registration")


def test_a_service_whose_database_is_down_stays_alive_and_answers(container_factory, rabbit_config, mongo_db):
    """A database outage must not restart the service: it keeps beating and answers its health check."""
    started = time.time() - 1
    container = container_factory(RegistrationService, {
        **rabbit_config, "MONGO_URL": f"mongodb://127.0.0.1:{free_port()}", "MONGO_DB": mongo_db,
        "SIGNING_KEY": new_private_key_b64()})
    container.start()
    assert beats_since(started)
    with entrypoint_hook(container, "health") as health:
        assert health() == "ok"
    with entrypoint_hook(container, "health") as health:
        assert health() == "ok", "still running after a call that needed no database"
