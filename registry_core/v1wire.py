"""The v1 protocol's wire details: reading answers (bounded), decoding their JSON as Go's
decoder reads it into the reference's types, and writing JSON as Go's encoder does.

Used by :mod:`registry_core.v1session`; the messages are Go's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import requests

from . import bodies
from .challenge import header_values  # Go's resp.Header[name]; re-exported
from .errors import InvalidArgumentError, RegistryError, ResponseTooLargeError
from .gocompat import from_bytes, to_bytes, url_parse
from .gojson import JSONObject, json_decode, json_kind, json_unmarshal
from .types import SearchResults

__all__ = [
    "MAX_ERROR_BODY",
    "MAX_JSON_BODY",
    "already_exists",
    "build_endpoints_list",
    "decode_search_results",
    "decode_string_list",
    "decode_string_map",
    "decode_string_map_strict",
    "first_value",
    "go_marshal",
    "go_string",
    "header_values",
    "parse_int64",
    "read_body",
    "read_error_body",
]

#: The most of a JSON answer (image JSON, tags, image lists, search results) that is read;
#: the reference reads everything a server sends.
MAX_JSON_BODY = 32 << 20
#: The most of an error body that is read and quoted in a message.
MAX_ERROR_BODY = bodies.MAX_ERROR_BODY


def build_endpoints_list(headers: Iterable[str], index_endpoint: str) -> list[str]:
    """The registries an ``X-Docker-Endpoints`` answer names, as ``<scheme>://<host>/v1/``
    with the index's scheme (Go ``buildEndpointsList``)."""
    scheme = from_bytes(url_parse(to_bytes(index_endpoint)).scheme)
    return [
        f"{scheme}://{element.strip()}/v1/"
        for header in headers
        for element in header.split(",")
    ]


def read_body(response: requests.Response, limit: int) -> bytes:
    """The body, at most ``limit`` bytes (:func:`registry_core.bodies.read_body`); the
    response is closed.

    :raises RegistryError: the body is larger than ``limit``.
    :raises TransportError: the body could not be read.
    """
    try:
        return bodies.read_body(response, limit)
    except ResponseTooLargeError:
        raise RegistryError(f"the answer is larger than {limit} bytes") from None
    finally:
        response.close()

def go_string(value: Any, what: str = "string") -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"json: cannot unmarshal {json_kind(value)} into Go value "
                                   f"of type {what}")
    return value


def decode_string_list(body: bytes) -> list[str]:
    value = json_decode(body)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidArgumentError(
            f"json: cannot unmarshal {json_kind(value)} into Go value of type []string"
        )
    return [go_string(item) for item in value]


def decode_string_map(body: bytes) -> dict[str, str]:
    return _string_map(json_decode(body))


def already_exists(body: bytes) -> tuple[bool, bytes]:
    """Whether an error body is ``{"error": "Image already exists"}``; else the body to
    quote (the JSON error text when it is not a ``map[string]string``), as the reference."""
    try:
        data = decode_string_map_strict(body)
    except InvalidArgumentError as exc:
        return False, str(exc).encode()
    return data.get("error") == "Image already exists", body


def decode_string_map_strict(body: bytes) -> dict[str, str]:
    return _string_map(json_unmarshal(body))


def _string_map(value: Any) -> dict[str, str]:
    """A decoded JSON value as Go fills a ``map[string]string``: ``null`` is empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidArgumentError(
            f"json: cannot unmarshal {json_kind(value)} into Go value of type map[string]string"
        )
    pairs = value.pairs if isinstance(value, JSONObject) else list(value.items())
    return {str(key): go_string(item) for key, item in pairs}


def go_marshal(value: Any) -> bytes:
    """Go's ``json.Marshal`` text: compact, UTF-8, ``<``, ``>``, ``&``, U+2028 and U+2029
    escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text.encode("utf-8")

def decode_search_results(body: bytes) -> SearchResults:
    """A search answer as Go's decoder reads it into ``SearchResults``.

    :raises RegistryError: ``error decoding registry search results: ...``.
    """
    try:
        value = json_decode(body)
        if value is None:
            return SearchResults()
        if not isinstance(value, dict):
            raise InvalidArgumentError(
                f"json: cannot unmarshal {json_kind(value)} into Go value of type "
                "registry.SearchResults"
            )
        return SearchResults.from_json(value)
    except (InvalidArgumentError, TypeError, ValueError) as exc:
        raise RegistryError(f"error decoding registry search results: {exc}") from None


def first_value(response: requests.Response, name: str) -> str:
    values = header_values(response, name)
    return values[0] if values else ""


def read_error_body(response: requests.Response) -> bytes:
    """Up to :data:`MAX_ERROR_BODY` bytes of an error answer, for a message
    (:func:`registry_core.bodies.quoted_body`)."""
    return bodies.quoted_body(response, MAX_ERROR_BODY)

def parse_int64(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 10, 64)``; ``None`` where Go fails."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    value = int(text)
    return value if -(1 << 63) <= value < (1 << 63) else None
