"""Liveness probe for a service: `python -m tools.probe registration` exits 0 when it answers.

Kubernetes runs it in the service's container; it asks the service's `health` RPC over the
broker, so a service that lost its broker connection is restarted.
"""
import asyncio
import sys

from gateway.rpc import RpcClient, RpcUnavailable
from shared.config import get_settings

TIMEOUT_SECONDS = 5.0


async def probe(service: str) -> bool:
    client = RpcClient(get_settings().amqp_uri, TIMEOUT_SECONDS)
    await client.start()
    try:
        await asyncio.wait_for(client.connected.wait(), TIMEOUT_SECONDS)
        return await client.call(service, "health") == "ok"
    except (TimeoutError, RpcUnavailable):
        return False
    finally:
        await client.close()


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m tools.probe SERVICE")
    raise SystemExit(0 if asyncio.run(probe(sys.argv[1])) else 1)


if __name__ == "__main__":
    main()
