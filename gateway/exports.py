"""The organisers' files: which exports exist, their columns, and each cell as a person reads it.

Rows come from the services a page at a time ({"rows": [...], "next": key or None}) and leave as CSV
as soon as each page arrives, so a province's ranking never sits whole in the gateway's memory."""
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway.i18n import LANGUAGES, text
from shared.events import Source

EVENT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one
COLUMN_TEXT, TIE_TEXT = "export_col_", "export_tie_"  # the prefixes of the texts of headers and tie-breakers
TIMES = frozenset({"submitted_at", "registered_at", "completed_at", "created_at"})
HOURS = frozenset({"hour"})
RANKING_COLUMNS = ("rank", "name", "commune", "phone", "correct", "prediction", "duration_seconds",
                   "submitted_at", "tie_broken_by")
WINNERS_DEFAULT, WINNERS_MAX = 10, 1_000

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


EXPORTS = {export.name: export for export in (
    Export("contest-ranking", "export_contest_ranking", Source.QUIZ, "ranking_page", RANKING_COLUMNS,
           ("contest",)),
    Export("contest-winners", "export_contest_winners", Source.QUIZ, "ranking_page", RANKING_COLUMNS,
           ("contest", "top"), one_page=True),
    Export("communes", "export_communes", Source.QUIZ, "communes",
           ("commune", "participants", "entries", "perfect_entries"), ("contest",)),
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


def cell(column: str, value: Any, lang: str) -> str | int | float:
    """A value as the file shows it: times on the event's clock, the tie-breaker in words, nothing for none."""
    if value is None:
        return ""
    if column in TIMES:
        return datetime.fromisoformat(value).astimezone(EVENT_ZONE).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if column in HOURS:
        return datetime.fromisoformat(value).astimezone(EVENT_ZONE).strftime("%Y-%m-%d %H:00")
    if column == "tie_broken_by":
        return text(lang, TIE_TEXT + value)
    if isinstance(value, (int, float, str)):
        return value
    return str(value)


def shape(export: Export, rows: Iterable[Mapping[str, Any]], lang: str) -> list[list[str | int | float]]:
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
        writer.writerows(shape(export, rows, lang))
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
