"""The audit of personal data: a route that shows or exports it to staff records who, when and
what before the data leaves, in the registration service's append-only log.

    @router.get(...)
    async def route(..., audit: AuditDep):
        rows = ...
        await audit(AuditKind.EXPORT, "attendees.csv")
"""
from typing import Annotated

from fastapi import Depends, Request

from gateway.deps import BearerDep
from shared.events import Source
from shared.privacy import AuditKind


class Audit:
    def __init__(self, request: Request, token: str):
        self._request = request
        self._token = token

    async def __call__(self, kind: AuditKind, subject: str) -> None:
        """Record it, or fail the request (503): no record, no data."""
        state = self._request.app.state
        await state.rpc.call(Source.REGISTRATION, "record_audit", kind=kind.value, route=self._request.url.path,
                             subject=subject, pass_id=await state.staff.pass_id(self._token))


def get_audit(request: Request, token: BearerDep) -> Audit:
    return Audit(request, token)


AuditDep = Annotated[Audit, Depends(get_audit)]
