"""One machine through the whole day: a process that dies is started again by the stack itself,
with backoff, while the rest keeps serving; nothing answered is lost or counted twice.

Each process (the four services, the gateway, the database) is SIGKILLed in turn under a steady
stream of registrations and booth scans that retry as the pages do (same request id, same scan id)
until answered, and of live-counter reads. RabbitMQ is left alone (tests/gateway/test_faults.py).
"""
import threading
import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import ORGANISER
from tests.gateway.bursts import Burst, Request, answered, settled, stats
from tests.waiting import wait_for, wait_until
from tools.stack import Stack

BURST = 30  # registrations, and as many scans, around each kill
COME_BACK_SECONDS = 60
BOOTH = "sinh-trac-hoc"
# What each service alone answers; the others keep answering these while it is down.
NEEDS = {"registration": "/api/attendees/{code}", "checkin": "/api/booths", "quiz": "/api/contests",
         "livestream": "/api/live/feed"}
# A refusal comes at once, well before the call's time limit (5 s here): the gateway knows from the
# broker that nobody takes the call.
REFUSED_WITHIN_SECONDS = 2.5


@pytest.fixture(scope="module")
def supervised(stack_factory, tmp_path_factory):
    """A stack with its own on-disk database (it must survive its own kill), under supervision."""
    stack = stack_factory(MONGO_URL="", mongo_storage=str(tmp_path_factory.mktemp("db")), sync_on_commit=True)
    stop, said = threading.Event(), []
    thread = threading.Thread(target=stack.supervise, args=(stop, said.append), daemon=True)
    thread.start()
    stack.supervision_log = said
    yield stack
    stop.set()
    thread.join(10)


@pytest.fixture(scope="module")
def scanner(supervised) -> dict:
    """A booth device's headers."""
    with httpx.Client(base_url=supervised.base_url, headers=ORGANISER, timeout=10) as api:
        api.put(f"/api/admin/booths/{BOOTH}", json={"name": {"vi": "Sinh trắc học", "en": "Biometrics"},
                                                    "order": 1}).raise_for_status()
        device = api.post(f"/api/admin/booths/{BOOTH}/devices", json={"label": "gate"}).json()
    return {"Authorization": f"Bearer {device['device_token']}"}


def registrations(count: int) -> list[Request]:
    return [Request("POST", "/api/attendees",
                    {"consent": True, "name": f"Khách {uuid.uuid4().hex[:6]}", "request_id": uuid.uuid4().hex})
            for _ in range(count)]


def scans(attendees: list[dict], scanner: dict) -> list[Request]:
    return [Request("POST", "/api/checkins", {"scan_id": f"scan-{uuid.uuid4().hex}", "payload": a["token"]}, scanner)
            for a in attendees]


def readiness(stack: Stack) -> tuple[int, list[str] | None]:
    """The gateway's readiness and the services it names as not running."""
    try:
        answer = httpx.get(f"{stack.base_url}/readyz", timeout=2)
    except httpx.TransportError:
        return 0, None
    return answer.status_code, answer.json()["missing"]


def probe(stack: Stack, path: str) -> tuple[int, str | None, float]:
    """Status, Retry-After and seconds taken of one GET."""
    began = time.monotonic()
    answer = httpx.get(f"{stack.base_url}{path}", timeout=10)
    return answer.status_code, answer.headers.get("retry-after"), time.monotonic() - began


class Reader:
    """Reads the live counters every few tenths of a second, as the MC screen's fallback does."""

    def __init__(self, stack: Stack):
        self.stack, self.statuses, self.unanswered = stack, set(), 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        while not self.stop.wait(0.2):
            try:
                self.statuses.add(httpx.get(f"{self.stack.base_url}/api/stats", timeout=5).status_code)
            except httpx.TransportError:
                self.unanswered += 1

    def __enter__(self) -> "Reader":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def kill_under_load(stack: Stack, scanner: dict, victim: str, while_down: Callable[[], None]) -> tuple[Burst, Reader]:
    """SIGKILL `victim` amid registrations, scans and counter reads; check that it came back by itself, that
    nothing was refused but with 503 and a time to retry, and that every answered request is stored once."""
    before, old_pid = stats(stack), stack.procs[victim].pid
    visitors = [answered(stack, "POST", "/api/attendees", json={"consent": True, "name": f"Khách {i}"}).json()
                for i in range(BURST)]
    work = [request for pair in zip(registrations(BURST), scans(visitors, scanner), strict=True) for request in pair]

    def kill() -> None:
        stack.kill(victim)
        while_down()

    def back() -> None:
        wait_until(lambda: stack.procs[victim].pid, lambda pid: pid != old_pid, COME_BACK_SECONDS)

    with Reader(stack) as reader:
        burst = Burst(stack.base_url, work, threads=4).run(begin=kill, end=back, outage=0)
    assert stack.procs[victim].pid != old_pid and stack.procs[victim].poll() is None
    assert any(line.startswith(f"{victim} killed by SIGKILL; restarting it in") for line in stack.supervision_log)
    assert wait_for(lambda: readiness(stack), (200, []), COME_BACK_SECONDS) == (200, [])
    assert {(r.status_code, r.headers.get("retry-after")) for r in burst.refusals} <= {(503, "5")}, "never a 500"

    assert len(burst.answers) == len(work) and burst.statuses() <= {200, 201}
    answers = [burst.answers[i].json() for i in range(len(work))]
    codes = {answer["code"] for answer in answers[0::2]}
    assert len(codes) == BURST, "each person registered once; a retry got the same badge"
    for code in codes | {visitor["code"] for visitor in visitors}:
        assert httpx.get(f"{stack.base_url}/api/attendees/{code}", timeout=10).status_code == 200
    assert {answer["status"] for answer in answers[1::2]} == {"checked_in"}
    for visitor in visitors:
        passport = httpx.get(f"{stack.base_url}/api/attendees/{visitor['code']}/passport", timeout=10).json()
        assert [b["id"] for b in passport["booths"] if b["visited"]] == [BOOTH]
    expected = (before["registrations_total"] + 2 * BURST, before["checkins_total"] + BURST)
    assert settled(lambda: (stats(stack)["registrations_total"], stats(stack)["checkins_total"]),
                   expected, 30) == expected
    return burst, reader


@pytest.mark.parametrize("victim", [*NEEDS, "gateway"])
def test_a_killed_process_comes_back_by_itself_and_nothing_answered_is_lost(supervised, scanner, victim):
    stack, code = supervised, answered(supervised, "POST", "/api/attendees",
                                       json={"consent": True, "name": "Mùa A Dính"}).json()["code"]
    paths = {service: path.format(code=code) for service, path in NEEDS.items()}
    probes: dict[str, tuple[int, str | None, float]] = {}
    named: list[tuple[int, list[str] | None]] = []  # what /readyz said while the victim was down

    def while_down() -> None:
        if victim != "gateway":
            named.append(wait_until(lambda: readiness(stack), lambda seen: seen[1] == [victim], COME_BACK_SECONDS))
            probes.update({service: probe(stack, path) for service, path in paths.items()})

    burst, reader = kill_under_load(stack, scanner, victim, while_down)
    if victim == "gateway":
        assert burst.unanswered_tries > 0 and reader.statuses == {200}, "it was down mid-burst"
        return
    # While it was down, what needs it was refused at once with a time to retry; the rest answered.
    assert named == [(200, [victim])]
    assert {s: (status, retry) for s, (status, retry, _) in probes.items()} == {
        s: (503, "5") if s == victim else (200, None) for s in NEEDS}
    assert probes[victim][2] < REFUSED_WITHIN_SECONDS
    assert reader.statuses == {200} and reader.unanswered == 0
    assert probe(stack, paths[victim])[0] == 200, "back by itself"


def test_a_killed_database_comes_back_by_itself_and_nothing_answered_is_lost(supervised, scanner):
    """The database syncs its journal on each commit here (MONGO_SYNC_ON_COMMIT): without that, it
    acknowledges a write before the journal reaches the disk (as mongod with `j: false`), and a SIGKILL
    loses the last instant's writes."""
    stack, seen = supervised, []
    burst, reader = kill_under_load(stack, scanner, "mongo", lambda: seen.append(probe(stack, "/healthz")[0]))
    assert seen == [200] and reader.statuses == {200} and reader.unanswered == 0, "the gateway kept answering"
