"""The province's list of communes, held here so search-as-you-type never waits on a service."""
import time
from collections.abc import Callable

from gateway.rpc import RpcClient
from shared.communes import CommuneList
from shared.events import Source

# A load through another gateway is seen within this time; one through this gateway at once.
RECENT_SECONDS = 10.0


class CommuneDirectory:
    def __init__(self, rpc: RpcClient, seconds: float = RECENT_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._rpc = rpc
        self._seconds = seconds
        self._clock = clock
        self._held: tuple[float, CommuneList] | None = None

    async def current(self) -> CommuneList:
        """The list, re-read from the registration service once the copy is older than `seconds`."""
        now = self._clock()
        if self._held is None or now - self._held[0] >= self._seconds:
            self._held = now, CommuneList.from_docs(await self._rpc.call(Source.REGISTRATION, "communes"))
        return self._held[1]

    def forget(self) -> None:
        self._held = None
