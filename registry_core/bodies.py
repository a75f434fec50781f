"""Reading response bodies with a cap suited to what they hold, and typed errors when the
body is cut short.

requests reads a body whole (``response.content``), however large, and lets urllib3's and
its own errors out (``ChunkedEncodingError`` for a body cut short). :func:`read_body` reads
in small pieces, stops at a cap, and turns every failure into a
:class:`~registry_core.errors.TransportError` subclass. The caps are what a working registry
sends with room to spare; see the constants.
"""

from __future__ import annotations

import requests
from urllib3.exceptions import HTTPError as Urllib3Error

from .errors import ResponseCutShortError, ResponseTooLargeError, TransportError
from .redact import redact_url

__all__ = [
    "MAX_BODY",
    "MAX_DISCARDED_BODY",
    "MAX_ERROR_BODY",
    "read_body",
    "discard_body",
    "quoted_body",
]

#: A body read with its request (a tag page, a catalog page, a manifest, a login answer):
#: distribution refuses manifests over 4 MiB; a tag page of 100 000 tags is about 3 MiB.
MAX_BODY = 16 << 20
#: The body of an error or a redirect, kept only to quote in a message.
MAX_ERROR_BODY = 64 << 10
#: What is read of a body nobody needs before the connection is closed instead of reused.
MAX_DISCARDED_BODY = 64 << 10
#: Raw bytes per read: small enough that a compressed piece cannot inflate to much memory.
_PIECE = 8192


def _what(response: requests.Response) -> str:
    request = response.request
    method = (request.method or "GET").title() if request is not None else "Get"
    url = request.url if request is not None else response.url
    return f'{method} "{redact_url(url or "")}"'


def read_body(response: requests.Response, cap: int, *, truncate: bool = False) -> bytes:
    """The body of ``response`` (opened with ``stream=True``), at most ``cap`` bytes.

    With ``truncate``, a longer body is cut at ``cap`` and the connection closed (for error
    bodies, quoted only in part); otherwise it is a :class:`ResponseTooLargeError`.

    :raises ResponseTooLargeError: the body is longer than ``cap`` (without ``truncate``).
    :raises ResponseCutShortError: the connection ended before the body did.
    :raises TransportError: any other failure while reading.
    """
    data = bytearray()
    try:
        for piece in response.raw.stream(_PIECE, decode_content=True):
            data += piece
            if len(data) > cap:
                break
    except (Urllib3Error, requests.RequestException, OSError, ValueError) as exc:
        response.close()
        name = type(exc).__name__
        if "Protocol" in name or "IncompleteRead" in name or "ChunkedEncoding" in name:
            raise ResponseCutShortError(
                f"{_what(response)}: the response body was cut short after {len(data)} bytes"
            ) from None
        raise TransportError(
            f"{_what(response)}: reading the response body failed: {name}"
        ) from None
    if len(data) > cap:
        response.close()
        if not truncate:
            raise ResponseTooLargeError(
                f"{_what(response)}: the response body is larger than {cap} bytes"
            )
        del data[cap:]
    return bytes(data)


def discard_body(response: requests.Response) -> None:
    """Read what little is left of a body nobody needs, so the connection can be reused;
    a larger one is not read: the connection is closed instead. Errors do not matter."""
    try:
        if not getattr(response, "_content_consumed", False):
            read_body(response, MAX_DISCARDED_BODY, truncate=True)
    except TransportError:
        pass
    finally:
        response.close()


def preload(response: requests.Response, cap: int = MAX_BODY,
            error_cap: int = MAX_ERROR_BODY) -> None:
    """Read the body into ``response`` (``response.content``), as requests does when
    ``stream`` is off, but capped: a success body beyond ``cap`` is an error; the body of an
    error or a redirect is only quoted, so it is cut at ``error_cap``."""
    status = response.status_code
    if status < 300:
        body = read_body(response, cap)
    else:
        body = read_body(response, error_cap, truncate=True)
    response._content = body
    response._content_consumed = True  # type: ignore[attr-defined]


def quoted_body(response: requests.Response, cap: int = MAX_ERROR_BODY) -> bytes:
    """At most ``cap`` bytes of the body of ``response``, to quote in a message (an error
    answer's): the body already read (a preloaded response) or read now, cut at ``cap``. A
    body that cannot be read is quoted as empty, since the status already says what went
    wrong; the response is closed."""
    try:
        if getattr(response, "_content_consumed", False):
            return (response.content or b"")[:cap]
        return read_body(response, cap, truncate=True)
    except TransportError:
        return b""
    finally:
        response.close()
