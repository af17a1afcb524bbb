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


def test_many_keys_are_read_with_one_load_of_those_not_held_and_a_missing_one_is_kept():
    clock, loads = Clock(), []

    def load(keys: list) -> dict:
        loads.append(sorted(keys))
        return {key: key.upper() for key in keys if key != "nobody"}
    recent = Recent(2.0, clock=clock)
    assert recent.get_many(["a", "b", "nobody"], load, None) == {"a": "A", "b": "B", "nobody": None}
    assert recent.get_many(["b", "c", "nobody"], load, None) == {"b": "B", "c": "C", "nobody": None}
    clock.now = 2.0
    recent.get_many(["a"], load, None)
    assert loads == [["a", "b", "nobody"], ["c"], ["a"]]
