"""Go's ``strings.ToLower``, which reference parsing and pings lower names with."""

from __future__ import annotations

import re

__all__ = ["go_to_lower"]


# Capital letters that gained a lower-case mapping in Unicode 14.0. The reference's Go (1.19)
# has Unicode 13.0 tables, so to it these letters have no case; Python 3.11 lowers them.
_CASED_SINCE_UNICODE_14_REGEXP = re.compile(
    "[\u2c2f\ua7c0\ua7d0\ua7d6\ua7d8\U00010570-\U0001057a\U0001057c-\U0001058a"
    "\U0001058c-\U00010592\U00010594\U00010595]"
)


def _go_to_lower_char(char: str) -> str:
    if _CASED_SINCE_UNICODE_14_REGEXP.match(char):
        return char
    return char.lower()[0]


def go_to_lower(s: str) -> str:
    """Go's ``strings.ToLower``: each code point through its simple (one-to-one) mapping.

    Python's ``str.lower`` applies the full mapping, which differs in ways that change which
    error a reference gets: it turns U+0130 (capital I with dot) into two code points, where Go
    gives a plain ``i`` (so ``İ.com/x`` would parse once lowered), and it lowers a final
    capital sigma by context. Lowering code point by code point and keeping the first code
    point of the result reproduces Go's mapping; letters newer than Go's Unicode tables are
    left alone, as Go leaves them.
    """
    if s.isascii():
        return s.lower()
    return "".join(_go_to_lower_char(char) for char in s)
