"""Typed dependencies the routes ask for."""
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from gateway.answer_desk import AnswerDesk
from gateway.commands import CommandPublisher
from gateway.errors import ApiError
from gateway.i18n import pick_language
from gateway.rpc import RpcClient
from gateway.stats_feed import LiveStats
from shared.access import Role


def get_rpc(request: Request) -> RpcClient:
    return request.app.state.rpc


def get_live(request: Request) -> LiveStats:
    return request.app.state.live


def get_commands(request: Request) -> CommandPublisher:
    return request.app.state.commands


def get_answer_desk(request: Request) -> AnswerDesk:
    return request.app.state.answers


def bearer_token(request: Request) -> str:
    """The request's `Authorization: Bearer` token; 401 without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthenticated")
    return token.strip()


def require_role(*roles: Role) -> Callable[..., Awaitable[Role]]:
    """A dependency letting in these roles and the organisers (who may do everything)."""
    allowed = {Role.ORGANISER, *roles}

    async def check(request: Request, token: Annotated[str, Depends(bearer_token)]) -> Role:
        role = await request.app.state.staff.role_of(token)
        if role not in allowed:
            raise ApiError(403, "wrong_role")
        return role
    return check


require_organiser = require_role()


RpcDep = Annotated[RpcClient, Depends(get_rpc)]
BearerDep = Annotated[str, Depends(bearer_token)]
LiveDep = Annotated[LiveStats, Depends(get_live)]
CommandsDep = Annotated[CommandPublisher, Depends(get_commands)]
AnswerDeskDep = Annotated[AnswerDesk, Depends(get_answer_desk)]
LangDep = Annotated[str, Depends(pick_language)]
