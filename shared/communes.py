"""The province's communes and wards: the list organisers load as CSV, searched and matched the way
people type Vietnamese (with or without tone marks, any case, with or without "xã", "phường",
"thị trấn"). No I/O: the registration service stores the list, the gateway searches a copy."""
import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from shared.errors import ValidationFailed
from shared.text import clean_text

CODE_MAX, NAME_MAX = 20, 80
ROWS_MAX = 5000
SEARCH_LIMIT = 20
FIELDS = ("code", "name", "district")
# Administrative prefixes, folded: longest first, so "thi tran" is not read as a name.
PREFIXES = ("thi tran ", "phuong ", "xa ")
# The CSV's columns by their folded header; Vietnamese headers are accepted too.
COLUMNS = {"code": "code", "ma": "code", "ma xa": "code",
           "name": "name", "ten": "name", "ten xa": "name",
           "district": "district", "former district": "district", "huyen": "district", "huyen cu": "district"}


def fold(value: Any) -> str:
    """Text as compared by search: trimmed, case-folded, đ read as d and every tone mark dropped."""
    text = clean_text(value).casefold().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def bare(value: Any) -> str:
    """The folded name without its administrative prefix: "Xã Thanh Thủy" and "thanh thuy" agree."""
    folded = fold(value)
    for prefix in PREFIXES:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            return folded[len(prefix):]
    return folded


def normalise_commune_code(value: Any) -> str:
    return clean_text(value).upper()


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    district: str

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> "Commune":
        return cls(code=doc["code"], name=doc["name"], district=doc.get("district") or "")

    def public(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class BadRow:
    """One refusal of an upload: its spreadsheet row (the header is row 1), the field and a code."""

    row: int
    field: str
    code: str


class CommuneList:
    """A loaded list, indexed for picking by code, matching free text and searching as people type."""

    def __init__(self, communes: Iterable[Commune]):
        self.communes = sorted(communes, key=lambda c: (bare(c.name), c.district, c.code))
        self._by_code = {c.code: c for c in self.communes}
        self._bare = [bare(c.name) for c in self.communes]
        self._marked = [clean_text(c.name).casefold() for c in self.communes]
        self._by_bare: dict[str, list[Commune]] = {}
        for commune, key in zip(self.communes, self._bare, strict=True):
            self._by_bare.setdefault(key, []).append(commune)

    @classmethod
    def from_docs(cls, docs: Iterable[Mapping[str, Any]]) -> "CommuneList":
        return cls(Commune.from_doc(doc) for doc in docs)

    def __bool__(self) -> bool:
        return bool(self.communes)

    def get(self, code: str) -> Commune | None:
        return self._by_code.get(normalise_commune_code(code))

    def match(self, text: Any) -> Commune | None:
        """The one commune this free text names (folded, with or without its prefix); None when no
        commune or several (the same name in two districts) have that name."""
        found = self._by_bare.get(bare(text), [])
        return found[0] if len(found) == 1 else None

    def pick(self, value: Any) -> Commune | None:
        """What a form sent: a code from the list, or a name that matches exactly one commune."""
        return self.get(value) or self.match(value)

    def search(self, query: Any, limit: int = SEARCH_LIMIT) -> list[Commune]:
        """Communes whose name starts with the query, then those with a word starting with it, then
        those containing it, each with the marks as typed first; a code typed whole comes first."""
        wanted = bare(query)
        if not wanted:
            return []
        exact = self.get(query)
        as_typed = clean_text(query).casefold()  # tone marks typed: names that have them rank first
        ranked: list[tuple[int, bool, int]] = []
        for i, name in enumerate(self._bare):
            at = name.find(wanted)
            if at >= 0:
                ranked.append((0 if at == 0 else 1 if name[at - 1] == " " else 2,
                               as_typed not in self._marked[i], i))
        found = [self.communes[i] for *_, i in sorted(ranked)]
        return ([exact] if exact else []) + [c for c in found if c is not exact][:limit - bool(exact)]


def parse_communes_csv(text: str) -> tuple[list[Commune], list[BadRow]]:
    """Every commune of an upload, or every bad row: a list is loaded whole or not at all."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        records = list(reader)
    except csv.Error:
        return [], [BadRow(reader.line_num, "file", "not_csv")]
    records = [r for r in records if any(cell.strip() for cell in r)]
    if len(records) < 2:
        return [], [BadRow(1, "file", "empty_file")]
    if len(records) > ROWS_MAX + 1:
        return [], [BadRow(ROWS_MAX + 2, "file", "too_many_rows")]
    columns = [COLUMNS.get(fold(cell), "") for cell in records[0]]
    missing = [BadRow(1, field, "missing_column") for field in ("code", "name") if field not in columns]
    if missing:
        return [], missing
    communes: list[Commune] = []
    bad: list[BadRow] = []
    seen: set[str] = set()
    for number, record in enumerate(records[1:], start=2):
        fields = {column: clean_text(cell) for column, cell in zip(columns, record, strict=False) if column}
        code, name, district = (fields.get(f, "") for f in FIELDS)
        code = normalise_commune_code(code)
        problems = [BadRow(number, field, "required") for field, value in (("code", code), ("name", name))
                    if not value]
        problems += [BadRow(number, field, "too_long") for field, value, most in (
            ("code", code, CODE_MAX), ("name", name, NAME_MAX), ("district", district, NAME_MAX)) if len(value) > most]
        if code in seen:
            problems.append(BadRow(number, "code", "duplicate_code"))
        seen.add(code)
        bad += sorted(problems, key=lambda problem: FIELDS.index(problem.field))
        if not problems:
            communes.append(Commune(code=code, name=name, district=district))
    return communes, bad


def matched_texts(texts: Iterable[str], communes: CommuneList) -> dict[str, Commune]:
    """The free texts that name exactly one commune of the list, with that commune."""
    return {text: found for text in texts if (found := communes.match(text)) is not None}


def pick_commune(typed: str, communes: CommuneList) -> dict[str, str | None]:
    """The commune a contest entry's form names (text already checked): {code, name} from the
    list once one is loaded, or ValidationFailed; the text as typed, with no code, while none is."""
    if not communes:
        return {"code": None, "name": typed}
    found = communes.pick(typed)
    if found is None:
        raise ValidationFailed({"commune": "unknown_commune"})
    return {"code": found.code, "name": found.name}
