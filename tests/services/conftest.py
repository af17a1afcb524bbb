"""Service tests run on a RabbitMQ vhost and a database of their own."""
import pytest

from shared.signing import new_private_key_b64


@pytest.fixture
def config(rabbit_config, mongo_url, mongo_db):
    key = new_private_key_b64()
    return {**rabbit_config, "MONGO_URL": mongo_url, "MONGO_DB": mongo_db, "SIGNING_KEY": key}
