"""Typed dependencies the routes ask for."""
import hmac
from typing import Annotated

from fastapi import Depends, Request

from gateway.errors import ApiError
from gateway.hub import StatsHub
from gateway.i18n import pick_language
from gateway.live import LiveStats
from gateway.rpc import RpcClient


def get_rpc(request: Request) -> RpcClient:
    return request.app.state.rpc


def get_live(request: Request) -> LiveStats:
    return request.app.state.live


def get_hub(request: Request) -> StatsHub:
    return request.app.state.hub


def bearer_token(request: Request) -> str:
    """The request's `Authorization: Bearer` token; 401 without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthenticated")
    return token.strip()


def require_organiser(request: Request, token: Annotated[str, Depends(bearer_token)]) -> None:
    if not hmac.compare_digest(token.encode(), request.app.state.organiser_token.encode()):
        raise ApiError(403, "forbidden")


RpcDep = Annotated[RpcClient, Depends(get_rpc)]
BearerDep = Annotated[str, Depends(bearer_token)]
LiveDep = Annotated[LiveStats, Depends(get_live)]
LangDep = Annotated[str, Depends(pick_language)]
