"""Go strings as bytes, and Go's ``strconv``: ``Quote`` (what ``%q`` prints) and ``Atoi``.

Go strings are bytes, so the ports in this package work on bytes:
:func:`~registry_core.gocompat.to_bytes` gives the UTF-8 encoding of a Python string and
:func:`~registry_core.gocompat.from_bytes` turns a result back into one; neither fails on any
input. The reference quotes its input with ``%q`` in most messages and reads
ports with ``strconv.Atoi``, whose error text it shows.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError

__all__ = ["from_bytes", "go_atoi", "go_quote", "to_bytes"]


def to_bytes(value: str) -> bytes:
    """The bytes Go would hold for ``value``: its UTF-8 encoding. A lone surrogate is encoded
    as its three bytes rather than refused, so that no string makes this raise."""
    return value.encode("utf-8", "surrogatepass")


def from_bytes(value: bytes) -> str:
    """A Python string for Go's bytes (a parsed host, a URL to print). A byte that is not
    UTF-8 becomes a lone surrogate (``surrogateescape``) rather than an error; note that
    :func:`to_bytes` encodes that surrogate as three bytes, not as the original byte."""
    return value.decode("utf-8", "surrogateescape")


def go_quote(value: str | bytes) -> str:
    """Go ``strconv.Quote`` (what ``%q`` prints): printable runes as they are, others and
    invalid UTF-8 bytes escaped."""
    data = to_bytes(value) if isinstance(value, str) else value
    out = ['"']
    i = 0
    while i < len(data):
        byte = data[i]
        char: str | None = None
        if byte < 0x80:
            char, width = chr(byte), 1
        else:
            for width in (2, 3, 4):
                try:
                    decoded = data[i : i + width].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if len(decoded) == 1:
                    char = decoded
                    break
        if char is None:
            out.append(f"\\x{byte:02x}")
            i += 1
            continue
        i += width
        out.append(_quote_rune(char))
    out.append('"')
    return "".join(out)


_SIMPLE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                   "\v": "\\v", '"': '\\"', "\\": "\\\\"}


def _quote_rune(char: str) -> str:
    if char in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[char]
    if char.isprintable():  # Go's unicode.IsPrint: L, M, N, P, S and ASCII space
        return char
    code = ord(char)
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def go_atoi(s: str) -> int:
    """Go ``strconv.Atoi`` on a 64-bit machine.

    :raises InvalidArgumentError: with Go's text, e.g. ``strconv.Atoi: parsing "x": invalid
        syntax``.
    """
    data = to_bytes(s)

    def error(reason: str) -> InvalidArgumentError:
        return InvalidArgumentError(f"strconv.Atoi: parsing {go_quote(data)}: {reason}")

    if 0 < len(data) < 19:  # the fast path: fits in an int64 whatever the digits
        digits = data[1:] if data[:1] in (b"-", b"+") else data
        if not digits or any(not 0x30 <= c <= 0x39 for c in digits):
            raise error("invalid syntax")
        value = int(digits)
        return -value if data[:1] == b"-" else value
    # The slow path: strconv.ParseInt(s, 10, 0).
    if not data:
        raise error("invalid syntax")
    negative = data[:1] == b"-"
    digits = data[1:] if data[:1] in (b"-", b"+") else data
    if not digits:
        raise error("invalid syntax")
    value = 0
    for c in digits:
        if not 0x30 <= c <= 0x39:
            raise error("invalid syntax")
        value = value * 10 + (c - 0x30)
        if value > 0xFFFFFFFFFFFFFFFF:  # ParseUint stops at the first overflow
            raise error("value out of range")
    if (not negative and value >= 1 << 63) or (negative and value > 1 << 63):
        raise error("value out of range")
    return -value if negative else value
