"""One guard for every JSON the gateway takes in, request bodies and socket messages alike.

MongoDB (BSON) cannot store an integer past 8 bytes nor a string with a lone surrogate, and
JSON's NaN and Infinity are not JSON to anyone else. A value like that used to travel to a
service and come back as a 500, or close a socket with a traceback: here it is refused before
anything is stored, with the field it was found in, so the person is told what to fix.
"""
import json
import math
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import ApiError, error_body
from gateway.i18n import pick_language

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Our deepest legitimate document is a bank row's options (3 levels); the room above that is
# for clients we have not met, well short of where a parser or a service would recurse too far.
MAX_DEPTH = 16
BODY = "body"  # the field named when the whole document is at fault
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Unstorable(ValueError):
    """A value no store would keep: `field` is its dotted path, `code` the i18n error (err_<code>)."""

    def __init__(self, field: str, code: str):
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


class _Refused:
    """What the parser leaves in place of a number it would not keep, for `check` to name."""

    __slots__ = ("code",)

    def __init__(self, code: str):
        self.code = code


_TOO_BIG, _NOT_FINITE = _Refused("too_big"), _Refused("invalid_number")


def _parse_int(digits: str) -> int | _Refused:
    # Checking the length first keeps Python's 4300-digit conversion limit from firing.
    return _TOO_BIG if len(digits.lstrip("-")) > 19 else int(digits)


def _parse_float(digits: str) -> float | _Refused:
    number = float(digits)
    return number if math.isfinite(number) else _NOT_FINITE


def parse(text: str | bytes) -> Any:
    """The JSON document in `text`, or Unstorable naming the first field that could not be stored."""
    try:
        value = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                           parse_constant=lambda _: _NOT_FINITE)
    except RecursionError:
        raise Unstorable(BODY, "too_deep") from None
    except ValueError:  # also bytes that are not UTF-8
        raise Unstorable(BODY, "not_json") from None
    check(value)
    return value


def _readable(key: str) -> str:
    """A field name safe to send back in an error, whatever the client put in it."""
    return key.encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


def check(value: Any, field: str = "", depth: int = 0) -> None:
    """Raise Unstorable for the first part of `value` that BSON could not hold."""
    where = field or BODY
    if depth > MAX_DEPTH:
        raise Unstorable(where, "too_deep")
    if isinstance(value, _Refused):
        raise Unstorable(where, value.code)
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise Unstorable(where, "too_big")
    if isinstance(value, str) and _LONE_SURROGATE.search(value):
        raise Unstorable(where, "bad_text")
    if isinstance(value, list):
        for index, item in enumerate(value):
            check(item, f"{field}.{index}" if field else str(index), depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{field}.{_readable(key)}" if field else _readable(key)
            if "\x00" in key or _LONE_SURROGATE.search(key):  # BSON keys are C strings of UTF-8
                raise Unstorable(name, "bad_text")
            check(item, name, depth + 1)


def _is_json(scope: Scope) -> bool:
    """The bodies FastAPI would parse as JSON: application/json and any +json type."""
    for name, raw in scope["headers"]:
        if name == b"content-type":
            media_type = raw.decode("latin-1").partition(";")[0].strip().lower()
            return media_type == "application/json" or (
                media_type.startswith("application/") and media_type.endswith("+json"))
    return False


class JsonGuard:
    """ASGI middleware: a JSON body that could not be stored gets 422 naming its field; others pass on."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # the client left: let the app see it
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            try:
                parse(body)
            except Unstorable as problem:
                await refusal(Request(scope), problem)(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, replay, send)


def refusal(request: Request, problem: Unstorable) -> JSONResponse:
    """The same 422 the routes give for a bad field, in the request's language."""
    return JSONResponse(error_body(pick_language(request), ApiError(422, "invalid", {problem.field: problem.code})),
                        422)
