"""The JSON guard: whatever BSON can store passes unchanged; anything else is refused, naming its field."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.hub import INCOMING_MAX_BYTES, read_message
from gateway.json_guard import INT64_MAX, INT64_MIN, MAX_DEPTH, Unstorable, parse

STORABLE = st.recursive(
    st.none() | st.booleans() | st.integers(INT64_MIN, INT64_MAX) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text().filter(lambda k: "\x00" not in k),
                                                                inner, max_size=4),
    max_leaves=12)
# Raw JSON text, because a JSON library would refuse to write most of these.
UNSTORABLE = st.one_of(
    st.integers(min_value=INT64_MAX + 1).map(str),
    st.integers(max_value=INT64_MIN - 1).map(str),
    st.integers(min_value=20, max_value=5000).map(lambda digits: "9" * digits),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]),
    st.characters(categories=["Cs"]).map(lambda c: json.dumps(f"a{c}b")),
)
CODES = {"too_big", "invalid_number", "bad_text"}


@given(STORABLE)
def test_what_can_be_stored_passes_unchanged(value):
    assert parse(json.dumps(value)) == value


@given(st.sampled_from(["name", "answers", "rows"]), UNSTORABLE, st.integers(0, 3))
def test_what_cannot_be_stored_is_refused_naming_its_field(field, raw, position):
    """Wherever the bad value sits in a body (a field, a list, a nested object), its path is named."""
    inner, path = raw, field
    if position == 1:
        inner, path = f"[1, {raw}]", f"{field}.1"
    elif position == 2:
        inner, path = f'{{"q1": {raw}}}', f"{field}.q1"
    elif position == 3:
        inner, path = f'[{{"options": ["a", {raw}]}}]', f"{field}.0.options.1"
    with pytest.raises(Unstorable) as refused:
        parse(f'{{"ok": 1, "{field}": {inner}}}')
    assert refused.value.code in CODES and refused.value.field == path


@given(st.integers(min_value=1, max_value=900))
def test_nesting_is_refused_past_the_bound_where_it_passes_it(levels):
    raw = '{"a": ' + "[" * levels + "]" * levels + "}"
    if levels <= MAX_DEPTH:
        assert parse(raw) == json.loads(raw)
        return
    with pytest.raises(Unstorable) as refused:
        parse(raw)
    assert (refused.value.field, refused.value.code) == ("a" + ".0" * MAX_DEPTH, "too_deep")


@pytest.mark.parametrize("raw, field, code", [
    ('{"answer": 9223372036854775808}', "answer", "too_big"),
    ('{"answer": 9223372036854775807}', None, None),
    ('{"answer": -9223372036854775809}', "answer", "too_big"),
    ('{"answer": -9223372036854775808}', None, None),
    ('{"title": "\\ud800"}', "title", "bad_text"),
    ('{"title": "\\ud83d\\ude00"}', None, None),  # a proper pair is an emoji
    ('{"name": {"vi": "x", "\\udfff": "y"}}', "name.?", "bad_text"),
    ('{"a\\u0000b": 1}', "a?b", "bad_text"),
    ('{"a": NaN}', "a", "invalid_number"),
    ("[" * 100_000 + "]" * 100_000, "body", "too_deep"),
    ("{", "body", "not_json"),
    (b'{"name": "\xff"}', "body", "not_json"),
])
def test_edges(raw, field, code):
    if code is None:
        parse(raw)
        return
    with pytest.raises(Unstorable) as refused:
        parse(raw)
    assert (refused.value.field, refused.value.code) == (field, code)


@pytest.mark.parametrize("frame, code", [
    (None, "binary"),
    ("[1, 2]", "not_message"),
    ('"react"', "not_message"),
    ("not json", "not_json"),
    ("[" * 1000 + "]" * 1000, "too_deep"),
    ('{"counts": {"like": 1e999}}', "invalid_number"),
    (" " * (INCOMING_MAX_BYTES + 1), "too_long"),
])
def test_a_socket_message_must_be_a_small_storable_object(frame, code):
    with pytest.raises(Unstorable) as refused:
        read_message(frame)
    assert refused.value.code == code
    assert read_message('{"type": "react", "counts": {"like": 2}}') == {"type": "react", "counts": {"like": 2}}
