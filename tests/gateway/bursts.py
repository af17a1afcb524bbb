"""Clients that behave as the pages do under faults: a request that gets no answer, or a 5xx,
is sent again as it was (same scan id, request id or entry) until it is answered."""
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

ANSWER_DEADLINE_SECONDS = 90  # for the whole burst
RETRY_PAUSE_SECONDS = 0.3


@dataclass
class Request:
    method: str
    path: str
    body: dict
    headers: dict = field(default_factory=dict)


@dataclass
class Burst:
    """Requests sent from several threads, each until answered, around a fault.

    The first share is sent while all is well; then the fault begins (and has begun when
    `begin` returns); the rest is sent while `end` runs in the background after `outage` seconds.
    """

    base_url: str
    requests: list[Request]
    threads: int = 8
    answers: dict[int, httpx.Response] = field(default_factory=dict)
    refusals: list[httpx.Response] = field(default_factory=list)  # 5xx answers, each then retried
    unanswered_tries: int = 0
    waited: dict[int, float] = field(default_factory=dict)  # seconds from first try to answer

    def run(self, begin: Callable[[], None], end: Callable[[], None], outage: float,
            before_share: float = 0.3) -> "Burst":
        deadline = time.monotonic() + ANSWER_DEADLINE_SECONDS
        split = int(len(self.requests) * before_share)
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(lambda i: self._send(i, deadline), range(split)))
            begin()
            ended = threading.Thread(target=lambda: (time.sleep(outage), end()))
            ended.start()
            list(pool.map(lambda i: self._send(i, deadline), range(split, len(self.requests))))
            ended.join()
        return self

    def _send(self, i: int, deadline: float) -> None:
        request, first_try = self.requests[i], time.monotonic()
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while time.monotonic() < deadline:
                try:
                    response = client.request(request.method, request.path, json=request.body,
                                              headers=request.headers)
                except httpx.TransportError:
                    self.unanswered_tries += 1
                else:
                    if response.status_code < 500:
                        self.answers[i] = response
                        self.waited[i] = time.monotonic() - first_try
                        return
                    self.refusals.append(response)
                time.sleep(RETRY_PAUSE_SECONDS)

    def statuses(self) -> set[int]:
        return {response.status_code for response in self.answers.values()}


def answered(stack, method: str, path: str, **kwargs) -> httpx.Response:
    """One request sent until it is answered (setting up between faults)."""
    burst = Burst(stack.base_url, [Request(method, path, kwargs.get("json", {}), kwargs.get("headers", {}))])
    burst._send(0, time.monotonic() + ANSWER_DEADLINE_SECONDS)
    return burst.answers[0]


def settled(read: Callable[[], object], expected: object, seconds: float = 20.0) -> object:
    """What `read()` shows once it equals `expected`, or the last value seen when time is up."""
    deadline = time.monotonic() + seconds
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def stats(stack) -> dict:
    return httpx.get(f"{stack.base_url}/api/stats", timeout=10).json()

