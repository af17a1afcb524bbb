"""Gateway tests drive a whole stack per module over HTTP and WebSocket."""
import httpx
import pytest


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory()


@pytest.fixture(scope="module")
def api(stack):
    with httpx.Client(base_url=stack.base_url, timeout=15) as client:
        yield client
