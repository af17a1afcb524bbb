"""Gives every HTTP request and socket a request id: the client's `X-Request-Id` if it is a safe one,
else a new one. It is answered in the same header, tags the gateway's log lines for the request and
travels on with each RPC and command the request makes (`shared.logs`)."""
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import HTTP_HEADER, REQUEST_ID, accept_request_id


class RequestIds:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(Headers(scope=scope).get(HTTP_HEADER))
        # Each request and socket runs in a task of its own, so the id ends with it.
        REQUEST_ID.set(request_id)

        async def answer_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(HTTP_HEADER, request_id)
            await send(message)

        await self.app(scope, receive, answer_with_id)
