"""The province's communes: search as people type, and the organisers' list with what is left to match."""
import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, Field

from gateway.communes import CommuneDirectory
from gateway.deps import RpcDep, require_organiser
from shared.communes import SEARCH_LIMIT
from shared.events import Source

router = APIRouter(prefix="/api", tags=["communes"])
organisers = APIRouter(prefix="/api/admin/communes", tags=["organisers"], dependencies=[Depends(require_organiser)])
REGISTRATION, QUIZ = Source.REGISTRATION.value, Source.QUIZ.value


def get_communes(request: Request) -> CommuneDirectory:
    return request.app.state.communes


CommunesDep = Annotated[CommuneDirectory, Depends(get_communes)]


class Resolution(BaseModel):
    text: str = Field(max_length=1000, description="A commune as typed, from the unmatched list")
    code: str = Field(max_length=1000, description="The commune of the province's list it means")


@router.get("/communes")
async def search(communes: CommunesDep, q: Annotated[str, Query(max_length=80)] = "") -> list[dict]:
    """Communes whose name has these letters, tone marks, case and "xã"/"phường"/"thị trấn" aside;
    empty while no list is loaded (the commune is then typed freely)."""
    return [commune.public() for commune in (await communes.current()).search(q, SEARCH_LIMIT)]


@organisers.put("", openapi_extra={"requestBody": {"content": {"text/csv": {}}}})
async def load(rpc: RpcDep, communes: CommunesDep, text: str = Body(..., media_type="text/csv")) -> dict:
    """Replace the list with this CSV (code, name, district; a header row); a bad row refuses the whole
    file (422 listing every one). Attendees and contest entries whose typed commune names exactly one
    commune are then matched to it."""
    loaded = await rpc.call(REGISTRATION, "load_communes", text=text)
    communes.forget()
    entries = await rpc.call(QUIZ, "follow_communes", communes=await rpc.call(REGISTRATION, "communes"))
    return {"loaded": loaded["loaded"], "matched": {"attendees": loaded["matched"], "entries": entries["matched"]}}


@organisers.get("/unmatched")
async def unmatched(rpc: RpcDep) -> list[dict[str, Any]]:
    """Each commune typed that no list entry matched yet, with how many attendees and entries gave it."""
    attendees, entries = await asyncio.gather(rpc.call(REGISTRATION, "unmatched_communes"),
                                              rpc.call(QUIZ, "unmatched_communes"))
    texts = sorted(set(attendees) | set(entries), key=lambda t: (-attendees.get(t, 0) - entries.get(t, 0), t))
    return [{"text": text, "attendees": attendees.get(text, 0), "entries": entries.get(text, 0),
             "count": attendees.get(text, 0) + entries.get(text, 0)} for text in texts]


@organisers.post("/resolve")
async def resolve(body: Resolution, rpc: RpcDep) -> dict:
    """Every attendee and entry that typed this text now has this commune of the list."""
    resolved = await rpc.call(REGISTRATION, "resolve_commune", text=body.text, code=body.code)
    entries = await rpc.call(QUIZ, "relabel_commune", text=body.text, commune=resolved["commune"])
    return {"commune": resolved["commune"],
            "relabelled": {"attendees": resolved["relabelled"], "entries": entries["relabelled"]}}
