"""The organisers' API: booths, volunteer devices, staff passes, rejected scans, the passport rule."""
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from gateway.audit import AuditDep
from gateway.deps import RpcDep, require_organiser
from gateway.qr import qr_svg
from shared.access import DEVICE_HOURS_DEFAULT, LABEL_MAX, PASS_HOURS_DEFAULT, Role
from shared.events import Source
from shared.privacy import AuditKind

router = APIRouter(prefix="/api/admin", tags=["organisers"], dependencies=[Depends(require_organiser)])
CHECKIN, REGISTRATION = Source.CHECKIN.value, Source.REGISTRATION.value


class BoothBody(BaseModel):
    name: dict[str, Any] = Field(description='{"vi": "...", "en": "..."}; Vietnamese required')
    description: dict[str, Any] = Field(default_factory=dict)
    order: Any = 0
    active: Any = True


class DeviceBody(BaseModel):
    label: str = Field(default="", max_length=LABEL_MAX)
    hours: Any = Field(default=DEVICE_HOURS_DEFAULT, description="How long the device's token works")


class StaffPassBody(BaseModel):
    role: Any = Field(description="mc (hosts live quiz rounds), moderator (the livestream) or organiser")
    label: str = Field(default="", max_length=LABEL_MAX, description="Who holds it, e.g. 'MC Lan'")
    hours: Any = Field(default=PASS_HOURS_DEFAULT, description="How long the pass works")


# The page each role works on, opened from the pass's link (an organiser's: the console).
STAFF_PAGES = {Role.MC: "host_page", Role.MODERATOR: "moderator_page", Role.ORGANISER: "admin_page"}


def _link(request: Request, page: str, fragment: str) -> dict[str, str]:
    """A link to a page carrying a secret in its fragment (browsers never send that to a server),
    and its QR code, which a phone's camera opens."""
    link = f"{request.url_for(page)}#{fragment}"
    return {"link": link, "link_qr_svg": qr_svg(link)}


class PassportRule(BaseModel):
    required: int | None = Field(default=None, description="Booths to visit; null means all active booths")


@router.get("/booths")
async def all_booths(rpc: RpcDep) -> list[dict]:
    return await rpc.call(CHECKIN, "booths", active_only=False)


@router.put("/booths/{booth_id}")
async def save_booth(booth_id: str, body: BoothBody, rpc: RpcDep) -> dict:
    return await rpc.call(CHECKIN, "save_booth", booth_id=booth_id, booth=body.model_dump())


@router.post("/booths/{booth_id}/devices", status_code=201)
async def add_device(booth_id: str, body: DeviceBody, rpc: RpcDep, request: Request) -> dict:
    """A device's token (shown once, as a link) and a pairing code a volunteer can type instead."""
    device = await rpc.call(CHECKIN, "add_device", booth_id=booth_id, label=body.label, hours=body.hours)
    return device | _link(request, "scanner_page", f"device={device['device_token']}")


@router.get("/devices")
async def devices(rpc: RpcDep) -> list[dict]:
    return await rpc.call(CHECKIN, "devices")


@router.delete("/devices/{device_id}", status_code=204)
async def revoke_device(device_id: str, rpc: RpcDep) -> Response:
    await rpc.call(CHECKIN, "revoke_device", device_id=device_id)
    return Response(status_code=204)


@router.post("/staff", status_code=201)
async def issue_staff_pass(body: StaffPassBody, rpc: RpcDep, request: Request) -> dict:
    """A pass for an MC, a moderator or another organiser: its token is shown once, as a link."""
    issued = await rpc.call(REGISTRATION, "issue_staff_pass", **body.model_dump())
    return issued | _link(request, STAFF_PAGES[Role(issued["role"])], f"token={issued['token']}")


@router.get("/staff")
async def staff_passes(rpc: RpcDep) -> list[dict]:
    return await rpc.call(REGISTRATION, "staff_passes")


@router.delete("/staff/{pass_id}", status_code=204)
async def revoke_staff_pass(pass_id: str, rpc: RpcDep) -> Response:
    """The pass stops working on every gateway within a few seconds."""
    await rpc.call(REGISTRATION, "revoke_staff_pass", pass_id=pass_id)
    return Response(status_code=204)


@router.get("/rejected-scans")
async def rejected_scans(rpc: RpcDep, audit: AuditDep, limit: int = 100, booth_id: str | None = None,
                         reason: str | None = None) -> list[dict]:
    """The latest refused scans, newest first; at one booth or for one reason (malformed, forged, …). A badge's
    token carries its holder's name, so looking is recorded."""
    scans = await rpc.call(CHECKIN, "rejected_scans", limit=limit, booth_id=booth_id, reason=reason)
    await audit(AuditKind.VIEW, f"rejected scans ({len(scans)})")
    return list(scans)


@router.get("/passport")
async def passport_rule(rpc: RpcDep) -> dict:
    """The rule as set (`required` null: every active booth) and how many booths that means now."""
    return await rpc.call(CHECKIN, "passport_rule")


@router.put("/passport")
async def set_passport_rule(body: PassportRule, rpc: RpcDep) -> dict:
    await rpc.call(CHECKIN, "set_passport_required", required=body.required)
    return body.model_dump()
