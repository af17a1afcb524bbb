"""Translations as gettext catalogs: every language has every text the code uses, with the same
placeholders, every refusal code has words, and a translator's file adds a language."""
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from gateway import i18n
from gateway.i18n import CATALOG, CATALOGS, DEFAULT_LANGUAGE, LANGUAGES, LOCALE_DIR, fill_in, read_catalogs
from gateway.i18n_keys import scan_python, used_keys
from services.registration.logic import ProofVerdict

PLACEHOLDER = re.compile(r"\{(\w*)\}")


def template_keys() -> set[str]:
    with (LOCALE_DIR / "messages.pot").open("rb") as fileobj:
        return {str(message.id) for message in read_po(fileobj) if message.id}


def test_the_template_holds_exactly_the_keys_the_code_uses():
    assert used_keys() == template_keys(), "the code's texts changed: run `make messages`"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_message_of_the_template(lang: str):
    assert template_keys() - set(CATALOGS[lang]) == set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_the_code_names_has_a_text(lang: str):
    assert used_keys(found_only=True) - set(CATALOGS[lang]) == set()


def test_the_refusal_codes_are_found_where_services_raise_them():
    found = used_keys(found_only=True)
    # In ValidationFailed({...}), errors[...] = ..., a *_refusal rule's constant, Forbidden(...), the gateway.
    assert {"err_invalid_batch_id", "err_unknown_role", "err_own_question", "err_device_revoked",
            "err_too_late", "err_pass_expired", "err_not_message"} <= found


# Codes built at run time, which no extractor can find: a proof's verdict and a live round's moves.
RUNTIME_CODES = [verdict.value for verdict in ProofVerdict if verdict is not ProofVerdict.MATCH] + [
    f"cannot_{action}" for action in ("open", "close", "reveal", "finish")]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", RUNTIME_CODES)
def test_codes_built_at_run_time_have_a_text(lang: str, code: str):
    assert CATALOGS[lang][f"err_{code}"]


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE])
def test_placeholders_match_the_vietnamese(lang: str):
    differ = {key: text for key, text in CATALOGS[lang].items()
              if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(CATALOGS[DEFAULT_LANGUAGE][key]))}
    assert differ == {}


def test_the_extractor_finds_codes_in_each_form_it_knows():
    source = b'''
OWN = "own_question"
def upvote_refusal(a, b):
    return OWN if a == b else None
def check(raw):
    errors = {}
    errors["x"] = "invalid_number"
    title, errors["title"] = "", "not_text"
    if raw:
        raise ValidationFailed({"batch_id": "invalid_batch_id", "bank": "a sentence, not a code"})
    raise Refused("too_late")
def page(lang):
    return text(lang, "fix_errors"), ApiError(401, "pass_expired"), Refused(f"cannot_{lang}")
'''
    assert sorted(key for _, key in scan_python(source).found) == [
        "err_invalid_batch_id", "err_invalid_number", "err_not_text", "err_own_question", "err_pass_expired",
        "err_too_late", "fix_errors"]


def write_catalog(locale_dir: Path, lang: str, texts: dict[str, str]) -> None:
    """What a translator hands in: a .po file in the language's folder."""
    catalog = Catalog(locale=lang)
    for key, value in texts.items():
        catalog.add(key, value)
    path = locale_dir / lang / CATALOG
    path.parent.mkdir(parents=True)
    with path.open("wb") as fileobj:
        write_po(fileobj, catalog)


def test_a_translators_file_adds_a_language_with_no_code_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for lang in LANGUAGES:
        shutil.copytree(LOCALE_DIR / lang, tmp_path / lang)
    write_catalog(tmp_path, "tyz", {"language_name": "Tày", "live_send": "Slống", "err_not_found": ""})
    catalogs = read_catalogs(tmp_path)
    texts = fill_in(catalogs)
    assert tuple(catalogs) == ("vi", "en", "tyz")
    assert texts["tyz"]["live_send"] == "Slống"
    assert texts["tyz"]["err_not_found"] == CATALOGS["vi"]["err_not_found"]  # untranslated: Vietnamese
    assert texts["tyz"].keys() == texts["vi"].keys()

    monkeypatch.setattr(i18n, "TEXTS", texts)
    monkeypatch.setattr(i18n, "LANGUAGES", tuple(texts))
    monkeypatch.setattr(i18n, "LANGUAGE_NAMES", i18n.LANGUAGE_NAMES | {"tyz": "Tày"})
    assert i18n.text("tyz", "live_send") == "Slống"
    assert i18n.other_languages("vi") == [("en", "English"), ("tyz", "Tày")]
    assert i18n.other_languages("tyz") == [("vi", "Tiếng Việt"), ("en", "English")]


def test_an_unknown_language_reads_vietnamese_and_an_unknown_key_reads_as_itself():
    assert i18n.text("xx", "site_title") == CATALOGS["vi"]["site_title"]
    assert i18n.text("en", "no_such_key") == "no_such_key"
    assert i18n.has_text("err_invalid_batch_id") and not i18n.has_text("err_no_such_code")
