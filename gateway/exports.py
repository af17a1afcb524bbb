"""The organisers' files: which exports exist, their columns, and each cell as a person reads it.

Rows come from the services a page at a time ({"rows": [...], "next": key or None}) and leave as CSV
as soon as each page arrives, or go into an Excel workbook written to disk row by row, so a province's
ranking never sits whole in the gateway's memory."""
import csv
import io
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from starlette.concurrency import run_in_threadpool

from gateway.i18n import LANGUAGES, text
from shared.events import Source

EVENT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one
# The prefixes of the texts of headers, tie-breakers and query parameters
COLUMN_TEXT, TIE_TEXT, PARAM_TEXT = "export_col_", "export_tie_", "export_param_"


@dataclass(frozen=True)
class Clock:
    """How a time column reads: as CSV text, and as the number format of Excel's own date-time."""
    strftime: str
    excel: str
    digits: int  # of the text's end kept (the milliseconds of a microsecond clock)

    def text(self, at: datetime) -> str:
        return at.strftime(self.strftime)[:self.digits]


MILLISECONDS = Clock("%Y-%m-%d %H:%M:%S.%f", "yyyy-mm-dd hh:mm:ss.000", -3)
HOUR = Clock("%Y-%m-%d %H:00", "yyyy-mm-dd hh:mm", 16)
CLOCKS = {"submitted_at": MILLISECONDS, "registered_at": MILLISECONDS, "completed_at": MILLISECONDS,
          "created_at": MILLISECONDS, "hour": HOUR}
WIDTH_MIN, WIDTH_MAX = 8, 50  # characters; a column's width fits its header and the first page's cells
RANKING_COLUMNS = ("rank", "name", "commune", "phone", "correct", "prediction", "duration_seconds",
                   "submitted_at", "tie_broken_by")
WINNERS_DEFAULT, WINNERS_MAX = 10, 1_000
PERSONAL_COLUMNS = {"name", "phone"}

Page = Mapping[str, Any]  # {"rows": [...], "next": the key to continue from, or None at the end}
Fetch = Callable[[Any], Awaitable[Page]]  # one page, from the key `next` of the one before (None first)


@dataclass(frozen=True)
class Export:
    name: str
    title: str  # the text key of its title
    source: Source
    method: str
    columns: tuple[str, ...]
    params: tuple[str, ...] = ()  # query parameters it takes
    one_page: bool = False  # the first page is the whole file (the top N)

    def titles(self) -> dict[str, str]:
        return {lang: text(lang, self.title) for lang in LANGUAGES}

    @property
    def personal(self) -> bool:
        """Whether it names people (or gives their phones): each download of it is then audited."""
        return not PERSONAL_COLUMNS.isdisjoint(self.columns)

    def labelled_params(self) -> list[dict[str, Any]]:
        """Its query parameters with their labels in each language, for the console's fields."""
        return [{"name": param, "label": {lang: text(lang, PARAM_TEXT + param) for lang in LANGUAGES}}
                for param in self.params]


EXPORTS = {export.name: export for export in (
    Export("contest-ranking", "export_contest_ranking", Source.QUIZ, "ranking_page", RANKING_COLUMNS,
           ("contest",)),
    Export("contest-winners", "export_contest_winners", Source.QUIZ, "ranking_page", RANKING_COLUMNS,
           ("contest", "top"), one_page=True),
    Export("communes", "export_communes", Source.QUIZ, "communes",
           ("commune_code", "commune", "participants", "entries", "perfect_entries"), ("contest",)),
    Export("attendees", "export_attendees", Source.REGISTRATION, "attendees_page",
           ("code", "name", "commune", "group", "phone", "registered_at")),
    Export("checkins", "export_checkins", Source.CHECKIN, "visits_by_hour", ("booth_id", "booth", "hour", "checkins")),
    Export("passports", "export_passports", Source.CHECKIN, "passports_page",
           ("code", "name", "commune", "phone", "completed_at")),
    Export("rounds", "export_rounds", Source.QUIZ, "round_results",
           ("round_id", "created_at", "rank", "name", "score")),
)}


def headers(export: Export, lang: str) -> list[str]:
    return [text(lang, COLUMN_TEXT + column) for column in export.columns]


Cell = str | int | float | datetime


def cell(column: str, value: Any, lang: str) -> Cell:
    """A value as the file holds it: times on the event's clock (naive, as Excel's are), the tie-breaker in
    words, nothing for none."""
    if value is None:
        return ""
    if column in CLOCKS:
        return datetime.fromisoformat(value).astimezone(EVENT_ZONE).replace(tzinfo=None)
    if column == "tie_broken_by":
        return text(lang, TIE_TEXT + value)
    if isinstance(value, (int, float, str)):
        return value
    return str(value)


def as_text(column: str, value: Cell) -> str | int | float:
    """A cell as CSV writes it: times in the column's clock's text."""
    return CLOCKS[column].text(value) if isinstance(value, datetime) else value


def shape(export: Export, rows: Iterable[Mapping[str, Any]], lang: str) -> list[list[Cell]]:
    """Rows as cells in the export's columns; fields it does not list stay out."""
    return [[cell(column, row.get(column), lang) for column in export.columns] for row in rows]


async def pages(first: Page, fetch: Fetch, one_page: bool) -> AsyncIterator[list[Mapping[str, Any]]]:
    """The rows of each page in turn, asking for the next only once the one before is written."""
    page = first
    while True:
        yield page["rows"]
        if one_page or page["next"] is None:
            return
        page = await fetch(page["next"])


async def csv_chunks(export: Export, lang: str, first: Page, fetch: Fetch) -> AsyncIterator[bytes]:
    """The file as UTF-8 with a BOM, one chunk per page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(headers(export, lang))
    async for rows in pages(first, fetch, export.one_page):
        writer.writerows([as_text(column, value) for column, value in zip(export.columns, row, strict=True)]
                         for row in shape(export, rows, lang))
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()


def _widths(export: Export, titles: list[str], rows: list[list[Cell]]) -> list[int]:
    """Each column wide enough for its header and the first page's cells, within bounds."""
    return [min(WIDTH_MAX, max(WIDTH_MIN, len(title), *(len(str(as_text(column, row[i]))) for row in rows)) + 2)
            for i, (column, title) in enumerate(zip(export.columns, titles, strict=True))]


def _start_sheet(sheet: WriteOnlyWorksheet, export: Export, lang: str, first: list[list[Cell]]) -> None:
    """Widths and the frozen bold header: a write-only sheet takes them only before its first row."""
    titles = headers(export, lang)
    for i, width in enumerate(_widths(export, titles, first), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in titles:
        header.append(WriteOnlyCell(sheet, title))
        header[-1].font = bold
    sheet.append(header)


def _append(sheet: WriteOnlyWorksheet, export: Export, rows: list[list[Cell]]) -> None:
    """Rows as Excel's own values: times as date-times in their column's number format."""
    for row in rows:
        cells: list[Cell | WriteOnlyCell] = []
        for column, value in zip(export.columns, row, strict=True):
            if isinstance(value, datetime):
                time = WriteOnlyCell(sheet, value)
                time.number_format = CLOCKS[column].excel
                cells.append(time)
            else:
                cells.append(value)
        sheet.append(cells)


async def xlsx_file(export: Export, lang: str, first: Page, fetch: Fetch) -> IO[bytes]:
    """The workbook in an unnamed temporary file, read from its start: nothing on disk outlives its closing.

    openpyxl's write-only sheet writes each page's rows to its own temporary file as they arrive and zips
    them on saving, in the thread pool so the gateway keeps serving meanwhile."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(text(lang, export.title))
    out = tempfile.TemporaryFile()
    started = False
    try:
        try:
            async for rows in pages(first, fetch, export.one_page):
                shaped = shape(export, rows, lang)
                if not started:
                    await run_in_threadpool(_start_sheet, sheet, export, lang, shaped)
                    started = True
                await run_in_threadpool(_append, sheet, export, shaped)
        finally:  # saving after a failed page too removes openpyxl's temporary file of the sheet
            await run_in_threadpool(workbook.save, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out
