"""Bad input everywhere: the HTTP API fuzzed from its own OpenAPI schema, and garbage on every
WebSocket. Nothing answers 500, nothing crashes, and the gateway stays healthy."""
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect as ws_connect

from shared.events import REACTION_KINDS
from tests.conftest import ORGANISER_TOKEN
from tests.gateway.sockets import next_error, reactions_total, wait_for_reactions

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_no_generated_request_gets_a_server_error(stack):
    """Examples from every operation's schema, at and past its edges, with and without the token."""
    for headers in ([], ["-H", f"Authorization: Bearer {ORGANISER_TOKEN}"]):
        run = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{stack.base_url}/openapi.json", "--checks", "not_a_server_error",
             "--max-examples", "15", "--phases", "coverage,fuzzing", "--seed", "20261125", "--no-color",
             "--request-timeout", "20", *headers],
            capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout[-4000:]
    assert httpx.get(f"{stack.base_url}/readyz").status_code == 200


# Reactions that must count nothing: unknown kinds, or known kinds with taps that are not a positive whole number.
ILL_FORMED_TAPS = st.one_of(
    st.dictionaries(st.sampled_from(["$where", "__proto__", "Like", ""]), st.integers(), max_size=4),
    st.dictionaries(st.sampled_from(sorted(REACTION_KINDS)),
                    st.one_of(st.integers(max_value=0), st.floats(allow_nan=True), st.text(max_size=5),
                              st.booleans(), st.none()), max_size=4),
)
JUNK = st.one_of(
    st.text(max_size=3000),
    st.binary(max_size=100),
    st.builds(json.dumps, st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=50),
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
        max_leaves=20)),
    st.builds(lambda counts: json.dumps({"type": "react", "counts": counts}), ILL_FORMED_TAPS),
)


@pytest.mark.parametrize("path", ["/ws/stats", "/ws/live", "/ws/quiz/XXXXXX"])
def test_garbage_on_a_socket_changes_nothing_and_breaks_nothing(stack, path):
    before = reactions_total(stack.base_url)

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(messages=st.lists(JUNK, min_size=1, max_size=5))
    def send(messages):
        with ws_connect(stack.base_url.replace("http", "ws") + path, open_timeout=10) as socket:
            socket.recv(timeout=5)
            for message in messages:
                socket.send(message)
                # Answered in order on the same socket: the message before it was read, and it stayed open.
                socket.send(b"\x00")
                while next_error(socket)["error"] != "binary":
                    pass

    send()
    assert httpx.get(f"{stack.base_url}/healthz").status_code == 200
    # One well-formed tap after all that garbage: the total moves by exactly that one.
    with ws_connect(stack.base_url.replace("http", "ws") + "/ws/live", open_timeout=10) as socket:
        socket.recv(timeout=5)
        socket.send(json.dumps({"type": "react", "counts": {"like": 1}}))
        assert wait_for_reactions(stack.base_url, before + 1) == before + 1
