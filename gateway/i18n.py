"""Page texts and error messages: one gettext catalog per language, Vietnamese the default.

gateway/locale/<lang>/LC_MESSAGES/messages.po, keyed (msgid "err_phone_taken"). The languages are the
folders present, and Vietnamese fills in whatever a catalog lacks, so a translator's file adds a
language with no code change. `make messages` brings every catalog up to date with the code.
"""
from pathlib import Path

from babel.messages.pofile import read_po
from starlette.requests import HTTPConnection

DEFAULT_LANGUAGE = "vi"
LANG_COOKIE = "lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
CATALOG = "LC_MESSAGES/messages.po"  # under LOCALE_DIR/<lang>/


def read_catalog(path: Path) -> dict[str, str]:
    """A catalog's translated texts; an empty or fuzzy entry is untranslated, as gettext has it."""
    with path.open("rb") as fileobj:
        return {str(message.id): str(message.string) for message in read_po(fileobj)
                if message.id and message.string and not message.fuzzy}


def read_catalogs(locale_dir: Path = LOCALE_DIR) -> dict[str, dict[str, str]]:
    """Every language present under `locale_dir`, Vietnamese first, each with its own texts only."""
    found = {path.parents[1].name: path for path in locale_dir.glob(f"*/{CATALOG}")}
    order = sorted(found, key=lambda lang: (lang != DEFAULT_LANGUAGE, lang))
    return {lang: read_catalog(found[lang]) for lang in order}


def fill_in(catalogs: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Each language's texts, Vietnamese for those it lacks: a half-done translation still serves."""
    return {lang: catalogs[DEFAULT_LANGUAGE] | own for lang, own in catalogs.items()}


CATALOGS = read_catalogs()
TEXTS = fill_in(CATALOGS)
LANGUAGES = tuple(TEXTS)
# Each language's name for itself, which its switch link shows (its code where the catalog has none).
LANGUAGE_NAMES = {lang: own.get("language_name", lang) for lang, own in CATALOGS.items()}


def texts_with_prefix(lang: str, *prefixes: str) -> dict[str, str]:
    """The strings a page's script needs, in the page's language."""
    return {key: value for key, value in TEXTS[lang].items() if key.startswith(prefixes)}


def pick_language(request: HTTPConnection) -> str:
    """?lang= wins, then the cookie the toggle set; Vietnamese otherwise."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def other_languages(lang: str) -> list[tuple[str, str]]:
    """The languages a page offers to switch to, each named in itself: a Tày speaker looks for Tày."""
    return [(other, LANGUAGE_NAMES[other]) for other in LANGUAGES if other != lang]


def text(lang: str, key: str) -> str:
    """The text in `lang` (Vietnamese for an unknown language); a key with no text is its own text."""
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE]).get(key, key)


def has_text(key: str) -> bool:
    return key in TEXTS[DEFAULT_LANGUAGE]
