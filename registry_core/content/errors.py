"""The errors of moving content, and how a registry's error answer becomes one.

A registry says what went wrong twice: in the HTTP status and in an ``{"errors": [...]}``
body of distribution's ``errcode`` entries. :func:`response_error` keeps both, so a caller
can branch on :attr:`RegistryResponseError.code` (``MANIFEST_UNKNOWN``, ``DENIED``, ...) or
catch a class (:class:`ManifestUnknownError`). The message quotes the registry's own text,
with every credential the request carried redacted: a broken or hostile registry may echo
them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import requests

from ..authorizer import authorization_secrets, errcode_text, redact
from ..bodies import quoted_body
from ..errors import AuthenticationError, RegistryError, RepositoryNotFoundError
from ..transport import redact_url

__all__ = [
    "BlobUnknownError",
    "ContentTooLargeError",
    "DeniedError",
    "DigestMismatchError",
    "ErrorEntry",
    "ManifestUnknownError",
    "MountDeclinedError",
    "NameUnknownError",
    "PlatformNotFoundError",
    "RegistryResponseError",
    "TooManyRequestsError",
    "UnexpectedResponseError",
    "response_error",
]

#: How much of an error body is read: error bodies are small; a huge one is not an error
#: body worth quoting.
_ERROR_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class ErrorEntry:
    """One entry of a registry's ``{"errors": [...]}`` body (distribution ``errcode.Error``).

    ``message`` is redacted; ``detail`` is the entry's ``detail`` member re-encoded as
    JSON (redacted), or ``""``.
    """

    code: str
    message: str
    detail: str = ""


class RegistryResponseError(RegistryError):
    """The registry answered a content request with an error.

    :ivar status: the HTTP status (``0`` when there was no answer to speak of).
    :ivar code: the first error code the registry sent (``MANIFEST_UNKNOWN``, ``DENIED``,
        ...); for an answer without an error body, the code its status implies
        (``UNAUTHORIZED`` for 401, ``TOOMANYREQUESTS`` for 429, the operation's *unknown*
        code for a 404), else ``""``.
    :ivar error_message: the registry's message for that code (redacted), or ``""``.
    :ivar errors: every entry of the error body.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str = "",
        error_message: str = "",
        errors: Sequence[ErrorEntry] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.error_message = error_message
        self.errors = tuple(errors)


class UnexpectedResponseError(RegistryResponseError):
    """An answer that is neither what the operation expects nor a registry error (Go's
    ``UnexpectedHTTPResponseError``): a proxy's page, a wrong status, a bad header."""


class NameUnknownError(RegistryResponseError, RepositoryNotFoundError):
    """``NAME_UNKNOWN``: the registry does not know the repository."""


class ManifestUnknownError(RegistryResponseError):
    """``MANIFEST_UNKNOWN``: no manifest under that tag or digest."""


class BlobUnknownError(RegistryResponseError):
    """``BLOB_UNKNOWN``: the repository has no blob with that digest."""


class DeniedError(RegistryResponseError, AuthenticationError):
    """``UNAUTHORIZED`` or ``DENIED``: the credentials (or their absence) do not allow it."""


class TooManyRequestsError(RegistryResponseError):
    """``TOOMANYREQUESTS``: the registry is rate-limiting this client."""


class MountDeclinedError(RegistryResponseError):
    """The registry declined a cross-repository mount and no source to upload from was
    given (the upload session it opened instead has been cancelled)."""


class DigestMismatchError(RegistryError):
    """Content whose digest (or size) is not the one it was asked for: never passed on.

    :ivar expected: the digest asked for.
    :ivar actual: the digest of what arrived (``""`` when the size already disagreed).
    """

    def __init__(self, message: str, *, expected: str = "", actual: str = "") -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class ContentTooLargeError(RegistryError):
    """A manifest (or other bounded document) larger than the configured limit."""


class PlatformNotFoundError(RegistryError):
    """An index with no manifest for the platform asked for."""


_CLASSES: dict[str, type[RegistryResponseError]] = {
    "NAME_UNKNOWN": NameUnknownError,
    "MANIFEST_UNKNOWN": ManifestUnknownError,
    "BLOB_UNKNOWN": BlobUnknownError,
    "UNAUTHORIZED": DeniedError,
    "DENIED": DeniedError,
    "TOOMANYREQUESTS": TooManyRequestsError,
}


def _entries(body: bytes, secrets: Iterable[str]) -> list[ErrorEntry]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return []
    entries = []
    for item in errors:
        if not isinstance(item, dict):
            continue
        code = item.get("code")
        message = item.get("message")
        detail = item.get("detail")
        entries.append(
            ErrorEntry(
                code=code if isinstance(code, str) else "UNKNOWN",
                message=redact(message, secrets) if isinstance(message, str) else "",
                detail="" if detail is None else redact(json.dumps(detail), secrets),
            )
        )
    return entries


def _read_error_body(response: requests.Response) -> bytes:
    """At most :data:`_ERROR_BODY_LIMIT` bytes of a (possibly streamed) answer."""
    if response.request is not None and response.request.method == "HEAD":
        return b""
    return quoted_body(response, _ERROR_BODY_LIMIT)


def request_secrets(response: requests.Response) -> list[str]:
    """The credentials the request that got ``response`` carried, for :func:`redact`."""
    request = response.request
    header = request.headers.get("Authorization") if request is not None else None
    return authorization_secrets(header)


def response_error(
    response: requests.Response,
    what: str,
    *,
    not_found: str = "",
    extra_secrets: Iterable[str] = (),
) -> RegistryResponseError:
    """The typed error for an error answer to the request described by ``what``.

    Reads (a bounded part of) the body and closes the response.

    :param what: what was attempted, for the message (``"fetching manifest team/app:1"``).
    :param not_found: the code a 404 without an error body implies (``MANIFEST_UNKNOWN``
        for a manifest ``HEAD``, which has no body).
    :param extra_secrets: more strings that must not appear in the message.
    """
    status = response.status_code
    body = _read_error_body(response)
    response.close()
    secrets = [*request_secrets(response), *extra_secrets]
    entries = _entries(body, secrets)
    if entries:
        code, error_message = entries[0].code, entries[0].message
    else:
        code = {401: "UNAUTHORIZED", 403: "DENIED", 429: "TOOMANYREQUESTS"}.get(status, "")
        if status == 404:
            code = not_found
        error_message = ""
    detail = errcode_text(body, status) if body else None
    if detail is None:
        reason = redact(response.reason or "", secrets) if isinstance(response.reason, str) else ""
        detail = f"unexpected HTTP status {status} {reason}".rstrip()
        if code:
            detail = f"{code.replace('_', ' ').lower()} (HTTP {status})"
    message = redact(f"{what}: {detail}", secrets)
    cls = _CLASSES.get(code)
    if cls is None:
        cls = RegistryResponseError if entries else UnexpectedResponseError
    return cls(message, status=status, code=code, error_message=error_message, errors=entries)


def unexpected(response: requests.Response, what: str, problem: str) -> UnexpectedResponseError:
    """An :class:`UnexpectedResponseError` for an answer that looked like success but is not
    usable (a bad header, a wrong status); closes the response."""
    response.close()
    url = redact_url(response.url or "")
    return UnexpectedResponseError(
        redact(f"{what}: {problem} (HTTP {response.status_code} from {url})",
               request_secrets(response)),
        status=response.status_code,
    )
