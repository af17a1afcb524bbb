"""Quiz API: organisers load the bank and set the contest; players start and submit entries; MCs host rounds."""
import base64
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Request, Response, WebSocket
from pydantic import BaseModel, Field

from gateway.answer_desk import PLAYER_TOKEN_MAX
from gateway.deps import AnswerDeskDep, CommandsDep, LangDep, RpcDep, require_organiser, require_role
from gateway.errors import ApiError
from gateway.i18n import texts_with_prefix
from shared.access import Role
from shared.codes import normalise_code
from shared.commands import Stream
from shared.events import Source

router = APIRouter(prefix="/api", tags=["quiz"])
organisers = APIRouter(prefix="/api/admin/quiz", tags=["quiz organisers"], dependencies=[Depends(require_organiser)])
hosts = APIRouter(prefix="/api/admin/quiz", tags=["live quiz hosts"], dependencies=[Depends(require_role(Role.MC))])
sockets = APIRouter()
QUIZ = Source.QUIZ.value
# 500 questions in two languages with explanations fill about 1 MB of CSV.
BANK_FILE_MAX_BYTES = 2_000_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BANK_TEMPLATE_NOTES = "bank_template_"  # the template's sheet title and column comments, in the page's language


class EntryStart(BaseModel):
    """A registered attendee's code, or name, phone and commune; and the phone's own secret token."""

    token: Any = Field(default=None, description="A secret the phone makes up (16-100 letters, digits, - or _) "
                       "and keeps: the same token resumes the open entry, nobody else's does")
    attendee_code: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=100)
    commune: str | None = Field(default=None, max_length=1000)


class Submission(BaseModel):
    answers: dict[str, Any] = Field(description="question id -> index of the chosen answer (0 = A)")
    prediction: Any = Field(default=None, description="How many entries will answer every question right")


class ContestBody(BaseModel):
    title: Any = None
    opens_at: Any = None
    closes_at: Any = None
    time_limit_seconds: Any = 900
    ask_prediction: Any = False


@organisers.put("/bank")
async def import_bank(rpc: RpcDep, rows: list[Any] = Body(...)) -> dict:
    """Replace the question bank with these questions; a bad row refuses the whole import."""
    return await rpc.call(QUIZ, "import_bank", rows=rows)


@organisers.put("/bank.{file_format}", openapi_extra={"requestBody": {"content": {
    "text/csv": {}, "application/json": {}, XLSX: {}}}})
async def import_bank_file(file_format: Literal["json", "csv", "xlsx"], request: Request, rpc: RpcDep) -> dict:
    """The bank from a file as saved by a spreadsheet or an editor: its rows are numbered as the file
    shows them (row 2 is the first question below a CSV's header)."""
    content = await request.body()
    if len(content) > BANK_FILE_MAX_BYTES:
        raise ApiError(413, "too_big")
    return await rpc.call(QUIZ, "import_bank_file", file_format=file_format,
                          content_b64=base64.b64encode(content).decode())


@organisers.get("/bank-template.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
async def bank_template(lang: LangDep, rpc: RpcDep) -> Response:
    """An Excel workbook to fill in: the header row and one example question, its columns explained
    in the page's language."""
    notes = {key.removeprefix(BANK_TEMPLATE_NOTES): value
             for key, value in texts_with_prefix(lang, BANK_TEMPLATE_NOTES).items()}
    answer = await rpc.call(QUIZ, "bank_template", notes=notes)
    return Response(base64.b64decode(answer["content_b64"]), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="question-bank.xlsx"'})


@organisers.get("/bank")
async def bank(rpc: RpcDep) -> list[dict]:
    return await rpc.call(QUIZ, "bank")


@organisers.put("/contests/{contest_id}")
async def save_contest(contest_id: str, body: ContestBody, rpc: RpcDep) -> dict:
    return await rpc.call(QUIZ, "save_contest", contest_id=contest_id, contest=body.model_dump())


@router.get("/contests")
async def open_contests(rpc: RpcDep) -> list[dict]:
    """Contests open now, the one that opened last first."""
    return await rpc.call(QUIZ, "open_contests")


@router.get("/contests/{contest_id}")
async def contest(contest_id: str, rpc: RpcDep) -> dict:
    return await rpc.call(QUIZ, "contest", contest_id=contest_id)


@router.post("/contests/{contest_id}/entries", status_code=201)
async def start_entry(contest_id: str, body: EntryStart, commands: CommandsDep) -> dict:
    """Questions in this entry's order, without answers, the deadline and the server's time, once the entry is
    stored; asking again with the same token resumes the open entry, another phone is refused (409) and learns
    nothing of it. 503 when no answer comes in time: asking again resumes the entry if it was stored."""
    entry: dict = await commands.ask(Stream.CONTEST, uuid.uuid4().hex,
                                     {"type": "start", "contest_id": contest_id, **body.model_dump()})
    return entry


@router.post("/entries/{entry_id}/submit")
async def submit(entry_id: str, body: Submission, commands: CommandsDep) -> dict:
    """The score, once stored; a second submit answers the stored score. 503 when no answer comes in time: the
    submission is still scored once, and sending it again gets that score."""
    result: dict = await commands.ask(Stream.CONTEST, uuid.uuid4().hex,
                                      {"type": "submit", "entry_id": entry_id, **body.model_dump()})
    return result


class RoundBody(BaseModel):
    question_count: Any = 10
    seconds: Any = 20


class JoinBody(BaseModel):
    name: str | None = Field(default=None, max_length=1000, description="A nickname")
    attendee_code: str | None = Field(default=None, max_length=40)
    player_token: str | None = Field(default=None, max_length=PLAYER_TOKEN_MAX, description="Given back to resume")


class LiveAnswer(BaseModel):
    player_token: str = Field(max_length=PLAYER_TOKEN_MAX)
    index: Any
    choice: Any


class HostAction(BaseModel):
    index: Any = None


@hosts.post("/rounds", status_code=201)
async def create_round(body: RoundBody, rpc: RpcDep) -> dict:
    """A live round for the stage, in the lobby; players join with its code."""
    return await rpc.call(QUIZ, "create_round", **body.model_dump())


@hosts.get("/rounds")
async def rounds_today(rpc: RpcDep) -> list[dict]:
    """Today's rounds, newest first: code, created time, state, players and questions."""
    return await rpc.call(QUIZ, "rounds_today")


@hosts.post("/rounds/{round_id}/{action}")
async def host_round(round_id: str, action: str, body: HostAction, rpc: RpcDep, desk: AnswerDeskDep) -> dict:
    """open (with the question's index), close, reveal or finish. A close waits for every answer taken
    before it to be stored, so the histogram it shows counts them all."""
    code = normalise_code(round_id)
    if action == "close" and body.index is None:
        return await desk.close(code)
    if action in ("open", "reveal", "finish"):
        await desk.settle(code)
    return await rpc.call(QUIZ, "host_round", round_id=round_id, action=action, index=body.index)


@router.post("/rounds/{round_id}/join")
async def join_round(round_id: str, body: JoinBody, rpc: RpcDep) -> dict:
    return await rpc.call(QUIZ, "join_round", round_id=round_id, **body.model_dump())


@router.get("/rounds/{round_id}/state")
async def round_state(round_id: str, rpc: RpcDep, player: str | None = None) -> dict:
    return await rpc.call(QUIZ, "round_state", round_id=round_id, player_token=player)


@router.post("/rounds/{round_id}/answer")
async def answer(round_id: str, body: LiveAnswer, desk: AnswerDeskDep) -> dict:
    """Timed here on arrival and refused here after the countdown; "received" once the broker holds it.
    A player's first answer to a question is the one that counts."""
    return await desk.answer(normalise_code(round_id), body.player_token, body.index, body.choice)


@sockets.websocket("/ws/quiz/{round_id}")
async def round_socket(websocket: WebSocket, round_id: str, player: str | None = None) -> None:
    await websocket.app.state.rounds.serve(websocket, round_id.upper(), player)


@router.get("/contests/{contest_id}/stats")
async def contest_stats(contest_id: str, rpc: RpcDep) -> dict:
    return await rpc.call(QUIZ, "contest_stats", contest_id=contest_id)
