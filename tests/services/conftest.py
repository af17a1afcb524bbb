"""Service tests run on a RabbitMQ vhost and a database of their own."""
import pytest
from nameko.testing.services import replace_dependencies

from services.quiz.service import QuizService
from services.registration.service import RegistrationService
from shared.signing import new_private_key_b64
from tests.services.helpers import call

# A small bank for live rounds: the right answer moves from A to D.
ROUND_QUESTIONS = [{"id": f"q{i}", "text": {"vi": f"Câu {i}?"}, "choices": [{"vi": x} for x in "ABCD"],
                    "correct": "ABCD"[i % 4]} for i in range(5)]


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


@pytest.fixture
def announced(container_factory, config, registration):
    """A quiz service with the round bank, whose events are kept for the test to read."""
    container = container_factory(QuizService, config)
    publish = replace_dependencies(container, "publish")
    container.start()
    call(container, "import_bank", rows=ROUND_QUESTIONS)
    return container, publish
