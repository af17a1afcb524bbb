"""Server-rendered pages: light, no CDN, usable without JavaScript on a slow phone."""
import uuid
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.deps import LangDep, RpcDep
from gateway.errors import ApiError, from_remote
from gateway.i18n import LANG_COOKIE, LANGUAGES, other_languages, text, texts_with_prefix
from gateway.qr import qr_svg
from gateway.routes.attendees import fetch_attendee, recover_badge, register_attendee
from gateway.rpc import RemoteError, RpcUnavailable
from shared.codes import normalise_code
from shared.config import REPO_ROOT
from shared.events import ATTENDEE_GROUPS as GROUPS
from shared.events import Source
from shared.privacy import CONSENT_VERSION
from tools.seed import DEMO_CONTEST

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

FORM_FIELDS = ("name", "phone", "commune", "group", "request_id", "consent")
PROOF_FIELDS = ("phone", "name", "commune")
# A page waits this long for the contest it links to; without an answer it just leaves the link out.
CONTEST_LINK_TIMEOUT_SECONDS = 2.0
# The registration form waits this long for the retention period its consent text states.
TERMS_TIMEOUT_SECONDS = 2.0
# Counter, label key; quiz tiles show once the quiz service reports its counters.
SCREEN_TILES = (
    ("registrations_total", "screen_registrations"), ("checkins_total", "screen_checkins"),
    ("unique_visitors", "screen_visitors"), ("passports_completed", "screen_passports"),
    ("live_viewers_now", "screen_viewers"), ("live_reactions_total", "screen_reactions"),
    ("quiz_participants", "screen_quiz_participants"), ("quiz_entries", "screen_quiz_entries"),
    ("quiz_perfect_entries", "screen_quiz_perfect"), ("quiz_fastest_perfect_seconds", "screen_quiz_fastest"),
)
# The organisers' console, in this order: each section is templates/admin/<name>.html (a
# <section id="admin-<name>">) and static/admin/<name>.js (exporting mount(section, ctx)).
ADMIN_SECTIONS = ("booths", "staff", "bank", "contest", "passport", "results", "communes", "privacy")
REACTIONS = {"like": "👍", "love": "❤️", "clap": "👏", "wow": "😮"}
NODE_MODULES = REPO_ROOT / "node_modules"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
VENDOR_FILES = {
    "jsQR.js": NODE_MODULES / "jsqr" / "dist" / "jsQR.js",
    "ed25519.js": NODE_MODULES / "@noble" / "ed25519" / "index.js",
}


def render(request: Request, lang: str, name: str, status: int = 200, **context) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {
        "lang": lang, "t": lambda key: text(lang, key), "languages": other_languages(lang), **context,
    }, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def as_api_error(exc: RemoteError | RpcUnavailable) -> ApiError:
    return from_remote(exc) if isinstance(exc, RemoteError) else ApiError(503, "unavailable")


async def featured_contest(rpc: RpcDep) -> dict | None:
    """The day's online contest (the one `make run` opens) when it exists, for pages to link."""
    try:
        return await rpc.call(Source.QUIZ, "contest", timeout=CONTEST_LINK_TIMEOUT_SECONDS,
                              contest_id=DEMO_CONTEST)
    except (RemoteError, RpcUnavailable):
        return None


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, lang: LangDep, rpc: RpcDep) -> Response:
    """Where everything starts: register, the contest, the live quiz, the livestream."""
    return render(request, lang, "home.html", contest=await featured_contest(rpc))


async def privacy_terms(rpc: RpcDep) -> dict:
    """What the consent text states: how long data is kept, whether a phone is asked for. Without an
    answer in time, the text says the period without its number and the phone stays optional."""
    try:
        settings = await rpc.call(Source.REGISTRATION, "privacy_settings", timeout=TERMS_TIMEOUT_SECONDS)
    except (RemoteError, RpcUnavailable):
        settings = {}
    return {"retention_days": settings.get("retention_days"), "phone_required": settings.get("phone_required"),
            "consent_version": CONSENT_VERSION}


@router.get("/register", response_class=HTMLResponse)
async def register_form(request: Request, lang: LangDep, rpc: RpcDep) -> Response:
    return render(request, lang, "register.html", groups=GROUPS, values={},
                  request_id=uuid.uuid4().hex, errors={}, message=None, **await privacy_terms(rpc))


@router.post("/register", response_class=HTMLResponse)
async def register_submit(request: Request, lang: LangDep, rpc: RpcDep) -> Response:
    """A plain form post: the hidden request id makes a double tap register once."""
    form = await request.form()
    values = {field: str(form.get(field) or "") for field in FORM_FIELDS}
    try:
        attendee = await register_attendee(rpc, values)
    except (RemoteError, RpcUnavailable) as exc:
        error = as_api_error(exc)
        message = text(lang, "fix_errors" if error.fields else f"err_{error.code}")
        # A reused request id stays refused: the next tap is a new registration.
        request_id = values["request_id"] if error.code != "request_reused" else ""
        return render(request, lang, "register.html", status=error.status, groups=GROUPS,
                      values=values, request_id=request_id or uuid.uuid4().hex,
                      errors=error.fields, message=message, phone_taken=error.code == "phone_taken",
                      **await privacy_terms(rpc))
    suffix = "" if attendee["created"] else "?existing=1"
    return RedirectResponse(f"/badge/{attendee['code']}{suffix}", status_code=303)


@router.get("/recover", response_class=HTMLResponse)
async def recover_form(request: Request, lang: LangDep) -> Response:
    return render(request, lang, "recover.html", values={}, errors={}, message=None)


@router.post("/recover", response_class=HTMLResponse)
async def recover_submit(request: Request, lang: LangDep, rpc: RpcDep) -> Response:
    """A lost badge for whoever gives its phone with the name and commune it was registered with."""
    form = await request.form()
    values = {field: str(form.get(field) or "") for field in PROOF_FIELDS}
    try:
        attendee = await recover_badge(rpc, values)
    except (RemoteError, RpcUnavailable) as exc:
        error = as_api_error(exc)
        message = text(lang, "fix_errors" if error.fields else f"err_{error.code}")
        return render(request, lang, "recover.html", status=error.status, values=values,
                      errors=error.fields, message=message)
    return RedirectResponse(f"/badge/{attendee['code']}", status_code=303)


@router.get("/badge", response_class=HTMLResponse)
async def badge_lookup(code: str = "") -> Response:
    return RedirectResponse(f"/badge/{code.strip()}" if code.strip() else "/", status_code=303)


@router.get("/badge/{code}", response_class=HTMLResponse)
async def badge(request: Request, code: str, lang: LangDep, rpc: RpcDep) -> Response:
    try:
        attendee = await fetch_attendee(rpc, code)
    except (RemoteError, RpcUnavailable) as exc:
        error = as_api_error(exc)
        return render(request, lang, "home.html", status=error.status,
                      message=text(lang, f"err_{error.code}"))
    try:
        passport = await rpc.call(Source.CHECKIN, "passport", code=attendee["code"])
    except (RemoteError, RpcUnavailable):
        passport = None  # the badge still shows; the stamps come back with the service
    return render(request, lang, "badge.html", attendee=attendee, passport=passport,
                  qr=qr_svg(attendee["token"]), existing="existing" in request.query_params,
                  contest=await featured_contest(rpc))


@router.get("/scan", response_class=HTMLResponse, name="scanner_page")
async def scanner_page(request: Request, lang: LangDep) -> Response:
    """The volunteers' scanner: camera, handheld scanner or typed code; works offline."""
    return render(request, lang, "scan.html", strings=texts_with_prefix(lang, "scan_"))


@router.get("/live", response_class=HTMLResponse)
async def viewer_page(request: Request, lang: LangDep) -> Response:
    """The livestream with reactions, comments and questions for the MC."""
    return render(request, lang, "live.html", strings=texts_with_prefix(lang, "live_", "err_"),
                  reactions=REACTIONS)


@router.get("/moderate", response_class=HTMLResponse)
async def moderator_page(request: Request, lang: LangDep) -> Response:
    return render(request, lang, "moderate.html", strings=texts_with_prefix(lang, "mod_", "err_"))


@router.get("/sw.js", include_in_schema=False)
async def service_worker() -> Response:
    """Served from the root so it may keep the scanner page for offline reloads."""
    return FileResponse(STATIC_DIR / "sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})


@router.get("/vendor/{name}", include_in_schema=False)
async def vendor_file(name: str) -> Response:
    """Browser libraries installed from the npm registry by the Makefile, served here (no CDN)."""
    path = VENDOR_FILES.get(name)
    if path is None or not path.exists():
        return Response(status_code=404)
    return FileResponse(path, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/screen", response_class=HTMLResponse)
async def mc_screen(request: Request, lang: LangDep, rpc: RpcDep, round: str = "") -> Response:
    """The MCs' full-screen live figures for a projector or TV; with ?round=CODE, that live round:
    its lobby (the code and a QR code of the players' link), its questions, then its podium."""
    lobby = None
    if round.strip():
        try:
            state = await rpc.call(Source.QUIZ, "round_state", round_id=normalise_code(round)[:12])
        except (RemoteError, RpcUnavailable) as exc:
            error = as_api_error(exc)
            message = text(lang, "screen_no_round" if error.status == 404 else f"err_{error.code}")
            return render(request, lang, "home.html", status=error.status, message=message)
        play = request.url_for("play_page")
        link = f"{play}?round={state['round_id']}"
        lobby = {"code": state["round_id"], "link": link, "link_text": f"{play.netloc}{play.path}", "qr": qr_svg(link)}
    return render(request, lang, "screen.html", tiles=SCREEN_TILES, lobby=lobby,
                  strings=texts_with_prefix(lang, "screen_", "play_question", "play_answers"))


@router.get("/contest/{contest_id}", response_class=HTMLResponse)
async def contest_page(request: Request, contest_id: str, lang: LangDep, rpc: RpcDep) -> Response:
    """The online contest for a player's phone; a refresh resumes the open entry."""
    try:
        contest = await rpc.call(Source.QUIZ, "contest", contest_id=contest_id)
    except (RemoteError, RpcUnavailable) as exc:
        error = as_api_error(exc)
        return render(request, lang, "home.html", status=error.status, message=text(lang, f"err_{error.code}"))
    return render(request, lang, "contest.html", contest=contest,
                  strings=texts_with_prefix(lang, "quiz_", "err_"))


@router.get("/play", response_class=HTMLResponse)
async def play_page(request: Request, lang: LangDep, round: str = "") -> Response:
    """Players on the market stage: join a live round with its code and answer on the phone."""
    return render(request, lang, "play.html", round_code=round.strip().upper()[:12],
                  strings=texts_with_prefix(lang, "play_", "err_"))


@router.get("/host", response_class=HTMLResponse)
async def host_page(request: Request, lang: LangDep) -> Response:
    """The MC's control for a live round (an MC's staff pass)."""
    return render(request, lang, "host.html", strings=texts_with_prefix(lang, "host_", "play_", "mod_", "err_"))


@router.get("/admin", response_class=HTMLResponse, name="admin_page")
async def admin_page(request: Request, lang: LangDep) -> Response:
    """The organisers' console (their token, or an organiser's pass link); every action goes through the API."""
    return render(request, lang, "admin.html", sections=ADMIN_SECTIONS, default_contest=DEMO_CONTEST,
                  strings=texts_with_prefix(lang, "admin_", "err_", "scan_reason_"))


@router.get("/stats", response_class=HTMLResponse)
async def stats_page(request: Request, lang: LangDep) -> Response:
    return render(request, lang, "stats.html")
