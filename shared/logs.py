"""One logging setup for every process: each line names its process and the request it serves.

A request id is taken from the client's `X-Request-Id` (or made) at the gateway, travels with every
RPC, event and command as the AMQP header `nameko.request_id` (nameko hands every `nameko.*` header
to the worker as context data and passes it on with whatever that worker sends), and is held in
`REQUEST_ID` while the work runs: a task of its own in the gateway, a greenlet of its own in a service.
"""
import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from shared.privacy import MaskPhones

HTTP_HEADER = "X-Request-Id"
CONTEXT_KEY = "request_id"  # nameko's context data key, sent as the header `nameko.request_id`
AMQP_HEADER = f"nameko.{CONTEXT_KEY}"
# Short, and nothing that could forge a log line or a JSON field (no spaces, quotes or newlines).
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
NO_REQUEST = "-"  # in a text line: work no request asked for (start-up, timers)
TEXT_FORMAT = "%(levelname)s %(process_name)s [%(request_id)s] %(name)s: %(message)s"

LogFormat = Literal["text", "json"]

REQUEST_ID: ContextVar[str | None] = ContextVar(CONTEXT_KEY, default=None)


def accept_request_id(given: str | None) -> str:
    """The client's id if it is short and safe to log, else a new one."""
    if given and SAFE_REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def message_headers() -> dict[str, Any]:
    """The AMQP headers that carry the current request id on to whoever takes the message."""
    request_id = REQUEST_ID.get()
    return {AMQP_HEADER: request_id} if request_id else {}


def known_request_id(given: object) -> str | None:
    """`given` if it is a safe request id (as a message header or context data carries it)."""
    return given if isinstance(given, str) and SAFE_REQUEST_ID.fullmatch(given) else None


class Tagged(logging.Filter):
    """Adds the process name and the current request id to every record a handler writes."""

    def __init__(self, process: str):
        super().__init__()
        self.process = process

    def filter(self, record: logging.LogRecord) -> bool:
        record.process_name = self.process
        record.request_id = REQUEST_ID.get() or NO_REQUEST
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for a log collector to index by process and request id."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", NO_REQUEST)
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "process": getattr(record, "process_name", None),
            "request_id": None if request_id == NO_REQUEST else request_id,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            # The text the phone mask already went over, if a filter made it.
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(process: str, log_format: LogFormat = "text", level: str = "INFO") -> None:
    """Every logger of this process, and its warnings, write to stderr through one tagged handler
    that masks phone numbers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Tagged(process))
    handler.addFilter(MaskPhones())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.captureWarnings(True)
