"""Calling services in tests: in-process through an entrypoint, or over the broker."""
import eventlet
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook


def call(container, method, **kwargs):
    """Run one entrypoint in-process, as the service would for a request."""
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(**kwargs)


def call_concurrently(config, service: str, method: str, count: int, kwargs_for) -> list:
    """`count` RPC calls at once over the broker, as many clients would make them."""
    def one(i: int):
        with ServiceRpcProxy(service, config) as proxy:
            return getattr(proxy, method)(**kwargs_for(i))

    return list(eventlet.GreenPool(count).imap(one, range(count)))
