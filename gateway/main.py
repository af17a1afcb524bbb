"""The gateway: HTTP API, pages and the WebSocket hub over the services' RPC and events."""
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from gateway import errors
from gateway.access import StaffGate
from gateway.answer_desk import AnswerDesk
from gateway.commands import CommandPublisher
from gateway.communes import CommuneDirectory
from gateway.events import EventBus
from gateway.hub import StatsHub
from gateway.json_guard import JsonGuard
from gateway.metrics import GatewayMetrics
from gateway.request_ids import RequestIds
from gateway.rounds import RoundHubs
from gateway.routes import admin, attendees, checkin, communes, exports, livestream, pages, privacy, quiz, stats
from gateway.rpc import RpcClient
from gateway.stats_feed import LiveStats
from gateway.viewers import ViewerHub
from shared.config import Settings, get_settings
from shared.logs import configure

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        rpc = RpcClient(settings.amqp_uri, settings.rpc_timeout_seconds)
        await rpc.start()
        # Every handler subscribes here, before the queue is bound to what they subscribed to.
        bus = EventBus()
        live = LiveStats(settings.amqp_uri, rpc, bus)
        hub = StatsHub(live.counters, settings.stats_push_interval_seconds)
        viewers = ViewerHub(rpc, live, bus)
        commands = CommandPublisher(settings.amqp_uri, settings.rpc_timeout_seconds)
        metrics.watch_hubs({"stats": hub, "viewers": viewers})
        bus.observe(lambda event: metrics.observe_event(event.SOURCE.value, event.NAME,
                                                        event.model_dump(mode="json")))
        app.state.rpc, app.state.live, app.state.hub, app.state.viewers = rpc, live, hub, viewers
        app.state.commands = commands
        app.state.communes = CommuneDirectory(rpc)
        app.state.staff = StaffGate(rpc, settings.organiser_secret())
        app.state.answers = AnswerDesk(rpc, commands, bus, app.state.staff.public_key)
        rounds = app.state.rounds = RoundHubs(rpc, bus, app.state.answers)
        await commands.start()
        await live.start()
        hub.start()
        viewers.start()
        rounds.start()
        try:
            yield
        finally:
            await rounds.close()
            await viewers.close()
            await hub.close()
            await live.close()
            await commands.close()
            await rpc.close()

    metrics = GatewayMetrics()
    app = FastAPI(title="Digital Learning Day gateway", lifespan=lifespan)
    app.state.metrics = metrics
    errors.install(app)
    app.add_middleware(JsonGuard)
    # Pages and scripts shrink several times over for a phone on a slow network; a small JSON
    # answer is not worth the CPU. Level 6 (zlib's default) saves nearly what 9 does for less
    # CPU; already-compressed types (PNG, fonts) and sockets are left alone by the middleware.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(RequestIds)  # outermost: every answer and log line of the request has its id
    app.include_router(attendees.router)
    app.include_router(checkin.router)
    app.include_router(admin.router)
    app.include_router(exports.router)
    app.include_router(communes.router)
    app.include_router(communes.organisers)
    app.include_router(livestream.router)
    app.include_router(livestream.moderation)
    app.include_router(quiz.router)
    app.include_router(quiz.organisers)
    app.include_router(quiz.hosts)
    app.include_router(quiz.sockets)
    app.include_router(stats.router)
    app.include_router(privacy.organisers)
    app.include_router(privacy.people)
    app.include_router(privacy.pages)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def main() -> None:
    import uvicorn

    settings = get_settings()
    configure("gateway", settings.log_format, settings.log_level)
    uvicorn.run(create_app(settings), host=settings.gateway_host, port=settings.gateway_port,
                log_config=None,  # uvicorn's lines too go through the one setup above
                ws_ping_interval=20, ws_ping_timeout=20,
                # Compression doubles the memory of every idle socket (82 KiB vs 43 KiB measured)
                # to save a few bytes on small JSON frames.
                ws_per_message_deflate=False,
                # Longer than clients keep idle connections (httpx 5 s): a request sent just as
                # the server closed an idle connection would otherwise fail before reaching us.
                timeout_keep_alive=30)


if __name__ == "__main__":
    main()
