"""Waiting on a condition rather than a fixed sleep."""
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(read: Callable[[], T], expected: T, seconds: float = 8.0) -> T:
    """The value `read()` settles on: `expected` as soon as it shows, else the last one seen."""
    return wait_until(read, lambda value: value == expected, seconds)


def wait_until(read: Callable[[], T], done: Callable[[T], bool], seconds: float = 8.0) -> T:
    """Read until `done(value)` holds or time runs out; the last value read."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value
