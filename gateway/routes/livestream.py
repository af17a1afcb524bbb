"""Livestream API: viewers post and upvote; moderators approve, hide, pin and answer."""
from typing import Any

from fastapi import APIRouter, Depends, WebSocket
from pydantic import BaseModel, Field

from gateway.audit import AuditDep
from gateway.deps import RpcDep, require_role
from shared.access import Role
from shared.events import Source

router = APIRouter(tags=["livestream"])
moderation = APIRouter(prefix="/api/admin/live", tags=["livestream moderation"],
                       dependencies=[Depends(require_role(Role.MODERATOR))])
LIVE = Source.LIVESTREAM.value


class PostBody(BaseModel):
    viewer_id: str = Field(max_length=200, description="Chosen by the viewer's page and kept on the phone.")
    name: str = Field(max_length=1000)
    text: str = Field(max_length=5000)


class UpvoteBody(BaseModel):
    viewer_id: str = Field(max_length=200)


class LiveSettings(BaseModel):
    stream_url: str = Field(default="", description="A YouTube or Facebook live embed URL, or an HLS playlist")
    comments_require_approval: Any = False
    blocked_words: list[Any] = Field(default_factory=list, description="Words or phrases, vi or en")


@router.websocket("/ws/live")
async def viewer_socket(websocket: WebSocket) -> None:
    await websocket.app.state.viewers.serve_viewer(websocket)


@router.get("/api/live/feed")
async def feed(rpc: RpcDep) -> dict:
    return await rpc.call(LIVE, "feed")


@router.post("/api/live/comments", status_code=201)
async def post_comment(body: PostBody, rpc: RpcDep) -> dict:
    """Shown to every viewer at once, or held for a moderator (approval on, or a listed word)."""
    return await rpc.call(LIVE, "post", kind="comment", **body.model_dump())


@router.post("/api/live/questions", status_code=201)
async def post_question(body: PostBody, rpc: RpcDep) -> dict:
    return await rpc.call(LIVE, "post", kind="question", **body.model_dump())


@router.post("/api/live/questions/{question_id}/upvote")
async def upvote(question_id: str, body: UpvoteBody, rpc: RpcDep) -> dict:
    """One upvote per viewer and question; a second changes nothing."""
    return await rpc.call(LIVE, "upvote", question_id=question_id, viewer_id=body.viewer_id)


@moderation.get("/posts")
async def posts(rpc: RpcDep, audit: AuditDep, status: str | None = None) -> list[dict]:
    """Viewers' posts with their names, for the moderators: their viewing is in the audit record."""
    await audit.viewing(f"livestream posts ({str(status or 'all')[:20]})")
    return await rpc.call(LIVE, "posts", status=status)


@moderation.post("/posts/{post_id}/{action}")
async def moderate(post_id: str, action: str, rpc: RpcDep) -> dict:
    """approve, hide, pin, unpin or answered; a hidden post leaves every viewer's screen."""
    return await rpc.call(LIVE, "moderate", post_id=post_id, action=action)


@moderation.get("/settings")
async def settings(rpc: RpcDep) -> dict:
    return await rpc.call(LIVE, "settings")


@moderation.put("/settings")
async def save_settings(body: LiveSettings, rpc: RpcDep) -> dict:
    return await rpc.call(LIVE, "save_settings", settings=body.model_dump())
