"""Turns service errors into HTTP answers a person understands, once, for every route."""
import logging
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ExceptionHandler

from gateway.i18n import has_text, pick_language, text
from gateway.rpc import RemoteError, RpcUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"


class ApiError(Exception):
    def __init__(self, status: int, code: str, fields: dict[str, str] | None = None,
                 retry_after: int | None = None, rows: list[list[Any]] | None = None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.fields = fields or {}
        self.retry_after = retry_after
        self.rows = rows or []  # an upload's report: [row, field, code] for each problem


def from_remote(exc: RemoteError) -> ApiError:
    """The HTTP meaning of a service's domain error (shared/errors.py)."""
    if exc.exc_type == "ValidationFailed" and exc.exc_args and isinstance(exc.exc_args[0], dict):
        return ApiError(422, "invalid", exc.exc_args[0])
    if exc.exc_type == "BadRows" and exc.exc_args and isinstance(exc.exc_args[0], list):
        # nameko sends an error's arguments as text: the row numbers come back as numbers.
        return ApiError(422, "bad_rows", rows=[[int(row), field, code] for row, field, code in exc.exc_args[0]])
    if exc.exc_type == "NotFound":
        return ApiError(404, "not_found")
    if exc.exc_type == "ServiceUnavailable":
        return ApiError(503, "unavailable")
    if exc.exc_type == "NotAuthenticated":
        return ApiError(401, "unauthenticated")
    if exc.exc_type == "Forbidden":
        reason = str(exc.exc_args[0]) if exc.exc_args else ""
        return ApiError(403, reason if has_text(f"err_{reason}") else "forbidden")
    if exc.exc_type == "Refused" and exc.exc_args:
        return ApiError(409, str(exc.exc_args[0]))
    if exc.exc_type == "RateLimited" and exc.exc_args:
        return ApiError(429, "rate_limited", retry_after=int(exc.exc_args[0]))
    log.error("unexpected service error %s: %s", exc.exc_type, exc)
    return ApiError(500, "internal")


def error_body(lang: str, error: ApiError) -> dict:
    body: dict[str, Any] = {
        "error": error.code,
        "message": text(lang, f"err_{error.code}").format(seconds=error.retry_after),
        "fields": {
            # A code we have no words for (a bank import's row report) is its own message.
            field: {"code": code, "message": text(lang, f"err_{code}").removeprefix("err_")}
            for field, code in error.fields.items()
        },
    }
    if error.rows:
        body["rows"] = [{"row": row, "field": field, "code": code, "message": text(lang, f"err_{code}")}
                        for row, field, code in error.rows]
    return body


def install(app: FastAPI) -> None:
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"Retry-After": RETRY_AFTER_SECONDS} if exc.status == 503 else None
        if exc.retry_after is not None:
            headers = {"Retry-After": str(exc.retry_after)}
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return JSONResponse(error_body(pick_language(request), exc), exc.status, headers=headers)

    async def remote_error(request: Request, exc: RemoteError) -> JSONResponse:
        return await api_error(request, from_remote(exc))

    async def unavailable(request: Request, exc: RpcUnavailable) -> JSONResponse:
        log.warning("503: %s", exc)
        return await api_error(request, ApiError(503, "unavailable"))

    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """Malformed bodies get the same per-field answer as the services' own validation."""
        fields = {
            str(err["loc"][-1]): "too_long" if err.get("type") == "string_too_long" else "not_text"
            for err in exc.errors() if err.get("loc")
        }
        return await api_error(request, ApiError(422, "invalid", fields))

    # Starlette types a handler as taking any Exception; each of these takes only its own kind.
    handlers = {ApiError: api_error, RequestValidationError: invalid_request, RemoteError: remote_error,
                RpcUnavailable: unavailable}
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, cast(ExceptionHandler, handler))
