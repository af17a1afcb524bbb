"""Domain errors that cross the RPC boundary.

nameko sends an exception's class name and args to the caller; the gateway turns these
names into HTTP statuses and messages a person understands (gateway/errors.py).
"""


class ValidationFailed(Exception):
    """Input was refused. args[0] maps each bad field to an error code."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(fields)
        self.fields = fields


class NotFound(Exception):
    """The thing asked for does not exist. args[0] names what was looked for."""


class ServiceUnavailable(Exception):
    """A dependency (database, broker) is down; the caller may retry later."""
