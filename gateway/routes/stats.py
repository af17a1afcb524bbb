"""Live counters: a JSON snapshot and a WebSocket of updates."""
import asyncio

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.deps import LiveDep, RpcDep
from shared.events import Source

router = APIRouter(tags=["stats"])


@router.get("/api/stats")
async def stats(live: LiveDep) -> dict:
    return live.counters.snapshot()


@router.get("/api/stats/trend")
async def trend(rpc: RpcDep) -> dict:
    """Registrations and check-ins per minute over the last hour, this minute last."""
    registrations, checkins = await asyncio.gather(
        rpc.call(Source.REGISTRATION, "trend"), rpc.call(Source.CHECKIN, "trend"))
    return {"registrations": registrations, "checkins": checkins}


@router.websocket("/ws/stats")
async def stats_socket(websocket: WebSocket) -> None:
    await websocket.app.state.hub.serve_screen(websocket)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus exposition: sockets, messages sent, slow clients dropped, event lag."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(live: LiveDep, rpc: RpcDep) -> JSONResponse:
    """Ready once every counter source has given its snapshot. `missing` names each service that is not
    running now: the gateway still serves everything else, and its calls answer 503 at once."""
    missing = [source.value for source in Source if not await rpc.running(source)]
    ready = live.ready
    return JSONResponse({"ready": ready, "missing": missing}, status_code=200 if ready else 503)
