"""The organisers' files travel from the services a page at a time: {"rows": [...], "next": key or None},
where `next` is what the caller passes back as `after` for the following page (None: the last page)."""
from typing import Any

from shared.errors import ValidationFailed
from shared.numbers import is_whole_number

EXPORT_PAGE = 5_000  # rows per page: a few hundred kilobytes on the wire


def checked_limit(limit: Any) -> int:
    """A page size the caller may ask for."""
    if not is_whole_number(limit, 1, EXPORT_PAGE):
        raise ValidationFailed({"limit": "invalid_number"})
    return int(limit)
