"""A request id follows one request through the gateway, the broker and the service, in JSON log lines."""
import json

import pytest
from kombu import Connection, Exchange, Queue

from shared.events import Source, exchange_name
from shared.logs import AMQP_HEADER, HTTP_HEADER
from tests.waiting import wait_until


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory(LOG_FORMAT="json")


def log_lines(stack, request_id: str | None = None) -> list[dict]:
    """The stack's log lines (each must be a JSON object), those tagged with `request_id` if given."""
    entries = [json.loads(relayed.partition(" | ")[2]) for relayed in list(stack.output)]
    return [entry for entry in entries if request_id is None or entry["request_id"] == request_id]


def test_a_client_request_id_is_answered_and_tags_the_gateway_and_the_service_lines(api, stack):
    request_id = "kiosk-7.000042"
    response = api.post("/api/attendees", json={"consent": True, "name": "Lò Thị Mai"},
                        headers={HTTP_HEADER: request_id})
    assert response.status_code == 201 and response.headers[HTTP_HEADER] == request_id
    lines = wait_until(lambda: log_lines(stack, request_id),
                       lambda seen: {"gateway", "registration"} <= {line["process"] for line in seen})
    by_process = {(line["process"], line["logger"]) for line in lines}
    assert ("gateway", "uvicorn.access") in by_process, "the gateway's access line"
    assert ("registration", "shared.entrypoints") in by_process, "the service's line for its work"
    assert any(line["message"].startswith("register done in") for line in lines)


def test_every_line_of_every_process_is_one_json_object(api, stack):
    api.get("/api/stats").raise_for_status()
    processes = {entry["process"] for entry in log_lines(stack)}
    assert processes == {"gateway", "registration", "checkin", "quiz", "livestream"}


@pytest.mark.parametrize("given", ["has space", "x" * 65, 'quote"d', ""])
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_new_one(api, given):
    response = api.get("/api/stats", headers={HTTP_HEADER: given} if given else {})
    assert response.status_code == 200
    made = response.headers[HTTP_HEADER]
    assert made != given and len(made) == 32 and int(made, 16) >= 0


def test_an_event_published_for_a_request_carries_its_id(api, module_amqp_uri):
    request_id = "register-event-0001"
    events = Exchange(exchange_name(Source.REGISTRATION), type="topic", durable=True)
    with Connection(module_amqp_uri) as connection:
        heard = Queue(exclusive=True, auto_delete=True, exchange=events, routing_key="#")(connection)
        heard.declare()
        assert api.post("/api/attendees", json={"consent": True, "name": "Giàng A Tủa"},
                        headers={HTTP_HEADER: request_id}).status_code == 201
        message = wait_until(lambda: heard.get(no_ack=True), lambda got: got is not None)
    assert message is not None and message.headers[AMQP_HEADER] == request_id
