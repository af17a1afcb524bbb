"""Values no store can keep, sent everywhere: every field of every operation in the OpenAPI schema
gets big and negative integers, floats, booleans, strings, nested objects, nesting too deep and
bad unicode. Nothing answers 5xx, and an answer of 4xx stored nothing at all (the database is
compared document by document). Sockets answer bad frames with an error and stay open."""
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect as ws_connect

from gateway.i18n import text
from gateway.json_guard import INT64_MAX, INT64_MIN, MAX_DEPTH
from gateway.main import create_app
from shared.config import Settings
from shared.events import Source
from shared.mongo import gauges_id
from tests.conftest import ORGANISER
from tests.gateway.sockets import next_error, reactions_total, wait_for_reactions

BANK = json.loads((Path(__file__).resolve().parents[2] / "services" / "quiz" / "sample_bank.json").read_text())[:3]
ENTRY_TOKEN = "guard-entry-token-0123456789"
SCHEMA = create_app(Settings()).openapi()
# What may change without a request storing anything: the viewer gauges each gateway reports every few
# seconds, and the wrong guesses at a lost badge, counted on refusal by design to stop guessing.
UNCOMPARED = {"stats": ({"_id": {"$ne": gauges_id(Source.LIVESTREAM)}}, None), "attendees": ({}, {"proof_attempts": 0})}

# The class of values, as raw JSON text: a JSON library would refuse to write most of them.
JSON_KINDS = {
    "big integer": st.one_of(st.integers(min_value=INT64_MAX + 1), st.integers(max_value=INT64_MIN - 1)).map(str),
    "integer": st.integers(min_value=INT64_MIN, max_value=INT64_MAX).map(str),
    "float": st.floats().map(json.dumps),  # NaN and Infinity too
    "boolean": st.booleans().map(json.dumps),
    "null": st.just("null"),
    "string": st.text(max_size=200).map(json.dumps),
    "bad unicode": st.tuples(st.text(max_size=5), st.characters(categories=["Cs"])).map(
        lambda parts: json.dumps(parts[0] + parts[1])),
    "nested": st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=10).map(json.dumps),
    "too deep": st.integers(min_value=MAX_DEPTH + 1, max_value=5000).map(lambda n: "[" * n + "]" * n),
}
KIND_NAMES = list(JSON_KINDS)
PLACEHOLDER = "\x00placeholder\x00"


def operations() -> list[tuple[str, str, dict]]:
    """(method, path, operation) for every HTTP operation, removals last so they take nothing away."""
    found = [(method.upper(), path, op) for path, ops in SCHEMA["paths"].items() for method, op in ops.items()]
    return sorted(found, key=lambda found: (found[0] == "DELETE", found[1], found[0]))


def resolve(schema: dict) -> dict:
    return SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def body_of(op: dict) -> tuple[str, dict] | None:
    """The body's media type and schema, if the operation takes one."""
    content = op.get("requestBody", {}).get("content", {})
    for media_type, spec in content.items():
        return media_type, resolve(spec.get("schema", {}))
    return None


def path_value(raw_json: str) -> str:
    """A raw JSON value as it would arrive in a URL: strings unquoted, lone surrogates as their bytes."""
    try:
        value = json.loads(raw_json)
    except (ValueError, RecursionError):
        value = raw_json
    text = value if isinstance(value, str) else raw_json
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@pytest.fixture(scope="module")
def seeded(stack, mongo_client):
    """Something of everything for the operations to act on, and the database to compare."""
    now = datetime.now(UTC)
    opens, closes = (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()
    with httpx.Client(base_url=stack.base_url, timeout=30, headers=ORGANISER) as api:
        def made(method: str, url: str, body: dict | list) -> dict:
            response = api.request(method, url, json=body)
            assert response.status_code < 300, (url, response.text)
            return response.json()
        made("PUT", "/api/admin/quiz/bank", BANK)
        made("PUT", "/api/admin/quiz/contests/guard", {"title": "Bảo vệ", "opens_at": opens, "closes_at": closes})
        made("PUT", "/api/admin/booths/guard-booth", {"name": {"vi": "Gian", "en": "Booth"}})
        device = made("POST", "/api/admin/booths/guard-booth/devices", {})
        staff = made("POST", "/api/admin/staff", {"role": "mc"})
        attendee = made("POST", "/api/attendees", {"consent": True, "name": "An", "phone": "0912345678",
                                                   "commune": "Tân Thanh"})
        entry = made("POST", "/api/contests/guard/entries", {"attendee_code": attendee["code"], "token": ENTRY_TOKEN})
        round_id = made("POST", "/api/admin/quiz/rounds", {"question_count": 2})["round_id"]
        player = made("POST", f"/api/rounds/{round_id}/join", {"name": "Bình"})
        question = made("POST", "/api/live/questions", {"viewer_id": "guard-viewer", "name": "Chi",
                                                        "text": "Xin chào?"})
    good = {
        "contest_id": "guard", "booth_id": "guard-booth", "device_id": device["device_id"],
        "pass_id": staff["pass_id"], "code": attendee["code"], "entry_id": entry["entry_id"],
        "round_id": round_id, "player_token": player["player_token"], "question_id": question["id"],
        "post_id": question["id"], "attendee_code": attendee["code"], "payload": attendee["code"],
        "action": "approve", "name": "An", "phone": "0912345678", "viewer_id": "guard-viewer",
        "text": "Xin chào", "role": "mc", "index": 0, "choice": 0, "scan_id": "guard-scan",
        "pairing_code": "ABCDEFGH", "token": ENTRY_TOKEN, "rows": BANK, "title": "Bảo vệ",
        "answers": {question["id"]: 0 for question in entry["questions"]}, "opens_at": opens, "closes_at": closes,
    }
    return {"good": good, "device_token": device["device_token"], "db": mongo_client[stack.env["MONGO_DB"]]}


def stored(db) -> dict[str, list[dict]]:
    """Every document the services keep, but those the clock moves."""
    return {name: list(db[name].find(*UNCOMPARED.get(name, ({}, None))).sort("_id", 1))
            for name in sorted(db.list_collection_names()) if name != "viewer_gauges"}


def good_value(name: str, schema: dict, good: dict) -> object:
    """A value the operation would take for this field: a seeded one, the schema's default, or one of its type."""
    if name in good:
        return good[name]
    if schema.get("default") is not None:
        return schema["default"]
    kind = schema.get("type") or next((option.get("type") for option in schema.get("anyOf", [])), None)
    return {"string": "x", "integer": 1, "number": 1, "boolean": True, "object": {"vi": "x"}, "array": []}.get(kind, 1)


def good_body(schema: dict, good: dict) -> object:
    name = schema.get("title", "").lower()
    if "properties" not in schema:
        return good_value(name, schema, good)
    return {field: good_value(field, prop, good) for field, prop in schema["properties"].items()}


def paths_in(value: object, depth: int = 3) -> list[tuple[str, ...]]:
    """Every place in a body to put a bad value: each field, each key of an object, the first of a list."""
    if depth == 0:
        return []
    items = list(value.items()) if isinstance(value, dict) else [("0", value[0])] if value and isinstance(
        value, list) else []
    return [path for key, item in items for path in [(key,), *((key, *rest) for rest in paths_in(item, depth - 1))]]


def placed(body: object, path: tuple[str, ...], raw: str) -> str:
    """The body as JSON text with the raw value at `path`."""
    def put(value: object, rest: tuple[str, ...]) -> object:
        if not rest:
            return PLACEHOLDER
        if isinstance(value, list):
            return [put(value[0], rest[1:]), *value[1:]]
        return {**value, rest[0]: put(value[rest[0]], rest[1:])}
    return json.dumps(put(body, path)).replace(json.dumps(PLACEHOLDER), raw)


@pytest.mark.parametrize("method, path, op", operations(), ids=[f"{m} {p}" for m, p, _ in operations()])
def test_no_value_of_the_class_gets_a_5xx_and_a_4xx_stores_nothing(stack, seeded, method, path, op):
    good, db = seeded["good"], seeded["db"]
    token = seeded["device_token"] if path in ("/api/checkins", "/api/devices/me") else ORGANISER["Authorization"][7:]
    params = {p["name"]: p for p in op.get("parameters", []) if p["in"] in ("path", "query")}
    body = body_of(op)
    base = good_body(body[1], good) if body else None
    fields: list[tuple[str, tuple[str, ...]]] = [("param", (name,)) for name in params]
    if body is not None:
        deepest_first = sorted(paths_in(base) if body[0] == "application/json" else [], key=len, reverse=True)
        fields += [("body", path) for path in deepest_first] + [("body", ())]
    before = {"state": stored(db)}

    def send(where: str, field: tuple[str, ...], raw: str) -> httpx.Response:
        values = {name: good_value(name, p.get("schema", {}), good) for name, p in params.items()
                  if p["in"] == "path" or p.get("required")}
        url_values = {name: quote(str(value), safe="") for name, value in values.items()}
        if where == "param":
            url_values[field[0]] = path_value(raw)
        url = re.sub(r"\{(\w+)\}", lambda m: url_values.pop(m.group(1)), path)
        query = "&".join(f"{name}={value}" for name, value in url_values.items())
        headers = {"Authorization": f"Bearer {token}"}
        content = None
        if body is not None:
            headers["content-type"] = body[0]
            if where == "body" and not field:
                content = raw
            elif body[0] == "application/json":
                content = placed(base, field, raw) if where == "body" else json.dumps(base)
            else:
                content = str(base)
        encoded = content.encode("utf-8", "surrogatepass") if content is not None else None
        return client.request(method, f"{url}{'?' + query if query else ''}", content=encoded, headers=headers)

    @settings(max_examples=2, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def every_field_every_kind(data):
        for where, field in fields:
            for kind in KIND_NAMES:
                raw = data.draw(JSON_KINDS[kind], label=f"{where} {'.'.join(field) or '(whole)'} {kind}")
                response = send(where, field, raw)
                assert response.status_code < 500, (where, field, raw[:200], response.text[:500])
                if response.status_code < 400:
                    before["state"] = stored(db)  # a value that is fine may be stored
                else:
                    assert stored(db) == before["state"], (where, field, raw[:200], response.status_code)

    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        every_field_every_kind()


BAD_FRAMES = [
    (b"\x00\x01binary", "body", "binary"),
    ("[" * 1000 + "]" * 1000, "body", "too_deep"),  # past the parser's own recursion limit
    ('{"a": ' + "[" * 100 + "]" * 100 + "}", "a" + ".0" * MAX_DEPTH, "too_deep"),
    ('{"type": "react", "counts": {"like": 9223372036854775808}}', "counts.like", "too_big"),
    ('{"type": "react", "name": "\\ud800"}', "name", "bad_text"),
    ('{"type": "react", "counts": {"like": NaN}}', "counts.like", "invalid_number"),
    ("{", "body", "not_json"),
    ("[1]", "body", "not_message"),
    (" " * 3000, "body", "too_long"),
]


@pytest.mark.parametrize("path", ["/ws/stats", "/ws/live", "/ws/quiz/{round_id}"])
def test_every_bad_frame_gets_an_error_naming_it_and_the_socket_stays_open(stack, seeded, path):
    url = stack.base_url.replace("http", "ws") + path.format(**seeded["good"]) + "?lang=en"
    with ws_connect(url, open_timeout=10, max_size=None) as socket:
        socket.recv(timeout=15)  # the opening snapshot, feed or round state
        for frame, field, code in BAD_FRAMES:
            socket.send(frame)
            assert next_error(socket) == {"type": "error", "error": code, "field": field,
                                          "message": text("en", f"err_{code}")}


def test_taps_after_bad_frames_still_count_exactly_once(stack, seeded):
    """The viewer's socket is still theirs after every kind of bad frame: one good tap counts one."""
    before = reactions_total(stack.base_url)
    with ws_connect(stack.base_url.replace("http", "ws") + "/ws/live", open_timeout=10) as socket:
        socket.recv(timeout=15)
        for frame, _, _ in BAD_FRAMES:
            socket.send(frame)
            next_error(socket)
        socket.send(json.dumps({"type": "react", "counts": {"like": 1}}))
        total = wait_for_reactions(stack.base_url, before + 1)
    assert total == before + 1


@pytest.mark.parametrize("path", ["/register", "/static/scan.js", "/static/app.css"])
def test_pages_and_scripts_come_back_gzipped_when_asked(stack, path):
    asked = httpx.get(f"{stack.base_url}{path}", headers={"Accept-Encoding": "gzip"})
    plain = httpx.get(f"{stack.base_url}{path}", headers={"Accept-Encoding": "identity"})
    assert asked.status_code == plain.status_code == 200
    assert asked.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    # httpx decoded it: fewer than half the bytes on the wire (a page carries a fresh request id each time).
    assert asked.num_bytes_downloaded < len(asked.content) / 2 and len(asked.content) == len(plain.content)


def test_a_small_json_and_a_png_are_sent_as_they_are(stack, seeded):
    for path in ("/api/scanner-key", f"/api/attendees/{seeded['good']['code']}/qr.png"):
        response = httpx.get(f"{stack.base_url}{path}", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and "content-encoding" not in response.headers
