"""Helpers for socket tests: wait for the server's answer to a frame, and for taps to be counted."""
import json
import time

import httpx


def next_error(socket) -> dict:
    """The next error the server sent, past the live traffic (counters, updates) around it."""
    while True:
        message = json.loads(socket.recv(timeout=15))
        if message["type"] == "error":
            return message


def reactions_total(base_url: str) -> int:
    return httpx.get(f"{base_url}/api/stats").json()["live_reactions_total"]


def wait_for_reactions(base_url: str, at_least: int) -> int:
    """The reaction total once it reached `at_least` (taps are batched every half second)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        total = reactions_total(base_url)
        if total >= at_least:
            return total
        time.sleep(0.05)
    raise AssertionError(f"reactions stayed below {at_least}")
