"""Go's encoding/json (and the unicode folding it matches keys with) as registry_core.gojson
reproduces it.

Every expected value was printed by Go itself (go1.19: ``unicode.SimpleFold``,
``bytes.EqualFold``, ``json.NewDecoder(...).Decode`` and ``json.Unmarshal``), not derived from
our code. What the callers build on top (daemon.json options, token responses, token
servers' error bodies) is tested through registry_core.config and registry_core.authorizer.
"""

from __future__ import annotations

import pytest

from registry_core.errors import InvalidArgumentError
from registry_core.gocompat import to_bytes
from registry_core.gojson import (
    JSONNumber,
    JSONObject,
    equal_fold,
    json_decode,
    json_field,
    json_fold_func,
    json_kind,
    json_unmarshal,
    simple_fold,
)

# ---- unicode and key folding -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rune", "folded"),
    [
        # go1.19 unicode.SimpleFold; our implementation was also checked against Go's answer
        # for every rune from 0 to U+10FFFF.
        ("A", "a"), ("a", "A"), ("K", "k"), ("k", "\u212a"), ("\u212a", "K"),
        ("S", "s"), ("s", "\u017f"), ("\u017f", "S"), ("1", "1"), ("\u00b5", "\u039c"),
        ("\u0130", "\u0130"), ("\u0131", "\u0131"), ("\u00df", "\u1e9e"),
        ("\u1f80", "\u1f88"),  # the simple upper case, not Python's full "ἈΙ"
        ("\u01c4", "\u01c5"), ("\u2c2f", "\u2c2f"),  # Unicode 14: not in go1.19
        ("\U00010400", "\U00010428"),
        ("\u0462", "\u0463"), ("\u0463", "\u1c87"), ("\u1c87", "\u0462"),  # an orbit of 3
    ],
)
def test_simple_fold(rune, folded):
    assert simple_fold(ord(rune)) == ord(folded)


@pytest.mark.parametrize(
    ("s", "t", "equal"),
    [
        # go1.19 bytes.EqualFold
        ("Go", "GO", True), ("k", "\u212a", True), ("\u017f", "S", True),
        ("stra\u00dfe", "STRASSE", False), ("\u00b5", "\u03bc", True), ("\u0131", "I", False),
        ("\u0130", "i", False), ("a", "ab", False), ("\u00e9", "\u00c9", True),
    ],
)
def test_equal_fold(s, t, equal):
    assert equal_fold(to_bytes(s), to_bytes(t)) is equal


@pytest.mark.parametrize(
    ("name", "key", "match"),
    [
        # encoding/json's foldFunc: ASCII names with s or k also take ſ and the Kelvin sign.
        ("insecure-registries", "INSECURE-REGISTRIES", True),
        ("insecure-registries", "in\u017fecure-registries", True),
        ("identitytoken", "identitytо\u212aen", False),  # a Cyrillic о
        ("identitytoken", "identityto\u212aen", True),
        ("insecure-registries", "\u0131nsecure-registries", False),
        ("insecure-registries", "insecure_registries", False),
        ("Name", "NAME", True),  # letters only
        ("Name", "N\u0430me", False),
        ("id", "ID", True),
        ("a_b", "A_B", True),  # non-letters
        ("a_b", "A-B", False),
        ("\u00e9t\u00e9", "\u00c9T\u00c9", True),  # a non-ASCII name: bytes.EqualFold
    ],
)
def test_json_fold_func(name, key, match):
    fold = json_fold_func(to_bytes(name))
    assert fold(to_bytes(name), to_bytes(key)) is match


def test_json_field_prefers_the_exact_name():
    names = ["a", "A"]
    assert json_field("A", names) == "A"
    assert json_field("a", names) == "a"
    assert json_field("\u0041", ["a"]) == "a"
    assert json_field("b", names) is None


# ---- encoding/json: decoding ----------------------------------------------------------------


def test_json_decode_keeps_every_member():
    value = json_decode(b'{"a": 1, "b": [true, null, "x"], "a": {"c": -1.5e2}}')
    assert isinstance(value, JSONObject)
    assert value == {"a": {"c": -150.0}, "b": [True, None, "x"]}
    assert value.pairs == [("a", 1), ("b", [True, None, "x"]), ("a", {"c": -150.0})]


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"null", None),
        (b" 12 ", 12),
        (b"123abc", 123),  # the stream decoder stops after the first value
        (b"{}{", {}),
        (b'"\\ud83d\\ude00"', "\U0001f600"),  # a surrogate pair
        (b'"\\udc00\\ud800"', "\ufffd\ufffd"),
        (b'"\xed\xa0\x80"', "\ufffd\ufffd\ufffd"),  # an encoded surrogate: one per byte
        (b"[" * 10000 + b"]" * 10000, None),  # as deep as Go goes
        (b'"a\xe2\x82b"', "a\ufffd\ufffdb"),  # a sequence cut short: one per byte
    ],
)
def test_json_decode_values(data, value):
    decoded = json_decode(data)
    if data.startswith(b"[["):
        depth = 0
        while isinstance(decoded, list) and decoded:
            decoded, depth = decoded[0], depth + 1
        assert depth == 9999
        return
    assert decoded == value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "EOF"),
        (b"[1", "unexpected EOF"),
        (b"}", "invalid character '}' looking for beginning of value"),
        (b'"a', "unexpected EOF"),
        (b'{"a":tru }', "invalid character ' ' in literal true (expecting 'e')"),
        (b'"\\"', "unexpected EOF"),
        (b'["\\\\', "unexpected EOF"),
        (b"1.", "unexpected EOF"),
        (b"nul", "unexpected EOF"),
        (b"[" * 10001, "invalid character '[' exceeded max depth"),
        # A number a float64 cannot hold, decoded into interface{}; syntax errors come first.
        (b'{"a": [1e400]}', "json: cannot unmarshal number 1e400 into Go value of type float64"),
        (b"-" + b"9" * 400, f"json: cannot unmarshal number -{'9' * 400} into Go value of "
         "type float64"),
        (b"[1e400, }", "invalid character '}' looking for beginning of value"),
    ],
)
def test_json_decode_refuses_with_go_text(data, message):
    with pytest.raises(InvalidArgumentError) as info:
        json_decode(data)
    assert str(info.value) == message


def test_json_decode_use_number_keeps_the_literals():
    value = json_decode(b"[1e3, -0, 1.50, 1e400]", use_number=True)
    assert value == ["1e3", "-0", "1.50", "1e400"]
    assert all(isinstance(item, JSONNumber) for item in value)


def test_json_object_spans_are_the_values_as_sent():
    data = b'{"a" : [1, 2] , "b":"x\\u0041", "c": {"d" : null}, "a": 5}'
    value = json_decode(data)
    assert [data[start:end] for start, end in value.spans] == [
        b"[1, 2]", b'"x\\u0041"', b'{"d" : null}', b"5",
    ]
    assert value.pairs[1] == ("b", "xA")
    assert value["c"].spans == [(data.index(b"null"), data.index(b"null") + 4)]


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"{} ", {}),
        (b" [1, {}]\n", [1, {}]),
        (b"null", None),
    ],
)
def test_json_unmarshal_values(data, value):
    assert json_unmarshal(data) == value


# go1.19 json.Unmarshal, and json.NewDecoder(...).Decode, into an interface{}: Unmarshal
# reads all of its input, Decode only the first value.
_UNMARSHAL_ERRORS = {
    b"": ("unexpected end of JSON input", "EOF"),
    b" [1": ("unexpected end of JSON input", "unexpected EOF"),
    b" {} x": ("invalid character 'x' after top-level value", None),
    b"1 2": ("invalid character '2' after top-level value", None),
    b"[1]]": ("invalid character ']' after top-level value", None),
    b"1.": ("invalid character ' ' after decimal point in numeric literal", "unexpected EOF"),
    b"nul": ("invalid character ' ' in literal null (expecting 'l')", "unexpected EOF"),
    b"[" * 10001: ("invalid character '[' exceeded max depth",) * 2,
}


@pytest.mark.parametrize("data", list(_UNMARSHAL_ERRORS))
def test_json_unmarshal_refuses_with_go_text(data):
    unmarshal_error, decode_error = _UNMARSHAL_ERRORS[data]
    with pytest.raises(InvalidArgumentError) as info:
        json_unmarshal(data)
    assert str(info.value) == unmarshal_error
    try:
        json_decode(data)
    except InvalidArgumentError as exc:
        assert str(exc) == decode_error
    else:
        assert decode_error is None


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"), (True, "bool"), (0, "number"), (1.5, "number"),
        (JSONNumber("1e3"), "number"), ("1", "string"), (JSONObject(), "object"),
        ({}, "object"), ([], "array"),
    ],
)
def test_json_kind(value, kind):
    assert json_kind(value) == kind
