"""The audit of personal data: a route that shows or exports it to staff records who, when and
what before the data leaves, in the registration service's append-only log.

    @router.get(...)
    async def route(..., audit: AuditDep):
        rows = ...
        await audit(AuditKind.EXPORT, "attendees.csv")
"""
import time
from typing import Annotated

from fastapi import Depends, Request

from gateway.deps import BearerDep
from shared.events import Source
from shared.privacy import AuditKind

# A list a page polls every few seconds (the moderators') is one viewing: recorded again after this long.
VIEWING_SECONDS = 600.0
_MAX_VIEWINGS = 1024
_viewings: dict[tuple[str | None, str, str], float] = {}  # (pass, route, subject) -> when last recorded


class Audit:
    def __init__(self, request: Request, token: str):
        self._request = request
        self._token = token

    async def __call__(self, kind: AuditKind, subject: str) -> None:
        """Record it, or fail the request (503): no record, no data."""
        state = self._request.app.state
        await state.rpc.call(Source.REGISTRATION, "record_audit", kind=kind.value, route=self._request.url.path,
                             subject=subject, pass_id=await state.staff.pass_id(self._token))

    async def viewing(self, subject: str) -> None:
        """A view the page polls for: recorded once per staff member, route and subject every VIEWING_SECONDS,
        so the record says who watched from when, not every refresh."""
        key = (await self._request.app.state.staff.pass_id(self._token), self._request.url.path, subject)
        now = time.monotonic()
        if now - _viewings.get(key, -VIEWING_SECONDS) < VIEWING_SECONDS:
            return
        await self(AuditKind.VIEW, subject)
        if len(_viewings) >= _MAX_VIEWINGS:
            _viewings.clear()
        _viewings[key] = now


def get_audit(request: Request, token: BearerDep) -> Audit:
    return Audit(request, token)


AuditDep = Annotated[Audit, Depends(get_audit)]
