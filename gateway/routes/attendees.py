"""Attendee API: register, get a lost badge back, look up, QR images, and the key scanners
verify badges with."""
from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from gateway.audit import AuditDep
from gateway.deps import RpcDep, require_organiser
from gateway.qr import qr_png, qr_svg
from shared.events import Source
from shared.privacy import AuditKind

router = APIRouter(prefix="/api", tags=["attendees"])

_CACHE_FOREVER = {"Cache-Control": "public, max-age=31536000, immutable"}


class RegistrationRequest(BaseModel):
    """Loose on purpose: the registration service validates and names every bad field."""

    name: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=1000)
    commune: str | None = Field(default=None, max_length=1000)
    group: str | None = Field(default=None, max_length=1000)
    request_id: str | None = Field(default=None, max_length=1000,
                                   description="Client-chosen id: a retried request registers once.")
    consent: Any = Field(default=None, description="true: the person agreed to the consent text "
                                                   "(its version is stored with them); required")


class BadgeProofRequest(BaseModel):
    """What shows a lost badge is yours: the phone, name and commune it was registered with."""

    phone: str | None = Field(default=None, max_length=1000)
    name: str | None = Field(default=None, max_length=1000)
    commune: str | None = Field(default=None, max_length=1000)


class DeskLookup(BaseModel):
    phone: str | None = Field(default=None, max_length=1000)


async def register_attendee(rpc: RpcDep, fields: dict) -> dict:
    return await rpc.call(Source.REGISTRATION, "register", **fields)


async def recover_badge(rpc: RpcDep, fields: dict) -> dict:
    return await rpc.call(Source.REGISTRATION, "recover_badge", **fields)


async def fetch_attendee(rpc: RpcDep, code: str) -> dict:
    return await rpc.call(Source.REGISTRATION, "get_attendee", code=code)


@router.post("/attendees", status_code=201)
async def register(body: RegistrationRequest, rpc: RpcDep, response: Response) -> dict:
    """201 with the new attendee; 200 with the one this request id already registered (a retry);
    409 when the phone is someone else's: nothing about its holder is told."""
    attendee = await register_attendee(rpc, body.model_dump())
    if not attendee["created"]:
        response.status_code = 200
    return attendee


@router.post("/attendees/recover")
async def recover(body: BadgeProofRequest, rpc: RpcDep) -> dict:
    """A lost badge, for its phone with the name and commune registered; 403 otherwise, a few tries per phone."""
    return await recover_badge(rpc, body.model_dump())


@router.post("/admin/attendees/reissue", dependencies=[Depends(require_organiser)], tags=["organisers"])
async def reissue(body: DeskLookup, rpc: RpcDep, audit: AuditDep) -> dict:
    """The help desk: staff who have checked the person find the badge registered with a phone."""
    attendee = await rpc.call(Source.REGISTRATION, "badge_at_desk", phone=body.phone)
    await audit(AuditKind.VIEW, f"attendee {attendee['code']}")
    return dict(attendee)


@router.get("/attendees/{code}")
async def get_attendee(code: str, rpc: RpcDep) -> dict:
    return await fetch_attendee(rpc, code)


@router.get("/attendees/{code}/qr.svg")
async def attendee_qr_svg(code: str, rpc: RpcDep) -> Response:
    attendee = await fetch_attendee(rpc, code)
    return Response(qr_svg(attendee["token"]), media_type="image/svg+xml", headers=_CACHE_FOREVER)


@router.get("/attendees/{code}/qr.png")
async def attendee_qr_png(code: str, rpc: RpcDep) -> Response:
    attendee = await fetch_attendee(rpc, code)
    return Response(qr_png(attendee["token"]), media_type="image/png", headers={
        **_CACHE_FOREVER, "Content-Disposition": f'inline; filename="badge-{attendee["code"]}.png"'})


@router.get("/scanner-key")
async def scanner_key(rpc: RpcDep) -> dict:
    """The Ed25519 public key (raw, base64url) that verifies badge tokens offline."""
    return {"alg": "Ed25519", "public_key": await rpc.call(Source.REGISTRATION, "public_key")}
