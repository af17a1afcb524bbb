"""One machine through the whole day: a process that dies is started again by the stack itself,
with backoff, while the rest keeps serving; nothing answered is lost or counted twice.

Each process is SIGKILLed in turn under a burst of registrations that retry as the page does
(same request id) until answered.
"""
import threading
import uuid

import httpx
import pytest

from tests.gateway.bursts import Burst, Request, settled, stats
from tests.waiting import wait_for, wait_until
from tools.stack import Stack

BURST = 40
COME_BACK_SECONDS = 60


@pytest.fixture(scope="module")
def supervised(stack_factory, tmp_path_factory):
    """A stack with its own on-disk database (it must survive its own kill), under supervision."""
    stack = stack_factory(MONGO_URL="", mongo_storage=str(tmp_path_factory.mktemp("db")))
    stop, said = threading.Event(), []
    thread = threading.Thread(target=stack.supervise, args=(stop, said.append), daemon=True)
    thread.start()
    stack.supervision_log = said
    yield stack
    stop.set()
    thread.join(10)


def registrations(count: int) -> list[Request]:
    return [Request("POST", "/api/attendees",
                    {"consent": True, "name": f"Khách {uuid.uuid4().hex[:6]}", "request_id": uuid.uuid4().hex})
            for _ in range(count)]


def readiness(stack: Stack) -> tuple[int, list[str] | None]:
    """The gateway's readiness and the services it names as not running."""
    try:
        answer = httpx.get(f"{stack.base_url}/readyz", timeout=2)
    except httpx.TransportError:
        return 0, None
    return answer.status_code, answer.json()["missing"]


def still_serving(stack: Stack, path: str) -> int:
    """A request that does not need the dead process, answered while it is down."""
    return httpx.get(f"{stack.base_url}{path}", timeout=10).status_code


# What keeps working while each process is down: a page or API that does not need it.
NOT_NEEDING = {"livestream": "/api/booths", "checkin": "/api/live/feed", "quiz": "/api/live/feed",
               "registration": "/api/live/feed", "gateway": None}


@pytest.mark.parametrize("victim", list(NOT_NEEDING))
def test_a_killed_process_comes_back_by_itself_and_nothing_answered_is_lost(supervised, victim):
    stack, before = supervised, stats(supervised)["registrations_total"]
    old_pid = stack.procs[victim].pid
    requests = registrations(BURST)
    kept_serving: list[int] = []
    named: list[tuple[int, list[str] | None]] = []  # what /readyz said while the victim was down

    def kill() -> None:
        stack.kill(victim)
        if NOT_NEEDING[victim]:
            kept_serving.append(still_serving(stack, NOT_NEEDING[victim]))
            named.append(wait_until(lambda: readiness(stack), lambda seen: seen[1] == [victim], COME_BACK_SECONDS))

    def back() -> None:
        wait_until(lambda: stack.procs[victim].pid, lambda pid: pid != old_pid, COME_BACK_SECONDS)

    burst = Burst(stack.base_url, requests, threads=4).run(begin=kill, end=back, outage=0)
    assert stack.procs[victim].pid != old_pid and stack.procs[victim].poll() is None
    assert any(line.startswith(f"{victim} killed by SIGKILL; restarting it in") for line in stack.supervision_log)
    assert kept_serving == ([200] if NOT_NEEDING[victim] else [])
    assert named == ([(200, [victim])] if NOT_NEEDING[victim] else [])
    assert wait_for(lambda: readiness(stack), (200, []), COME_BACK_SECONDS) == (200, [])

    assert len(burst.answers) == BURST and burst.statuses() <= {200, 201}
    codes = {response.json()["code"] for response in burst.answers.values()}
    assert len(codes) == BURST, "each person registered once; a retry got the same badge"
    for code in codes:
        assert httpx.get(f"{stack.base_url}/api/attendees/{code}", timeout=10).status_code == 200
    expected = before + BURST
    assert settled(lambda: stats(stack)["registrations_total"], expected, 30) == expected


def test_a_killed_database_comes_back_by_itself_and_the_stack_serves_again(supervised):
    """The embedded database acknowledges a write before its journal reaches the disk (as mongod
    does with `j: false`), so a SIGKILL may lose the last instant's writes: durable, batched
    writes are the stage-scale work. What must hold here: it restarts by itself, the gateway
    keeps answering meanwhile, and registration works again."""
    stack = supervised
    old_pid = stack.procs["mongo"].pid
    stack.kill("mongo")
    assert httpx.get(f"{stack.base_url}/healthz", timeout=10).status_code == 200
    assert wait_until(lambda: stack.procs["mongo"].pid, lambda pid: pid != old_pid, COME_BACK_SECONDS) != old_pid
    assert any(line.startswith("mongo killed by SIGKILL; restarting it in") for line in stack.supervision_log)
    burst = Burst(stack.base_url, registrations(10), threads=2).run(begin=lambda: None, end=lambda: None, outage=0)
    assert burst.statuses() == {201} and len(burst.answers) == 10
