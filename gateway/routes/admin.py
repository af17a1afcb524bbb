"""The organisers' API: booths, volunteer devices, rejected scans, the passport rule."""
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from gateway.deps import RpcDep, require_organiser
from gateway.qr import qr_svg
from shared.events import Source

router = APIRouter(prefix="/api/admin", tags=["organisers"], dependencies=[Depends(require_organiser)])
CHECKIN = Source.CHECKIN.value


class BoothBody(BaseModel):
    name: dict[str, Any] = Field(description='{"vi": "...", "en": "..."}; Vietnamese required')
    description: dict[str, Any] = Field(default_factory=dict)
    order: Any = 0
    active: Any = True


class DeviceBody(BaseModel):
    label: str = Field(default="", max_length=80)


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
    device = await rpc.call(CHECKIN, "add_device", booth_id=booth_id, label=body.label)
    device["link"] = str(request.url_for("scanner_page")) + f"#device={device['device_token']}"
    device["link_qr_svg"] = qr_svg(device["link"])  # a volunteer's phone camera opens the link
    return device


@router.get("/devices")
async def devices(rpc: RpcDep) -> list[dict]:
    return await rpc.call(CHECKIN, "devices")


@router.delete("/devices/{device_id}", status_code=204)
async def revoke_device(device_id: str, rpc: RpcDep) -> Response:
    await rpc.call(CHECKIN, "revoke_device", device_id=device_id)
    return Response(status_code=204)


@router.get("/rejected-scans")
async def rejected_scans(rpc: RpcDep, limit: int = 100) -> list[dict]:
    return await rpc.call(CHECKIN, "rejected_scans", limit=limit)


@router.put("/passport")
async def set_passport_rule(body: PassportRule, rpc: RpcDep) -> dict:
    await rpc.call(CHECKIN, "set_passport_required", required=body.required)
    return body.model_dump()
