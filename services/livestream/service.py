"""Livestream interaction service: for now it answers a health check so the stack's shape is complete."""
from nameko.rpc import rpc

from shared.events import Source


class LivestreamService:
    name = Source.LIVESTREAM.value

    @rpc
    def health(self) -> str:
        return "ok"
