"""Personal data: the organisers' retention setting and audit log, and a person's own requests
(see what is held about them, take a copy, ask for it to be deleted) with their badge as proof."""
import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from gateway.deps import LangDep, RpcDep, require_organiser
from gateway.i18n import texts_with_prefix
from gateway.routes.pages import render
from shared.events import Source

organisers = APIRouter(prefix="/api/admin", tags=["organisers"], dependencies=[Depends(require_organiser)])
people = APIRouter(prefix="/api/my-data", tags=["personal data"])
pages = APIRouter(include_in_schema=False)
REGISTRATION = Source.REGISTRATION.value


class PrivacySettingsBody(BaseModel):
    retention_days: Any = Field(description="Days after the event's day that personal data is kept (0: none)")
    event_date: Any = Field(default=None, description="YYYY-MM-DD; unset: the one stored, else today")
    phone_required: Any = Field(default=False, description="Registration asks for a phone (contest prizes)")


class HolderProofBody(BaseModel):
    """A badge's code and the phone registered with it (without one: the name and commune)."""

    code: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=1000)
    name: str | None = Field(default=None, max_length=1000)
    commune: str | None = Field(default=None, max_length=1000)
    viewer_id: str | None = Field(default=None, max_length=1000,
                                  description="The livestream viewer id kept on this phone, if any")


@organisers.get("/privacy")
async def privacy_settings(rpc: RpcDep) -> dict:
    """The retention period, when the shredder runs (`shred_at`), and the last export since the
    event (`exported_at`, null: export before it runs)."""
    return await rpc.call(REGISTRATION, "privacy_settings")


@organisers.put("/privacy")
async def save_privacy_settings(body: PrivacySettingsBody, rpc: RpcDep) -> dict:
    return await rpc.call(REGISTRATION, "save_privacy_settings", **body.model_dump())


@organisers.get("/audit")
async def audit_log(rpc: RpcDep, limit: int = 200) -> list[dict]:
    """Who saw or exported personal data, newest first."""
    return await rpc.call(REGISTRATION, "audit_log", limit=limit)


@people.post("")
async def my_data(body: HolderProofBody, rpc: RpcDep) -> dict:
    """Everything every service holds about the badge's holder, as JSON (their copy to keep)."""
    person = await rpc.call(REGISTRATION, "prove_holder", **body.model_dump(exclude={"viewer_id"}))
    person["viewer_id"] = body.viewer_id
    held = await asyncio.gather(*(rpc.call(source, "personal_data", **person) for source in Source))
    return {source.value: data for source, data in zip(Source, held, strict=True)}


@people.post("/erase")
async def erase_my_data(body: HolderProofBody, rpc: RpcDep) -> dict:
    """Forget the badge's holder: at once in registration, within seconds in every other service.
    Counters and rankings keep their figures; the badge stops naming anyone."""
    await rpc.call(REGISTRATION, "erase_person", **body.model_dump())
    return {"erased": True}


@pages.get("/my-data", response_class=HTMLResponse)
async def my_data_page(request: Request, lang: LangDep) -> Response:
    return render(request, lang, "my_data.html", values={}, errors={},
                  strings=texts_with_prefix(lang, "mydata_", "err_"))
