"""Domain errors that cross the RPC boundary.

nameko sends an exception's class name and args to the caller; registered here, a service
calling another gets the same exception type back, and the gateway turns the names into
HTTP statuses and messages a person understands (gateway/errors.py).
"""
from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class ValidationFailed(Exception):
    """Input was refused. args[0] maps each bad field to an error code."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(fields)
        self.fields = fields


@deserialize_to_instance
class NotFound(Exception):
    """The thing asked for does not exist. args[0] names what was looked for."""


@deserialize_to_instance
class ServiceUnavailable(Exception):
    """A dependency (database, broker) is down; the caller may retry later."""


@deserialize_to_instance
class NotAuthenticated(Exception):
    """No valid credential (device token, organiser token) came with the request."""


@deserialize_to_instance
class Forbidden(Exception):
    """The credential is known but may not do this (a revoked device, say). args[0] says why."""


@deserialize_to_instance
class RateLimited(Exception):
    """Too many posts too fast. args[0] is how many seconds to wait."""

    def __init__(self, retry_after_seconds: int):
        super().__init__(retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


@deserialize_to_instance
class Refused(Exception):
    """The rules refuse this now (a closed contest, a late submission). args[0] is the reason code."""


@deserialize_to_instance
class BadRows(Exception):
    """An upload refused whole. args[0] lists each problem as [row, field, code]."""

    def __init__(self, rows: list[list[int | str]]):
        super().__init__(rows)
        self.rows = rows


# What a caller did wrong or must wait for: answers, not failures of the service.
DOMAIN_ERRORS = (ValidationFailed, NotFound, ServiceUnavailable, NotAuthenticated, Forbidden, RateLimited, Refused,
                 BadRows)
