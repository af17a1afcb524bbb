"""Log lines name their process and request; a client's id is kept only if it is safe to log."""
import contextvars
import io
import json
import logging

import pytest

from shared.logs import (
    REQUEST_ID,
    TEXT_FORMAT,
    JsonFormatter,
    Tagged,
    accept_request_id,
    configure,
    message_headers,
)


@pytest.mark.parametrize("given", ["kiosk-7.000042", "a1b2c3", "booth:an-toan-mang:17"])
def test_a_safe_client_id_is_kept(given):
    assert accept_request_id(given) == given


@pytest.mark.parametrize("given", [None, "", "two words", "line\nbreak", 'quo"te', "x" * 65, "việt"])
def test_a_missing_or_unsafe_id_is_replaced_by_a_new_one(given):
    made = accept_request_id(given)
    assert made != given and len(made) == 32 and made != accept_request_id(given)


def lines(formatter: logging.Formatter, request_id: str | None) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(Tagged("quiz"))
    handler.setFormatter(formatter)
    logger = logging.getLogger("test_logs")
    logger.addHandler(handler)
    logger.propagate = False

    def log() -> None:
        REQUEST_ID.set(request_id)
        logger.warning("round %s closed", "r-1")

    try:
        contextvars.copy_context().run(log)
    finally:
        logger.removeHandler(handler)
    return out.getvalue()


def test_a_text_line_names_the_process_and_the_request():
    assert lines(logging.Formatter(TEXT_FORMAT), "req-1") == "WARNING quiz [req-1] test_logs: round r-1 closed\n"
    assert lines(logging.Formatter(TEXT_FORMAT), None) == "WARNING quiz [-] test_logs: round r-1 closed\n"


def test_a_json_line_is_one_object_with_process_and_request():
    entry = json.loads(lines(JsonFormatter(), "req-1"))
    assert {k: v for k, v in entry.items() if k != "time"} == {
        "level": "WARNING", "process": "quiz", "request_id": "req-1", "logger": "test_logs",
        "message": "round r-1 closed"}
    assert entry["time"].endswith("+00:00")
    assert json.loads(lines(JsonFormatter(), None))["request_id"] is None


def test_messages_carry_the_current_request_id_only_when_there_is_one():
    assert contextvars.copy_context().run(lambda: (REQUEST_ID.set("req-1"), message_headers())[1]) == {
        "nameko.request_id": "req-1"}
    assert contextvars.copy_context().run(message_headers) == {}


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_one_setup_masks_phones_in_messages_and_tracebacks(log_format, capsys):
    root = logging.getLogger()
    kept = root.handlers[:], root.level
    try:
        configure("registration", log_format)
        try:
            raise ValueError("E11000 duplicate key phone 0912345678")
        except ValueError:
            logging.getLogger("test_masking").exception("register %s failed", "0987654321")
    finally:
        root.handlers[:], root.level = kept
    written = capsys.readouterr().err
    assert "0987654321" not in written and "0912345678" not in written
    assert "******21" in written and "******78" in written
