"""The day's results as files for the organisers: rankings, participation, attendees (with phones)."""
import os
from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from typing import IO, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from gateway.audit import AuditDep
from gateway.deps import LangDep, RpcDep, require_organiser
from gateway.errors import ApiError
from gateway.exports import EVENT_ZONE, EXPORTS, WINNERS_DEFAULT, WINNERS_MAX, Export, csv_chunks, xlsx_file
from gateway.rpc import RpcClient
from shared.privacy import AuditKind

router = APIRouter(prefix="/api/admin/exports", tags=["organisers"], dependencies=[Depends(require_organiser)])
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
CHUNK_BYTES = 64 * 1024
# The first page of a ranking ranks every participant: a few seconds at a province's size, more on a busy
# machine. An organiser's download may wait for it; nobody else's request does.
PAGE_TIMEOUT_SECONDS = 60.0


@router.get("")
async def available(request: Request) -> list[dict]:
    """Every export: its name, title in each language, query parameters and links."""
    return [{"name": export.name, "title": export.titles(), "params": export.labelled_params(),
             "formats": list(FORMATS),
             "links": {fmt: str(request.url_for("export_file", name=export.name, fmt=fmt)) for fmt in FORMATS}}
            for export in EXPORTS.values()]


def _arguments(export: Export, request: Request) -> dict[str, Any]:
    """The service call's arguments from the query, each checked; 422 naming every bad one."""
    query = request.query_params
    arguments: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if "contest" in export.params:
        arguments["contest_id"] = query.get("contest", "").strip()
        if not arguments["contest_id"]:
            errors["contest"] = "required"
    if "top" in export.params:
        top = query.get("top", str(WINNERS_DEFAULT))
        if not top.isdigit() or not 1 <= int(top) <= WINNERS_MAX:
            errors["top"] = "invalid_number"
        else:
            arguments["limit"] = int(top)
    if errors:
        raise ApiError(422, "invalid", errors)
    return arguments


def _filename(export: Export, arguments: dict[str, Any], fmt: str) -> str:
    """e.g. contest-ranking-tinh-2026-12-02.csv: what, which contest, and the day on the event's clock."""
    day = datetime.now(EVENT_ZONE).date().isoformat()
    return "-".join([export.name, *([arguments["contest_id"]] if "contest_id" in arguments else []), day]) + f".{fmt}"


async def _page(rpc: RpcClient, export: Export, arguments: dict[str, Any], after: Any) -> dict:
    return await rpc.call(export.source, export.method, timeout=PAGE_TIMEOUT_SECONDS, **arguments,
                          **({"after": after} if after is not None else {}))


async def _sent(file: IO[bytes]) -> AsyncIterator[bytes]:
    """The file from its start, closed once sent or once the client left (Starlette skips a response's
    background task then, but closes the stream it abandoned): an unnamed file's space goes with it."""
    try:
        while chunk := await run_in_threadpool(file.read, CHUNK_BYTES):
            yield chunk
    finally:
        file.close()


@router.get("/{name}.{fmt}", name="export_file")
async def export_file(name: str, fmt: str, request: Request, rpc: RpcDep, lang: LangDep,
                      audit: AuditDep) -> StreamingResponse:
    """The file in the request's language (?lang=en), Vietnamese by default: a CSV streamed page by page, or
    an Excel workbook sent once written (its pages go to disk as they come)."""
    export = EXPORTS.get(name)
    if export is None:
        raise ApiError(404, "unknown_export")
    if fmt not in FORMATS:
        raise ApiError(404, "unknown_format")
    arguments = _arguments(export, request)
    fetch = partial(_page, rpc, export, arguments)
    first = await fetch(None)  # a refusal (no such contest) is answered as one, before the file starts
    filename = _filename(export, arguments, fmt)
    if export.personal:
        await audit(AuditKind.EXPORT, filename)  # no record, no file
    plain = "".join(c if c.isascii() and (c.isalnum() or c in "-.") else "_" for c in filename)
    headers = {"Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"}
    if fmt == "csv":
        return StreamingResponse(csv_chunks(export, lang, first, fetch), media_type=FORMATS[fmt], headers=headers)
    workbook = await xlsx_file(export, lang, first, fetch)
    headers["Content-Length"] = str(os.fstat(workbook.fileno()).st_size)
    return StreamingResponse(_sent(workbook), media_type=FORMATS[fmt], headers=headers)
