"""Go's ``net/http``: ``StatusText`` and the ``%s`` of an ``http.Header``, as the
reference's login and client messages show them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

__all__ = ["go_header_map", "go_status_text"]


#: Go's ``http.StatusText``, which differs from Python's phrases (414, 418) and has no
#: text for codes it does not know.
_GO_STATUS_TEXT = {
    100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
    204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
    208: "Already Reported", 226: "IM Used",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict",
    410: "Gone", 411: "Length Required", 412: "Precondition Failed",
    413: "Request Entity Too Large", 414: "Request URI Too Long",
    415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable",
    417: "Expectation Failed", 418: "I'm a teapot", 421: "Misdirected Request",
    422: "Unprocessable Entity", 423: "Locked", 424: "Failed Dependency", 425: "Too Early",
    426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
    510: "Not Extended", 511: "Network Authentication Required",
}


def go_status_text(code: int) -> str:
    """Go's ``http.StatusText(code)``: ``""`` for a code Go does not name."""
    return _GO_STATUS_TEXT.get(code, "")


def _go_canonical_key(key: str) -> str:
    """Go's ``textproto.CanonicalMIMEHeaderKey``."""
    if not all(c.isascii() and (c.isalnum() or c in "!#$%&'*+-.^_`|~") for c in key):
        return key
    out = []
    upper = True
    for char in key:
        out.append(char.upper() if upper else char.lower())
        upper = char == "-"
    return "".join(out)


def go_header_map(response: requests.Response) -> str:
    """The response headers as Go's ``%s`` prints an ``http.Header``: ``map[K:[v1 v2] ...]``."""
    raw_headers = getattr(getattr(response, "raw", None), "headers", None)
    pairs = list(raw_headers.items()) if raw_headers is not None else []
    if not pairs:
        pairs = list(response.headers.items())
    merged: dict[str, list[str]] = {}
    for key, value in pairs:
        merged.setdefault(_go_canonical_key(str(key)), []).append(str(value))
    return _format_map(merged)


def _format_map(values: Mapping[str, list[str]]) -> str:
    items = " ".join(f"{key}:[{' '.join(values[key])}]" for key in sorted(values))
    return f"map[{items}]"
