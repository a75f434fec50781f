"""What Go's ``encoding/json`` does, where Python's :mod:`json` differs.

The reference reads daemon.json with ``json.NewDecoder(file).Decode``, and distribution
decodes token responses the same way and token servers' error bodies with
``json.Unmarshal``. Where :mod:`json` and Go part ways, this module does as Go 1.19 does:

* a stream decoder reads only the first value (``{} junk`` is ``{}``); ``json.Unmarshal``
  refuses anything after it;
* syntax errors are worded by Go's scanner (``invalid character 'x' looking for beginning of
  value``, ``unexpected EOF``, ``unexpected end of JSON input``), and it reads up to 10000
  levels of nesting, where :mod:`json` recurses and gives up near 1000;
* ``NaN`` and ``Infinity`` are not JSON; an invalid UTF-8 byte, or an escaped surrogate that
  is not half of a pair, is U+FFFD in a string, where :mod:`json` keeps lone surrogates;
* an object key matches a struct field by Go's own case folding (U+017F long s is an ``s``,
  U+212A Kelvin sign a ``k``), and each member is visited in turn, duplicates included;
* a value of the wrong type is named by its JSON kind (:func:`json_kind`) in Go's
  ``json: cannot unmarshal ...`` message.

Decoding functions raise :class:`~registry_core.errors.InvalidArgumentError` with Go's text;
:mod:`registry_core.config` and :mod:`registry_core.authorizer` wrap it in their own errors.
Only what those callers use is here; it is not a general port of ``encoding/json``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidArgumentError
from .gocompat import go_quote, to_bytes

__all__ = [
    "JSONNumber",
    "JSONObject",
    "equal_fold",
    "json_decode",
    "json_field",
    "json_fold_func",
    "json_kind",
    "json_unmarshal",
    "simple_fold",
]


# ---- unicode and bytes: SimpleFold, EqualFold; encoding/json: foldFunc, field matching -----

#: Go's ``unicode.caseOrbit`` (go1.19, Unicode 13.0): the fold orbits of more than two runes.
_CASE_ORBIT = {
    0x4B: 0x6B, 0x53: 0x73, 0x6B: 0x212A, 0x73: 0x17F, 0xB5: 0x39C, 0xC5: 0xE5, 0xDF: 0x1E9E,
    0xE5: 0x212B, 0x130: 0x130, 0x131: 0x131, 0x17F: 0x53, 0x1C4: 0x1C5, 0x1C5: 0x1C6,
    0x1C6: 0x1C4, 0x1C7: 0x1C8, 0x1C8: 0x1C9, 0x1C9: 0x1C7, 0x1CA: 0x1CB, 0x1CB: 0x1CC,
    0x1CC: 0x1CA, 0x1F1: 0x1F2, 0x1F2: 0x1F3, 0x1F3: 0x1F1, 0x345: 0x399, 0x392: 0x3B2,
    0x395: 0x3B5, 0x398: 0x3B8, 0x399: 0x3B9, 0x39A: 0x3BA, 0x39C: 0x3BC, 0x3A0: 0x3C0,
    0x3A1: 0x3C1, 0x3A3: 0x3C2, 0x3A6: 0x3C6, 0x3A9: 0x3C9, 0x3B2: 0x3D0, 0x3B5: 0x3F5,
    0x3B8: 0x3D1, 0x3B9: 0x1FBE, 0x3BA: 0x3F0, 0x3BC: 0xB5, 0x3C0: 0x3D6, 0x3C1: 0x3F1,
    0x3C2: 0x3C3, 0x3C3: 0x3A3, 0x3C6: 0x3D5, 0x3C9: 0x2126, 0x3D0: 0x392, 0x3D1: 0x3F4,
    0x3D5: 0x3A6, 0x3D6: 0x3A0, 0x3F0: 0x39A, 0x3F1: 0x3A1, 0x3F4: 0x398, 0x3F5: 0x395,
    0x412: 0x432, 0x414: 0x434, 0x41E: 0x43E, 0x421: 0x441, 0x422: 0x442, 0x42A: 0x44A,
    0x432: 0x1C80, 0x434: 0x1C81, 0x43E: 0x1C82, 0x441: 0x1C83, 0x442: 0x1C84, 0x44A: 0x1C86,
    0x462: 0x463, 0x463: 0x1C87, 0x1C80: 0x412, 0x1C81: 0x414, 0x1C82: 0x41E, 0x1C83: 0x421,
    0x1C84: 0x1C85, 0x1C85: 0x422, 0x1C86: 0x42A, 0x1C87: 0x462, 0x1C88: 0xA64A, 0x1E60: 0x1E61,
    0x1E61: 0x1E9B, 0x1E9B: 0x1E60, 0x1E9E: 0xDF, 0x1FBE: 0x345, 0x2126: 0x3A9, 0x212A: 0x4B,
    0x212B: 0xC5, 0xA64A: 0xA64B, 0xA64B: 0x1C88,
}

#: Cased letters Python's Unicode database has and go1.19's (Unicode 13.0) does not: they
#: fold to nothing in Go.
_NEWER_THAN_GO_UNICODE = (
    (0x2C2F, 0x2C2F), (0x2C5F, 0x2C5F), (0xA7C0, 0xA7C1), (0xA7D0, 0xA7D1), (0xA7D6, 0xA7D9),
    (0x10570, 0x105BC),
)


def simple_fold(r: int) -> int:
    """Go ``unicode.SimpleFold``: the next rune after ``r`` in its simple case-folding orbit
    (``A`` → ``a`` → ``A``; ``k`` → ``K`` (Kelvin sign) → ``K`` → ``k``), or ``r`` itself.

    Go's tables (go1.19, Unicode 13.0) are reproduced with its orbit table and Python's
    one-rune case mappings; letters added to Unicode later have no fold, as in go1.19.
    """
    if r < 0 or r > 0x10FFFF:
        return r
    if r < 0x80:
        if r == 0x6B:  # k → K (Kelvin sign)
            return 0x212A
        if r == 0x73:  # s → ſ (long s)
            return 0x17F
        if 0x61 <= r <= 0x7A:
            return r - 0x20
        if 0x41 <= r <= 0x5A:
            return r + 0x20
        return r
    if r in _CASE_ORBIT:
        return _CASE_ORBIT[r]
    if 0xD800 <= r <= 0xDFFF or any(lo <= r <= hi for lo, hi in _NEWER_THAN_GO_UNICODE):
        return r
    char = chr(r)
    lower = char.lower()
    if len(lower) == 1 and lower != char:  # Go ToLower (the simple mapping)
        return ord(lower)
    upper = char.upper()
    if len(upper) != 1:  # a full mapping (ᾀ → ἈΙ): the simple one is the title case
        upper = char.title()
    if len(upper) == 1 and upper != char:
        return ord(upper)
    return r


def _runes(data: bytes) -> Iterable[int]:
    """The runes of ``data`` as Go's ``utf8.DecodeRune`` reads them: a byte that does not
    start a valid sequence is U+FFFD."""
    text = data.decode("utf-8", "surrogateescape")
    return (0xFFFD if 0xDC80 <= ord(c) <= 0xDCFF else ord(c) for c in text)


def equal_fold(s: bytes, t: bytes) -> bool:
    """Go ``bytes.EqualFold``: ``s`` and ``t``, read as UTF-8, are equal under simple
    Unicode case folding (``Straße`` is not ``STRASSE``, ``ſ`` is ``s``)."""
    sr, tr = list(_runes(s)), list(_runes(t))
    if len(sr) != len(tr):
        return False
    for a, b in zip(sr, tr, strict=True):
        if a == b:
            continue
        a, b = min(a, b), max(a, b)
        if b < 0x80:
            if 0x41 <= a <= 0x5A and b == a + 0x20:
                continue
            return False
        r = simple_fold(a)
        while r != a and r < b:
            r = simple_fold(r)
        if r != b:
            return False
    return True


_CASE_MASK = 0xDF  # Go's ^byte(0x20)
_KELVIN = "\u212a".encode()
_LONG_S = "\u017f".encode()


def _equal_fold_right(s: bytes, t: bytes) -> bool:
    i = 0
    for sb in s:
        if i >= len(t):
            return False
        tb = t[i]
        if tb < 0x80:
            if sb != tb:
                upper = sb & _CASE_MASK
                if not (0x41 <= upper <= 0x5A) or upper != tb & _CASE_MASK:
                    return False
            i += 1
            continue
        # sb is ASCII and t is not: t must be the Kelvin sign or the long s.
        if sb in b"sS" and t.startswith(_LONG_S, i):
            i += len(_LONG_S)
        elif sb in b"kK" and t.startswith(_KELVIN, i):
            i += len(_KELVIN)
        else:
            return False
    return i == len(t)


def _ascii_equal_fold(s: bytes, t: bytes) -> bool:
    if len(s) != len(t):
        return False
    for sb, tb in zip(s, t, strict=True):
        if sb == tb:
            continue
        if not (0x41 <= sb <= 0x5A or 0x61 <= sb <= 0x7A) or sb & _CASE_MASK != tb & _CASE_MASK:
            return False
    return True


def _simple_letter_equal_fold(s: bytes, t: bytes) -> bool:
    return len(s) == len(t) and all(
        a & _CASE_MASK == b & _CASE_MASK for a, b in zip(s, t, strict=True)
    )


def json_fold_func(name: bytes) -> Callable[[bytes, bytes], bool]:
    """Go ``encoding/json``'s ``foldFunc`` (go1.19): how a struct field named ``name``
    matches an object key that is not exactly ``name``, called as ``fold(name, key)``.

    An ASCII name matches without regard to ASCII case, and its ``s``/``S`` and ``k``/``K``
    also match ``ſ`` (U+017F) and the Kelvin sign (U+212A); a non-ASCII name matches by
    :func:`equal_fold`.
    """
    non_letter = special = False
    for b in name:
        if b >= 0x80:
            return equal_fold
        upper = b & _CASE_MASK
        if not 0x41 <= upper <= 0x5A:
            non_letter = True
        elif upper in b"KS":
            special = True
    if special:
        return _equal_fold_right
    if non_letter:
        return _ascii_equal_fold
    return _simple_letter_equal_fold


def json_field(key: str, names: Iterable[str]) -> str | None:
    """The struct field Go's decoder stores the object key ``key`` in: the field named
    exactly ``key``, else the first of ``names`` (in struct order) that
    :func:`json_fold_func` matches; ``None`` when no field matches (the member is ignored)."""
    names = list(names)
    if key in names:
        return key
    raw = to_bytes(key)
    for name in names:
        encoded = to_bytes(name)
        if json_fold_func(encoded)(encoded, raw):
            return name
    return None


class JSONObject(dict[str, Any]):
    """A JSON object as :func:`json_decode` returns it: a dict (the last value of each key)
    that also keeps every member in document order, duplicates included, in ``pairs``, since
    Go's decoder visits each member in turn (a bad value reported, then overwritten, is still
    an error).

    ``spans`` gives, for each member of ``pairs``, where its value lies in the document that
    was decoded: ``data[start:end]`` is the value's text as sent, which is what Go hands a
    field's ``UnmarshalJSON`` (``time.Time`` quotes it in its errors). It is empty for an
    object built by hand.
    """

    def __init__(
        self, pairs: Iterable[tuple[str, Any]] = (), spans: Iterable[tuple[int, int]] = ()
    ) -> None:
        self.pairs: list[tuple[str, Any]] = list(pairs)
        self.spans: list[tuple[int, int]] = list(spans)
        super().__init__(self.pairs)


class JSONNumber(str):
    """A JSON number as its literal text, as Go's ``json.Number`` (``Decoder.UseNumber``)
    keeps it: Go quotes the literal in some errors (``cannot unmarshal number 1e3 into ...
    of type int``), and Python's ``int()`` refuses one of more than 4300 digits."""

    __slots__ = ()


def json_kind(value: Any) -> str:
    """The JSON kind Go's decoder names in its type errors (``json: cannot unmarshal <kind>
    into ...``): ``object``, ``array``, ``string``, ``number`` or ``bool``, for a value
    :func:`json_decode` returns or a plain Python one. ``None`` is ``null``, which never
    makes such an error in Go: a null leaves the target as it is."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, JSONNumber)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    return "array"


# ---- encoding/json: the scanner ------------------------------------------------------------

_MAX_NESTING_DEPTH = 10000

# Scanner results (only those the decoders look at).
_SCAN_CONTINUE, _SCAN_END, _SCAN_END_CONTAINER, _SCAN_ERROR = range(4)
_PARSE_OBJECT_KEY, _PARSE_OBJECT_VALUE, _PARSE_ARRAY_VALUE = range(3)
_SPACE = b" \t\r\n"
_HEX = frozenset(b"0123456789abcdefABCDEF")
_DIGITS = frozenset(b"0123456789")


def _quote_char(c: int) -> str:
    """Go ``encoding/json``'s ``quoteChar``: a byte as its Latin-1 rune, Go-quoted."""
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    return "'" + go_quote(chr(c))[1:-1] + "'"


class _Scanner:
    """Go ``encoding/json``'s scanner (go1.19 ``scanner.go``), one byte at a time."""

    def __init__(self) -> None:
        self.step: Callable[[int], int] = self.begin_value
        self.parse_state: list[int] = []
        self.error_text: str | None = None
        #: The top-level value is complete (Go's ``endTop``).
        self.end_top = False

    def error(self, c: int, context: str) -> int:
        self.step = lambda c: _SCAN_ERROR
        self.error_text = f"invalid character {_quote_char(c)} {context}"
        return _SCAN_ERROR

    def push(self, c: int, state: int) -> int:
        self.parse_state.append(state)
        if len(self.parse_state) <= _MAX_NESTING_DEPTH:
            return _SCAN_CONTINUE
        return self.error(c, "exceeded max depth")

    def pop(self) -> None:
        self.parse_state.pop()
        if self.parse_state:
            self.step = self.end_value
        else:
            self.step = self.state_end_top
            self.end_top = True

    def begin_value_or_empty(self, c: int) -> int:
        if c in _SPACE:
            return _SCAN_CONTINUE
        if c == 0x5D:  # ]
            return self.end_value(c)
        return self.begin_value(c)

    def begin_value(self, c: int) -> int:
        if c in _SPACE:
            return _SCAN_CONTINUE
        literal = {
            0x22: self.in_string, 0x2D: self.neg, 0x30: self.zero,
            0x74: self.literal("true"), 0x66: self.literal("false"), 0x6E: self.literal("null"),
        }
        if c == 0x7B:  # {
            self.step = self.begin_string_or_empty
            return self.push(c, _PARSE_OBJECT_KEY)
        if c == 0x5B:  # [
            self.step = self.begin_value_or_empty
            return self.push(c, _PARSE_ARRAY_VALUE)
        if c in literal:
            self.step = literal[c]
            return _SCAN_CONTINUE
        if 0x31 <= c <= 0x39:
            self.step = self.one
            return _SCAN_CONTINUE
        return self.error(c, "looking for beginning of value")

    def begin_string_or_empty(self, c: int) -> int:
        if c in _SPACE:
            return _SCAN_CONTINUE
        if c == 0x7D:  # }
            self.parse_state[-1] = _PARSE_OBJECT_VALUE
            return self.end_value(c)
        return self.begin_string(c)

    def begin_string(self, c: int) -> int:
        if c in _SPACE:
            return _SCAN_CONTINUE
        if c == 0x22:
            self.step = self.in_string
            return _SCAN_CONTINUE
        return self.error(c, "looking for beginning of object key string")

    def end_value(self, c: int) -> int:
        if not self.parse_state:
            self.step = self.state_end_top
            self.end_top = True
            return self.state_end_top(c)
        if c in _SPACE:
            self.step = self.end_value
            return _SCAN_CONTINUE
        state = self.parse_state[-1]
        if state == _PARSE_OBJECT_KEY:
            if c == 0x3A:  # :
                self.parse_state[-1] = _PARSE_OBJECT_VALUE
                self.step = self.begin_value
                return _SCAN_CONTINUE
            return self.error(c, "after object key")
        if state == _PARSE_OBJECT_VALUE:
            if c == 0x2C:  # ,
                self.parse_state[-1] = _PARSE_OBJECT_KEY
                self.step = self.begin_string
                return _SCAN_CONTINUE
            if c == 0x7D:
                self.pop()
                return _SCAN_END_CONTAINER
            return self.error(c, "after object key:value pair")
        if c == 0x2C:
            self.step = self.begin_value
            return _SCAN_CONTINUE
        if c == 0x5D:
            self.pop()
            return _SCAN_END_CONTAINER
        return self.error(c, "after array element")

    def state_end_top(self, c: int) -> int:
        # Go records an error for a non-space here but still answers scanEnd: the stream
        # decoder stops at scanEnd, so what follows its value is never read, while
        # json.Unmarshal fails on the next byte, or at the end.
        if c not in _SPACE:
            self.error(c, "after top-level value")
        return _SCAN_END

    def in_string(self, c: int) -> int:
        if c == 0x22:
            self.step = self.end_value
        elif c == 0x5C:  # backslash
            self.step = self.in_string_escape
        elif c < 0x20:
            return self.error(c, "in string literal")
        return _SCAN_CONTINUE

    def in_string_escape(self, c: int) -> int:
        if c in b'bfnrt\\/"':
            self.step = self.in_string
            return _SCAN_CONTINUE
        if c == 0x75:  # u
            self.step = self.hex_digits(4)
            return _SCAN_CONTINUE
        return self.error(c, "in string escape code")

    def hex_digits(self, left: int) -> Callable[[int], int]:
        def step(c: int) -> int:
            if c in _HEX:
                self.step = self.in_string if left == 1 else self.hex_digits(left - 1)
                return _SCAN_CONTINUE
            return self.error(c, "in \\u hexadecimal character escape")

        return step

    def neg(self, c: int) -> int:
        if c == 0x30:
            self.step = self.zero
            return _SCAN_CONTINUE
        if 0x31 <= c <= 0x39:
            self.step = self.one
            return _SCAN_CONTINUE
        return self.error(c, "in numeric literal")

    def one(self, c: int) -> int:
        if c in _DIGITS:
            return _SCAN_CONTINUE
        return self.zero(c)

    def zero(self, c: int) -> int:
        if c == 0x2E:  # .
            self.step = self.dot
            return _SCAN_CONTINUE
        if c in b"eE":
            self.step = self.exponent
            return _SCAN_CONTINUE
        return self.end_value(c)

    def dot(self, c: int) -> int:
        if c in _DIGITS:
            self.step = self.dot_digits
            return _SCAN_CONTINUE
        return self.error(c, "after decimal point in numeric literal")

    def dot_digits(self, c: int) -> int:
        if c in _DIGITS:
            return _SCAN_CONTINUE
        if c in b"eE":
            self.step = self.exponent
            return _SCAN_CONTINUE
        return self.end_value(c)

    def exponent(self, c: int) -> int:
        if c in b"+-":
            self.step = self.exponent_sign
            return _SCAN_CONTINUE
        return self.exponent_sign(c)

    def exponent_sign(self, c: int) -> int:
        if c in _DIGITS:
            self.step = self.exponent_digits
            return _SCAN_CONTINUE
        return self.error(c, "in exponent of numeric literal")

    def exponent_digits(self, c: int) -> int:
        if c in _DIGITS:
            return _SCAN_CONTINUE
        return self.end_value(c)

    def literal(self, word: str, index: int = 1) -> Callable[[int], int]:
        def step(c: int) -> int:
            if c == ord(word[index]):
                self.step = self.end_value if index == len(word) - 1 else self.literal(
                    word, index + 1
                )
                return _SCAN_CONTINUE
            return self.error(c, f"in literal {word} (expecting {_quote_char(ord(word[index]))})")

        return step


#: Bytes that end a run of plain string content: the quote, an escape, a control byte.
_STRING_RUN_END = re.compile(rb'["\\\x00-\x1f]')


def _skip(scanner: _Scanner, data: bytes, start: int) -> int:
    """Where the scanner next has work from ``start`` on: inside a string, the first quote,
    backslash or control byte (``len(data)`` if none); elsewhere ``start`` itself.

    The scanner answers ``continue`` to every plain byte of a string without changing state;
    finding the end of the run in one search keeps a long token from costing a Python call
    per byte. Other runs (digits, white space) are short in real documents, and a search per
    token costs more than it saves there.
    """
    if scanner.step != scanner.in_string:
        return start
    found = _STRING_RUN_END.search(data, start)
    return len(data) if found is None else found.start()


def _value_extent(data: bytes) -> int:
    """How many bytes of ``data`` Go's ``Decoder.readValue`` takes as the first value."""
    scanner = _Scanner()
    i, size = 0, len(data)
    while i < size:
        if scanner.step == scanner.in_string:
            i = _skip(scanner, data, i)
            if i == size:
                break
        code = scanner.step(data[i])
        if code == _SCAN_END:
            return i
        if code == _SCAN_END_CONTAINER and not scanner.parse_state:
            return i + 1
        if code == _SCAN_ERROR:
            raise InvalidArgumentError(scanner.error_text or "")
        i += 1
    if scanner.step(0x20) == _SCAN_END:
        return len(data)
    if data.strip(_SPACE):
        raise InvalidArgumentError("unexpected EOF")
    raise InvalidArgumentError("EOF")


def _check_valid(data: bytes) -> None:
    """Go's ``checkValid``, as ``json.Unmarshal`` runs it: all of ``data`` is one value."""
    scanner = _Scanner()
    i, size = 0, len(data)
    while i < size:
        if scanner.step == scanner.in_string:
            i = _skip(scanner, data, i)
            if i == size:
                break
        if scanner.step(data[i]) == _SCAN_ERROR:
            raise InvalidArgumentError(scanner.error_text or "")
        i += 1
    # Go's scanner.eof().
    if scanner.error_text is not None:
        raise InvalidArgumentError(scanner.error_text)
    if scanner.end_top:
        return
    scanner.step(0x20)
    if scanner.end_top:
        return
    raise InvalidArgumentError(scanner.error_text or "unexpected end of JSON input")


# ---- encoding/json: decoding ---------------------------------------------------------------

# One token after optional white space. A string is matched by its opening quote only and
# its end found by _string_end: a regular expression over the whole string keeps
# backtracking state for every character (about 200 bytes of memory per byte of input).
_TOKEN = re.compile(
    rb'[ \t\r\n]*(?:([\[{])|([\]}])|[,:]|(")|([-0-9][-+.0-9eE]*)|(true|false|null))'
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_TO_FFFD = dict.fromkeys(range(0xD800, 0xE000), 0xFFFD)
_LITERALS = {b"true": True, b"false": False, b"null": None}


def _string_end(data: bytes, start: int) -> int:
    """The index just past the closing quote of the string that opens at ``data[start]``
    (the scanner has checked that it is closed): the first quote not escaped by an odd run
    of backslashes. Linear: each backslash is counted once, for the quote it precedes."""
    position = start + 1
    while True:
        quote = data.index(b'"', position)
        backslash = quote - 1
        while data[backslash] == 0x5C:
            backslash -= 1
        if (quote - 1 - backslash) % 2 == 0:
            return quote + 1
        position = quote + 1


def _json_string(token: bytes) -> str:
    """Go's ``unquote``: an invalid UTF-8 byte or a lone surrogate escape is U+FFFD."""
    text: str = json.loads(token.decode("utf-8", "surrogateescape"))
    if _SURROGATE.search(text) is None:
        return text
    return text.translate(_SURROGATE_TO_FFFD)  # one pass in C, however many there are


def _json_number(token: bytes) -> int | float:
    """A number as Go decodes it into ``interface{}`` (a float64), kept an :class:`int` when
    it is written as one.

    :raises InvalidArgumentError: it overflows a float64 (``1e400``), Go's
        ``json: cannot unmarshal number 1e400 into Go value of type float64``.
    """
    value = float(token)
    if math.isinf(value):
        raise InvalidArgumentError(
            f"json: cannot unmarshal number {token.decode('ascii')} into Go value of type float64"
        )
    if any(c in b".eE" for c in token):
        return value
    return int(token)


@dataclass
class _Open:
    """An array or object being read: where it starts, and what it holds so far."""

    start: int
    is_object: bool
    items: list[Any] = field(default_factory=list)  # values, or (key, value) pairs
    spans: list[tuple[int, int]] = field(default_factory=list)
    key: str | None = None  # an object's key waiting for its value


def _build(data: bytes, end: int, use_number: bool) -> Any:
    """The value in ``data[:end]``, which the scanner has found to be one JSON value."""
    stack: list[_Open] = []
    result: Any = None
    position = 0
    while position < end:
        match = _TOKEN.match(data, position, end)
        if match is None:  # only white space is left
            break
        position = match.end()
        opening, closing, quote, number, literal = match.groups()
        value: Any
        if opening:
            stack.append(_Open(match.start(1), opening == b"{"))
            continue
        if closing:
            container = stack.pop()
            span = (container.start, position)
            if container.is_object:
                value = JSONObject(container.items, container.spans)
            else:
                value = container.items
        elif quote:
            start = match.start(3)
            position = _string_end(data, start)
            value = _json_string(data[start:position])
            span = (start, position)
            if stack and stack[-1].is_object and stack[-1].key is None:
                stack[-1].key = value
                continue
        elif number:
            value = JSONNumber(number.decode("ascii")) if use_number else _json_number(number)
            span = match.span(4)
        elif literal:
            value = _LITERALS[literal]
            span = match.span(5)
        else:  # , or :
            continue
        if not stack:
            result = value
        elif stack[-1].is_object:
            container = stack[-1]
            container.items.append((container.key, value))
            container.spans.append(span)
            container.key = None
        else:
            stack[-1].items.append(value)
    return result


def json_decode(data: bytes, *, use_number: bool = False) -> Any:
    """Go ``json.NewDecoder(bytes.NewReader(data)).Decode``, as the daemon reads daemon.json
    and distribution a token response: the first JSON value in ``data``, as Python values
    (an object is a :class:`JSONObject`). What follows that value is not read: ``{} junk`` is
    ``{}``.

    Strings are decoded as Go does: an invalid UTF-8 byte, or an escaped surrogate that is
    not half of a pair, becomes U+FFFD. A number is an :class:`int` or a :class:`float`, or
    with ``use_number`` (Go's ``Decoder.UseNumber``) its literal text as a
    :class:`JSONNumber`.

    :raises InvalidArgumentError: Go's message: ``EOF`` for nothing but white space,
        ``unexpected EOF`` for a value cut short, else the scanner's ``invalid character 'x'
        looking for beginning of value`` and the like.
    """
    return _build(data, _value_extent(data), use_number)


def json_unmarshal(data: bytes, *, use_number: bool = False) -> Any:
    """Go ``json.Unmarshal``'s reading of ``data``: as :func:`json_decode`, except that all
    of ``data`` must be the one value (white space around it aside).

    :raises InvalidArgumentError: Go's message: ``unexpected end of JSON input`` for nothing
        but white space or a value cut short, ``invalid character 'x' after top-level
        value`` for anything after the value, else the scanner's other errors.
    """
    _check_valid(data)
    return _build(data, len(data), use_number)
