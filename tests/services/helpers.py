"""Calling services in tests: in-process through an entrypoint, or over the broker."""
import eventlet
from nameko.exceptions import deserialize
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook

from shared.events import Event
from shared.mongo import mongo_now
from shared.signing import private_key_from_b64, verify_player
from shared.stats import add_deltas, zero


def call(container, method, **kwargs):
    """Run one entrypoint in-process, as the service would for a request."""
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(**kwargs)


def ask(container, method: str, commands: list[dict]) -> list:
    """Commands through a batch entrypoint in one batch, in-process: each one's result, or the error refusing it."""
    return [deserialize(reply["error"]) if reply["error"] else reply["result"]
            for reply in call(container, method, commands=commands)]


def ask_one(container, method: str, command: dict):
    """One command in a batch of its own: its result, or the refusal raised."""
    [result] = ask(container, method, [command])
    if isinstance(result, Exception):
        raise result
    return result


def call_concurrently(config, service: str, method: str, count: int, kwargs_for) -> list:
    """`count` RPC calls at once over the broker, as many clients would make them."""
    def one(i: int):
        with ServiceRpcProxy(service, config) as proxy:
            return getattr(proxy, method)(**kwargs_for(i))

    return list(eventlet.GreenPool(count).imap(one, range(count)))


def answer_command(config: dict, token: str, index: int, choice: int, at=None) -> dict:
    """A live answer as a gateway hands it on: its player read from the signed token, timed on arrival."""
    round_id, player = verify_player(private_key_from_b64(config["SIGNING_KEY"]).public_key(), token)
    return {"type": "answer", "round_id": round_id, "player": player, "index": index, "choice": choice,
            "at": (at or mongo_now()).isoformat()}


def answer(container, config: dict, token: str, index: int, choice: int, at=None) -> None:
    """One answer through the service's batch entrypoint, in-process."""
    call(container, "take_round_commands", commands=[answer_command(config, token, index, choice, at)])


def published(publish, model: type[Event]) -> list[dict]:
    """The payloads of the `model` events a service published through its replaced `publish`, as sent."""
    return [event.model_dump(mode="json") for (event,) in (c.args for c in publish.call_args_list)
            if isinstance(event, model)]


def counter_totals(snapshot: dict) -> dict:
    """A service's `stats` answer summed over its counter shards (what a screen shows)."""
    totals: dict = dict(snapshot.get("gauges", {}))
    for stream in snapshot["streams"].values():
        for name, value in stream["counters"].items():
            totals[name] = add_deltas(totals.get(name, zero(name)), value)
    return totals


def changes_counted(snapshot: dict) -> int:
    """How many counted changes the snapshot reflects (each shard numbers its own)."""
    return sum(stream["seq"] for stream in snapshot["streams"].values())
