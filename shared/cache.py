"""Short-lived copies of what many requests read and organisers rarely change."""
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

V = TypeVar("V")


class Recent(Generic[V]):
    """Each key's value, re-read once it is older than `seconds`.

    A change made through this process is seen at once (its writer calls `forget`); one made
    through another replica, within `seconds`.
    """

    def __init__(self, seconds: float, max_keys: int = 1024, clock: Callable[[], float] = time.monotonic):
        self._seconds = seconds
        self._max_keys = max_keys  # keys can come from requests: never hold more than this many
        self._clock = clock
        self._values: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        now = self._clock()
        held = self._values.get(key)
        if held is None or now - held[0] >= self._seconds:
            if len(self._values) >= self._max_keys:
                self._values.clear()
            held = self._values[key] = (now, load())
        return held[1]

    def get_many(self, keys: Iterable[Hashable], load: Callable[[list[Hashable]], Mapping[Hashable, V]],
                 missing: V) -> dict[Hashable, V]:
        """Each key's value; those not held (or too old) read with one call of `load`, `missing` for any it
        does not find (kept too: an unknown key is not read again at once)."""
        now = self._clock()
        wanted = list(dict.fromkeys(keys))
        stale = [key for key in wanted if key not in self._values or now - self._values[key][0] >= self._seconds]
        if stale and len(self._values) + len(stale) > self._max_keys:
            self._values.clear()
            stale = wanted
        if stale:
            loaded = load(stale)
            for key in stale:
                self._values[key] = (now, loaded.get(key, missing))
        return {key: self._values[key][1] for key in wanted}

    def forget(self, key: Hashable | None = None) -> None:
        """Drop one key's copy, or every copy."""
        if key is None:
            self._values.clear()
        else:
            self._values.pop(key, None)
