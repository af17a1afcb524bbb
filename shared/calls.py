"""Calling another service from a nameko worker without waiting forever."""
from collections.abc import Callable
from typing import Any

import eventlet

from shared.errors import ServiceUnavailable

CALL_TIMEOUT_SECONDS = 5


def deferred_call(proxy: Any, method: str, timeout: float = CALL_TIMEOUT_SECONDS, **kwargs: Any) -> Callable[[], Any]:
    """A call to `proxy.method(**kwargs)` to make later; ServiceUnavailable if no answer in time."""
    def call() -> Any:
        try:
            with eventlet.Timeout(timeout):
                return getattr(proxy, method)(**kwargs)
        except eventlet.Timeout as exc:
            raise ServiceUnavailable(f"{method} did not answer") from exc
    return call
