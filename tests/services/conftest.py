"""Service tests run on a RabbitMQ vhost and a database of their own."""
import pytest

from services.registration.service import RegistrationService
from shared.signing import new_private_key_b64


@pytest.fixture
def config(rabbit_config, mongo_url, mongo_db):
    key = new_private_key_b64()
    return {**rabbit_config, "MONGO_URL": mongo_url, "MONGO_DB": mongo_db, "SIGNING_KEY": key}


@pytest.fixture
def registration(container_factory, config):
    """The registration service, which the others call to verify badges and look up codes."""
    container = container_factory(RegistrationService, config)
    container.start()
    return container
