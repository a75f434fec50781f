"""Go's ``url.Error`` texts for requests that failed: ``Get "https://host/v2/": <why>``, with
the URL redacted and the cause read out of requests' and urllib3's wrappers.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import MaxRetryError
from urllib3.exceptions import ProxyError as Urllib3ProxyError

from .errors import TransportError
from .redact import _USERINFO, redact_url
from .tlshint import certs_d_hint

__all__ = ["go_op", "transport_error", "url_error"]

_POOL_PREFIX = re.compile(r"^\w+\(host=[^)]*\):\s*")
_OBJECT_PREFIX = re.compile(r"^<[^>]* object at 0x[0-9a-f]+>:\s*")


def go_op(method: str | None) -> str:
    """Go's ``url.Error`` operation for ``method``: ``Get``, ``Post``, ..."""
    method = method or "GET"
    return method[:1].upper() + method[1:].lower()


def url_error(method: str | None, url: str, reason: object) -> str:
    """Go's ``url.Error`` text, ``Get "https://host/v2/": <reason>``, with the URL redacted
    (:func:`~registry_core.redact.redact_url`: no user info, no query)."""
    return f'{go_op(method)} "{redact_url(url)}": {reason}'


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost error requests and urllib3 wrapped (they wrap through ``args`` and
    ``reason``; following ``__cause__`` would reach bare socket errors with less context)."""
    seen: set[int] = set()
    current = exc
    while id(current) not in seen:
        seen.add(id(current))
        following: BaseException | None = None
        if isinstance(current, MaxRetryError) and current.reason is not None:
            following = current.reason
        elif isinstance(current, Urllib3ProxyError) and current.original_error is not None:
            following = current.original_error
        elif current.args and isinstance(current.args[0], BaseException):
            following = current.args[0]
        if following is None:
            break
        current = following
    return current


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.exceptions.SSLError):
        kind = "TLS error"
    elif isinstance(exc, requests.exceptions.ProxyError):
        kind = "proxy error"
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        kind = "connect timed out"
    elif isinstance(exc, requests.exceptions.ReadTimeout):
        kind = "read timed out"
    elif isinstance(exc, requests.exceptions.ConnectionError):
        kind = "connection failed"
    else:
        kind = type(exc).__name__
    root = _root_cause(exc)
    text = str(root)
    if len(root.args) >= 2 and isinstance(root.args[-1], str):
        text = root.args[-1]  # urllib3's (connection or pool, [url,] message)
    text = _OBJECT_PREFIX.sub("", _POOL_PREFIX.sub("", text)).strip()
    return f"{kind}: {text}" if text else kind


def transport_error(
    request: requests.PreparedRequest, exc: requests.RequestException, proxy: str | None
) -> TransportError:
    """The :class:`~registry_core.errors.TransportError` for a request requests could not
    complete: Go's ``url.Error`` text with what went wrong, and never a password."""
    message = url_error(request.method, request.url or "", _describe(exc))
    hint = certs_d_hint(request.url or "", exc)
    if hint is not None:
        message += f" ({hint})"
    if proxy is not None:
        message += f" (proxy {redact_url(proxy)})"
    message = _USERINFO.sub(r"\g<scheme>***@", message)
    for url in (request.url or "", proxy or ""):
        password = urlsplit(url).password if url else None
        if password:
            message = message.replace(password, "***")
    return TransportError(message)
