"""Server-rendered pages: light, no CDN, usable without JavaScript on a slow phone."""
import uuid
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.deps import LangDep, RpcDep
from gateway.errors import ApiError, from_remote
from gateway.i18n import LANG_COOKIE, LANGUAGES, text
from gateway.qr import qr_svg
from gateway.routes.attendees import fetch_attendee, register_attendee
from gateway.rpc import RemoteError, RpcUnavailable
from shared.events import ATTENDEE_GROUPS as GROUPS

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

FORM_FIELDS = ("name", "phone", "commune", "group", "request_id")


def render(request: Request, lang: str, name: str, status: int = 200, **context) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, {
        "lang": lang, "t": lambda key: text(lang, key),
        "other_lang": "en" if lang == "vi" else "vi", **context,
    }, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def as_api_error(exc: RemoteError | RpcUnavailable) -> ApiError:
    return from_remote(exc) if isinstance(exc, RemoteError) else ApiError(503, "unavailable")


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, lang: LangDep) -> Response:
    return render(request, lang, "home.html")


@router.get("/register", response_class=HTMLResponse)
async def register_form(request: Request, lang: LangDep) -> Response:
    return render(request, lang, "register.html", groups=GROUPS, values={},
                  request_id=uuid.uuid4().hex, errors={}, message=None)


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
        return render(request, lang, "register.html", status=error.status, groups=GROUPS,
                      values=values, request_id=values["request_id"] or uuid.uuid4().hex,
                      errors=error.fields, message=message)
    suffix = "" if attendee["created"] else "?existing=1"
    return RedirectResponse(f"/badge/{attendee['code']}{suffix}", status_code=303)


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
    return render(request, lang, "badge.html", attendee=attendee,
                  qr=qr_svg(attendee["token"]), existing="existing" in request.query_params)


@router.get("/stats", response_class=HTMLResponse)
async def stats_page(request: Request, lang: LangDep) -> Response:
    return render(request, lang, "stats.html")
