"""Fixtures every layer shares: a real MongoDB-compatible server and a RabbitMQ vhost each.

With MONGO_URL unset, one throwaway SecantusDB (`:memory:`) serves the whole run and
every test (or module) gets its own database, dropped afterwards.
"""
import subprocess
import uuid
from urllib.parse import urlparse

import pytest
from pymongo import MongoClient

from shared.config import Settings
from shared.mongo import connect
from tools.stack import SECANTUSD, SERVICES, Stack, free_port, wait_for_port

ORGANISER_TOKEN = "organiser-token-for-tests"
ORGANISER = {"Authorization": f"Bearer {ORGANISER_TOKEN}"}


@pytest.fixture(scope="session")
def mongo_url():
    configured = Settings().mongo_url
    if configured:
        yield configured
        return
    port = free_port()
    proc = subprocess.Popen(
        [str(SECANTUSD), "--host", "127.0.0.1",
         "--port", str(port), "--storage-path", ":memory:", "--log-level", "WARNING"])
    try:
        wait_for_port(port, 60, proc)
        yield f"mongodb://127.0.0.1:{port}/?directConnection=true"
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.fixture(scope="session")
def mongo_client(mongo_url) -> MongoClient:
    client = connect(mongo_url)
    yield client
    client.close()


def _fresh_db(mongo_client: MongoClient) -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def mongo_db(mongo_client):
    """A database name of this test's own."""
    name = _fresh_db(mongo_client)
    yield name
    mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def module_amqp_uri(request, vhost_pipeline):
    """A RabbitMQ vhost of this module's own, removed afterwards."""
    uri = urlparse(request.config.getoption("RABBIT_AMQP_URI"))
    with vhost_pipeline.get() as vhost:
        yield f"{uri.scheme}://{uri.netloc}/{vhost}"


@pytest.fixture(scope="module")
def stack_factory(request, module_amqp_uri, mongo_url, mongo_client, tmp_path_factory):
    """Starts whole stacks (services + gateway) on this module's vhost and a fresh database."""
    stacks: list[Stack] = []
    databases: list[str] = []

    def start(services: tuple[str, ...] = SERVICES, wait_ready: bool = True, mongo_storage: str = ":memory:",
              sync_on_commit: bool = False, **env: str) -> Stack:
        """Pass MONGO_URL="" for a stack with a database server of its own (kept in `mongo_storage`)."""
        db = env.pop("MONGO_DB", None) or _fresh_db(mongo_client)
        databases.append(db)
        defaults = {"AMQP_URI": module_amqp_uri, "MONGO_URL": mongo_url, "MONGO_DB": db,
                    "DATA_DIR": str(tmp_path_factory.mktemp("data")), "RPC_TIMEOUT_SECONDS": "5",
                    "ORGANISER_TOKEN": ORGANISER_TOKEN}
        stack = Stack({**defaults, **env}, mongo_storage=mongo_storage, mongo_port=free_port(),
                      gateway_port=free_port(), services=services, echo=False,
                      sync_on_commit=sync_on_commit)
        stacks.append(stack)
        return stack.start(wait_ready=wait_ready)

    yield start
    for stack in stacks:
        stack.stop()
        if request.session.testsfailed:
            print("".join(stack.output))
    for db in databases:
        mongo_client.drop_database(db)
