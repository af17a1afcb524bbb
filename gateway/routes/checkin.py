"""Booth check-in API: volunteers' devices scan badges; attendees see their passport."""
from fastapi import APIRouter
from pydantic import BaseModel, Field

from gateway.deps import BearerDep, CommandsDep, RpcDep
from shared.commands import Stream
from shared.events import Source

router = APIRouter(prefix="/api", tags=["check-in"])
CHECKIN = Source.CHECKIN.value


class ScanBody(BaseModel):
    scan_id: str = Field(max_length=200, description="Chosen by the device; a retry sends the same id.")
    payload: str = Field(max_length=5000, description="The QR code's text, or a short code typed in.")
    client_time: str | None = Field(default=None, max_length=100)


class PairBody(BaseModel):
    pairing_code: str = Field(max_length=50)


@router.post("/checkins")
async def check_in(body: ScanBody, device_token: BearerDep, commands: CommandsDep) -> dict:
    """The scan's outcome: checked_in, already_checked_in, or rejected with a reason, once it is stored. A
    durable command answered by the check-in service's batch; 503 when no answer comes in time (the scan is
    still stored once, and sending it again with the same scan_id gets its stored outcome)."""
    outcome: dict = await commands.ask(Stream.SCANS, f"scan:{body.scan_id}",
                                       {"device_token": device_token, **body.model_dump()})
    return outcome


@router.post("/devices/pair")
async def pair_device(body: PairBody, rpc: RpcDep) -> dict:
    """Trade the pairing code an organiser gave for this device's token."""
    return await rpc.call(CHECKIN, "pair_device", pairing_code=body.pairing_code)


@router.get("/devices/me")
async def this_device(device_token: BearerDep, rpc: RpcDep) -> dict:
    return await rpc.call(CHECKIN, "device_info", device_token=device_token)


@router.get("/booths")
async def booths(rpc: RpcDep) -> list[dict]:
    return await rpc.call(CHECKIN, "booths")


@router.get("/attendees/{code}/passport")
async def passport(code: str, rpc: RpcDep) -> dict:
    return await rpc.call(CHECKIN, "passport", code=code)
