"""distribution's error-code texts (``registry/api/errcode``) for registry and token server
error bodies, and the error of a failed token request.
"""

from __future__ import annotations

from typing import Any

import requests

from .challenge import response_challenges
from .errors import AuthenticationError, InvalidArgumentError, RegistryError, TokenError
from .gojson import JSONObject, json_field, json_kind, json_unmarshal
from .redact import _sample, redact

__all__ = [
    "errcode_text",
]

#: The error codes the reference knows, with their default messages. Go registers codes
#: process-wide: ``registry/api/errcode`` registers the first six, and ``registry/api/v2``
#: (imported by distribution's client, hence by the reference) the rest. A code missing here
#: would be read as ``UNKNOWN``, so a registry's ``NAME_UNKNOWN`` became ``unknown: ...``.
_ERROR_CODES = {
    # registry/api/errcode/register.go
    "UNKNOWN": "unknown error",
    "UNSUPPORTED": "The operation is unsupported.",
    "UNAUTHORIZED": "authentication required",
    "DENIED": "requested access to the resource is denied",
    "UNAVAILABLE": "service unavailable",
    "TOOMANYREQUESTS": "too many requests",
    # registry/api/v2/errors.go
    "DIGEST_INVALID": "provided digest did not match uploaded content",
    "SIZE_INVALID": "provided length did not match content length",
    "NAME_INVALID": "invalid repository name",
    "TAG_INVALID": "manifest tag did not match URI",
    "NAME_UNKNOWN": "repository name not known to registry",
    "MANIFEST_UNKNOWN": "manifest unknown",
    "MANIFEST_INVALID": "manifest invalid",
    "MANIFEST_UNVERIFIED": "manifest failed signature verification",
    "MANIFEST_BLOB_UNKNOWN": "blob unknown to registry",
    "BLOB_UNKNOWN": "blob unknown to registry",
    "BLOB_UPLOAD_UNKNOWN": "blob upload unknown to registry",
    "BLOB_UPLOAD_INVALID": "blob upload invalid",
    "PAGINATION_NUMBER_INVALID": "invalid number of results requested",
}


def _code_text(code: str) -> str:
    return code.replace("_", " ").lower()


def _describe_errors(errors: Any) -> str | None:
    """distribution's ``errcode.Errors`` text for an ``{"errors": [...]}`` body."""
    if not isinstance(errors, list) or not errors:
        return None
    parts = []
    for entry in errors:
        if not isinstance(entry, dict):
            return None
        code = entry.get("code")
        code = code if isinstance(code, str) and code in _ERROR_CODES else "UNKNOWN"
        message = entry.get("message")
        message = message if isinstance(message, str) else ""
        if entry.get("detail") is None and message in ("", _ERROR_CODES[code]):
            parts.append(_code_text(code))
        else:
            parts.append(f"{_code_text(code)}: {message}")
    if len(parts) == 1:
        return parts[0]
    return "errors:\n" + "".join(part + "\n" for part in parts)


def errcode_text(body: bytes, status: int = 0) -> str | None:
    """The text distribution gives a registry or token server error body, or ``None``.

    A ``{"details": "..."}`` body (older servers, Docker Hub's token server) becomes
    ``<code>: <details>`` with the code implied by ``status``; an ``{"errors": [...]}`` body
    the ``errcode.Errors`` text.
    """
    try:
        data = json_unmarshal(body)  # Go's json.Unmarshal, as distribution reads it
    except InvalidArgumentError:
        return None
    if not isinstance(data, JSONObject):
        return None
    # Members are matched as Go matches struct fields (case-insensitively, the last of two
    # duplicates winning); a value of the wrong type fails that decode as a whole.
    details, details_fit, errors = "", True, None
    for key, item in data.pairs:
        if json_field(key, ("details",)) is not None:
            if isinstance(item, str):
                details = item
            elif item is not None:
                details_fit = False
        if json_field(key, ("Errors",)) is not None:
            errors = item
    if details_fit and details:
        code = {401: "UNAUTHORIZED", 403: "DENIED", 429: "TOOMANYREQUESTS"}.get(status, "UNKNOWN")
        return f"{_code_text(code)}: {details}"
    if _errors_type_error(data) is not None:
        return None
    return _describe_errors(errors)


def _token_server_error(
    status: int, reason: str, body: bytes, response: requests.Response, secrets: list[str]
) -> RegistryError:
    """The error for a failed token request, worded as distribution's ``HandleErrorResponse``.

    A 4xx becomes the server's own error text (an :class:`AuthenticationError` for 401 and
    403); anything else ``received unexpected HTTP status``. Nothing the server sent is
    quoted unredacted.
    """
    if not 400 <= status < 500:
        # Go quotes the server's own status line; a server may echo what it was sent there.
        return TokenError(
            redact(f"received unexpected HTTP status: {status} {reason}".rstrip(), secrets)
        )
    error_class: type[RegistryError] = (
        AuthenticationError if status in (401, 403) else TokenError
    )
    prefix = ""
    for challenge in response_challenges(response):
        if challenge.scheme == "bearer":
            code = {"invalid_token": "UNAUTHORIZED", "insufficient_scope": "DENIED"}.get(
                challenge.parameters.get("error", "")
            )
            if code is not None:
                description = challenge.parameters.get("error_description") or _ERROR_CODES[code]
                prefix = f"{_code_text(code)}: {description}"
                break
    text = errcode_text(body, status)
    if text is None:
        if status == 401:
            text = "unauthorized: authentication required"
        else:
            # Go's json.Unmarshal error, or distribution's ErrNoErrorsInBody.
            try:
                reason_text = _errors_type_error(json_unmarshal(body)) or (
                    "no error details found in HTTP response body"
                )
            except InvalidArgumentError as exc:
                reason_text = str(exc)
            text = f"error parsing HTTP {status} response body: {reason_text}: "
            text += _sample(body, secrets)
    # Go merges the challenge's error and the body's into one errcode.Errors list.
    message = f"errors:\n{prefix}\n{text}\n" if prefix else text
    return error_class(redact(message, secrets))


def _errors_type_error(value: Any) -> str | None:
    """Go's error for a well-formed error body (decoded to ``value``) that does not fit
    ``errcode.Errors`` at its top level or in its ``errors`` member (errors deeper in the
    entries are not reproduced)."""
    if value is None:
        return None
    if not isinstance(value, JSONObject):
        return (
            f"json: cannot unmarshal {json_kind(value)} into Go value of type "
            "struct { Errors []errcode.Error }"
        )
    for key, item in value.pairs:
        if json_field(key, ("Errors",)) is not None and item is not None and (
            not isinstance(item, list)
        ):
            return (
                f"json: cannot unmarshal {json_kind(item)} into Go struct field .Errors of "
                "type []errcode.Error"
            )
    return None
