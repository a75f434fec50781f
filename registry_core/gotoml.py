"""Where go-toml 1.9 (containerd's TOML reader) refuses a file that :mod:`tomllib` reads.

go-toml 1.9's lexer reads a table header (``[a.b]``, ``[[a.b]]``) up to the first ``]``
without looking at quotes (``lexInsideTableKey``), and fails on a ``[`` inside it. So a header
whose quoted key holds a bracket, such as containerd's own example form for an IPv6 mirror,
``[host."https://[::1]:5000"]``, does not parse there: containerd ignores the whole
``hosts.toml`` ("failed to parse TOML") and uses the directory's certificate files. TOML
itself allows it, and :mod:`tomllib` reads it, so :func:`table_header_error` finds such
headers, to refuse the file as containerd does. The same key written inside the table
(``[host]`` then ``"https://[::1]:5000" = {...}``) parses in both.
"""

from __future__ import annotations

__all__ = ["table_header_error"]


def _skip_string(text: str, i: int) -> int:
    """The index just past the string starting at ``text[i]`` (basic, literal, or
    multi-line); the end of ``text`` if it is not closed (tomllib has already refused that)."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = text.find(quote * 3, i + 3)
        while end != -1 and quote == '"' and _escaped(text, end):
            end = text.find(quote * 3, end + 1)
        if end == -1:
            return len(text)
        end += 3
        while end < len(text) and text[end] == quote:  # up to two more quotes belong to it
            end += 1
        return end
    j = i + 1
    while j < len(text) and text[j] != quote and text[j] != "\n":
        j += 2 if quote == '"' and text[j] == "\\" else 1
    return j + 1


def _escaped(text: str, i: int) -> bool:
    backslashes = 0
    while i - backslashes - 1 >= 0 and text[i - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _header_key_error(key: str) -> str | None:
    """What go-toml says of the header key it read (up to the first ``]``), or ``None``."""
    if "[" in key:
        return "table key cannot contain ']'"  # go-toml's text, sic
    # The first ']' fell inside a quoted part: the key go-toml read ends in an open string.
    i = 0
    while i < len(key):
        if key[i] in "\"'":
            end = _skip_string(key, i)
            if end > len(key) or key[end - 1] != key[i] or end - 1 == i:
                return "unclosed string in a table key"
            i = end
        else:
            i += 1
    return None


def table_header_error(text: str) -> tuple[str, int] | None:
    """The first table header of a TOML document (one :mod:`tomllib` accepted) that go-toml
    1.9 cannot read: ``(message, line)``; ``None`` when every header reads the same."""
    i = 0
    depth = 0  # [ and { of values still open: a '[' there is an array, not a header
    line_start = True
    while i < len(text):
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "#":
            end = text.find("\n", i)
            i = len(text) if end == -1 else end
            continue
        if c in "\"'":
            i = _skip_string(text, i)
            line_start = False
            continue
        if c == "[" and depth == 0 and line_start:
            start = i + 2 if text.startswith("[[", i) else i + 1
            end = text.find("]", start)
            key = text[start:] if end == -1 else text[start:end]
            problem = _header_key_error(key)
            if problem is not None:
                return problem, text.count("\n", 0, i) + 1
            # Past the header as tomllib read it: its key may hold quoted brackets that
            # go-toml did not see, but then problem was set above.
            newline = text.find("\n", i)
            i = len(text) if newline == -1 else newline
            continue
        line_start = False
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None
