"""Typed dependencies the routes ask for."""
from typing import Annotated

from fastapi import Depends, Request

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


RpcDep = Annotated[RpcClient, Depends(get_rpc)]
LiveDep = Annotated[LiveStats, Depends(get_live)]
LangDep = Annotated[str, Depends(pick_language)]
