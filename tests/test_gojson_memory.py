"""The JSON decoder's memory grows with its input by a small constant factor.

It once kept about 200 bytes of regular-expression state per byte of a string (a 1 MiB
token cost about 200 MB). The bound asserted here is generous (20 bytes per input byte) so
that it holds on every Python version; today's cost is about 3 bytes per byte.
"""

from __future__ import annotations

import functools
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from registry_core.gojson import json_decode, json_unmarshal

_SIZE = 4 << 20
#: Documents where every few bytes cost a step of the scanner in Python are kept smaller,
#: so the suite stays fast; the bound is per byte either way.
_SMALL = 64 << 10


def _peak(call: Callable[[], Any]) -> tuple[int, Any]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = call()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


@functools.cache
def _documents() -> dict[str, bytes]:
    return {
        "one long token": json.dumps({"token": "t" * _SIZE, "expires_in": 60}).encode(),
        "escapes everywhere": json.dumps({"token": 'é"\\\n' * (_SMALL // 8)}).encode(),
        "backslash runs": json.dumps({"t": ("\\" * 7 + '"') * (_SMALL // 16)}).encode(),
        "non-UTF-8 bytes": b'{"token": "' + b"\xff\xfe" * (_SMALL // 2) + b'"}',
    }


@pytest.mark.parametrize("decode", [json_decode, json_unmarshal])
@pytest.mark.parametrize("name", list(_documents()))
def test_decoding_a_large_string_costs_a_small_multiple_of_its_size(
        name: str, decode: Callable[[bytes], Any]) -> None:
    data = _documents()[name]
    peak, value = _peak(lambda: decode(data))
    assert peak < 20 * len(data), f"{peak / len(data):.1f} bytes of memory per input byte"
    if name == "non-UTF-8 bytes":
        assert value["token"] == "\ufffd" * _SMALL
    else:
        assert value == json.loads(data)
