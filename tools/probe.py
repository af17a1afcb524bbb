"""Probes for a service's container.

`python -m tools.probe --live NAME` (liveness) checks the service's heartbeat file on local disk:
a broker outage must not restart every pod, only a process that stopped running its workers.
`python -m tools.probe NAME` (readiness) asks the service's `health` RPC over the broker, so a
service that lost its broker connection stops being counted as ready.
"""
import argparse
import asyncio

from gateway.rpc import RpcClient, RpcUnavailable
from shared.config import get_settings
from shared.entrypoints import is_alive

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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--live", action="store_true", help="local heartbeat only (liveness)")
    parser.add_argument("service")
    args = parser.parse_args()
    healthy = is_alive(args.service) if args.live else asyncio.run(probe(args.service))
    raise SystemExit(0 if healthy else 1)


if __name__ == "__main__":
    main()
