"""Live counters: a JSON snapshot and a WebSocket of updates."""
from fastapi import APIRouter, WebSocket
from fastapi.responses import JSONResponse

from gateway.deps import LiveDep

router = APIRouter(tags=["stats"])


@router.get("/api/stats")
async def stats(live: LiveDep) -> dict:
    return live.counters.snapshot()


@router.websocket("/ws/stats")
async def stats_socket(websocket: WebSocket) -> None:
    await websocket.app.state.hub.serve_screen(websocket)


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(live: LiveDep) -> JSONResponse:
    """Ready once every counter source has given its snapshot."""
    ready = live.ready
    return JSONResponse({"ready": ready}, status_code=200 if ready else 503)
