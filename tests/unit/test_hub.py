"""The WebSocket hub: snapshot first, coalesced updates, and a stuck screen never stalls the rest."""
import asyncio

from gateway.counters import LiveCounters
from gateway.hub import CLIENT_QUEUE_SIZE, StatsHub


class FakeSocket:
    """Stands in for Starlette's WebSocket; `stuck` never finishes a send."""

    def __init__(self, stuck: bool = False):
        self.stuck = stuck
        self.sent: list[str] = []
        self.closed_with: int | None = None
        self._gone = asyncio.Event()

    async def accept(self) -> None:
        pass

    async def send_text(self, text: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.sent.append(text)

    async def receive(self) -> dict:
        await self._gone.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def close(self, code: int = 1000) -> None:
        self.closed_with = code


def live_counters() -> LiveCounters:
    live = LiveCounters({"registration": ("registrations_total",)})
    live.load_snapshot("registration", {"streams": {}})
    live.take_changes()
    return live


def test_a_stuck_client_is_dropped_and_the_others_get_every_update():
    async def scenario():
        live = live_counters()
        hub = StatsHub(live, interval=3600)
        fast, stuck = FakeSocket(), FakeSocket(stuck=True)
        tasks = [asyncio.create_task(hub.serve_screen(ws)) for ws in (fast, stuck)]
        await asyncio.sleep(0.01)
        for seq in range(1, CLIENT_QUEUE_SIZE + 3):
            live.apply_event("registration", "registration/0", seq, {"registrations_total": 1})
            hub.publish_changes()
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        assert stuck.closed_with == 1013 and hub.slow_clients_dropped == 1
        assert hub.client_count == 1
        assert fast.sent[0].startswith('{"type":"snapshot"')
        assert f'"registrations_total":{CLIENT_QUEUE_SIZE + 2}' in fast.sent[-1]
        for task in tasks:
            task.cancel()

    asyncio.run(scenario())


def test_many_changes_between_pushes_become_one_message():
    async def scenario():
        live = live_counters()
        hub = StatsHub(live, interval=3600)
        screen = FakeSocket()
        task = asyncio.create_task(hub.serve_screen(screen))
        await asyncio.sleep(0.01)
        for seq in range(1, 51):
            live.apply_event("registration", "registration/0", seq, {"registrations_total": 1})
        hub.publish_changes()
        hub.publish_changes()  # nothing new: nothing sent
        await asyncio.sleep(0.01)
        assert len(screen.sent) == 2
        assert screen.sent[1].startswith('{"type":"update"') and '"registrations_total":50' in screen.sent[1]
        task.cancel()

    asyncio.run(scenario())


def test_a_screen_that_joins_after_a_change_is_not_sent_it_again():
    async def scenario():
        live = live_counters()
        hub = StatsHub(live, interval=3600)
        live.apply_event("registration", "registration/0", 1, {"registrations_total": 1})
        screen = FakeSocket()
        task = asyncio.create_task(hub.serve_screen(screen))  # its snapshot already counts the change
        await asyncio.sleep(0.01)
        hub.publish_changes()
        live.apply_event("registration", "registration/0", 2, {"registrations_total": 1})
        hub.publish_changes()
        await asyncio.sleep(0.01)
        assert [message[:17] for message in screen.sent] == ['{"type":"snapshot', '{"type":"update",']
        assert '"registrations_total":1' in screen.sent[0] and '"registrations_total":2' in screen.sent[1]
        task.cancel()

    asyncio.run(scenario())
