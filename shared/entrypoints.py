"""Entrypoints every service offers alike: its counters for the gateways, and a health check."""
from typing import Any

from nameko.rpc import rpc


class CountersAndHealth:
    """Mixed into a service whose `store` keeps live counters (`MongoRepository.read_counters`)."""

    store: Any

    @rpc
    def stats(self) -> dict:
        """Every counter stream with the position it reflects, for a gateway's snapshot."""
        return self.store.counters()

    @rpc
    def health(self) -> str:
        return "ok"
