"""Short-lived copies: re-read after their time, at once after a local change, never unbounded."""
from shared.cache import Recent


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_read_once_then_again_after_its_time():
    clock, reads = Clock(), []
    recent = Recent(2.0, clock=clock)
    load = lambda: reads.append(1) or len(reads)  # noqa: E731
    assert [recent.get("bank", load), recent.get("bank", load)] == [1, 1]
    clock.now = 2.0
    assert recent.get("bank", load) == 2


def test_forgetting_makes_the_next_read_fresh():
    recent = Recent(60.0, clock=Clock())
    recent.get("bank", lambda: "old")
    recent.forget("bank")
    assert recent.get("bank", lambda: "new") == "new"


def test_keys_from_requests_never_pile_up():
    recent = Recent(60.0, max_keys=3, clock=Clock())
    for key in range(10):
        recent.get(key, lambda: None)
    assert len(recent._values) <= 3
