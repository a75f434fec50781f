"""Go's decoding of token responses.
distribution decodes a token answer with encoding/json into a struct (getTokenResponse or
postTokenResponse) and reports a failure as "unable to decode token response: <Go's
error>". What follows reproduces what Go 1.19 accepts there and the texts of its errors:
the JSON scanner's syntax errors and the decoder's type errors (registry_core.gojson), and
time.Time's RFC 3339 parsing (registry_core.gocompat).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import InvalidArgumentError, TokenError
from .gocompat import time_unmarshal_json
from .gojson import JSONNumber, JSONObject, json_decode, json_field, json_kind
from .redact import redact


@dataclass
class _TokenFields:
    """The fields of Go's token response structs, zero when absent."""

    token: str = ""
    access_token: str = ""
    refresh_token: str = ""
    scope: str = ""
    expires_in: int = 0
    #: Seconds since the epoch; ``None`` for Go's zero time.
    issued_at: float | None = None


_GO_INT = re.compile(r"-?[0-9]{1,19}")
_GO_INT_MIN, _GO_INT_MAX = -(1 << 63), (1 << 63) - 1
_TOKEN_STRUCTS = {
    "getTokenResponse": ("token", "access_token", "expires_in", "issued_at", "refresh_token"),
    "postTokenResponse": ("access_token", "refresh_token", "expires_in", "issued_at", "scope"),
}


def _decode_token_response(body: bytes, struct: str, secrets: Iterable[str]) -> _TokenFields:
    """Decode a token answer as Go's ``json.NewDecoder(body).Decode(&struct)`` does.

    :raises TokenError: ``unable to decode token response: <Go's error text>``, redacted.
    """
    fields = _TokenFields()
    error = _decode_into(body, struct, fields)
    if error is not None:
        raise TokenError(redact(f"unable to decode token response: {error}", secrets))
    return fields


def _decode_into(body: bytes, struct: str, fields: _TokenFields) -> str | None:
    try:
        value = json_decode(body, use_number=True)  # only the first value counts
    except InvalidArgumentError as exc:
        return str(exc)
    if value is None:
        return None
    if not isinstance(value, JSONObject):
        return f"json: cannot unmarshal {json_kind(value)} into Go value of type auth.{struct}"
    names = _TOKEN_STRUCTS[struct]
    saved: str | None = None  # Go reports the first type error after decoding the rest
    for (key, item), (start, end) in zip(value.pairs, value.spans, strict=True):
        name = json_field(key, names)
        if name is None or item is None:  # unknown fields and nulls change nothing
            continue
        if name == "issued_at":
            try:  # Go hands time.Time the value's text as sent
                fields.issued_at = time_unmarshal_json(body[start:end])
            except InvalidArgumentError as exc:
                return str(exc)  # time.Time's own error ends decoding at once
            continue
        if name == "expires_in":
            if isinstance(item, JSONNumber) and _GO_INT.fullmatch(item):
                number = int(item)
                if _GO_INT_MIN <= number <= _GO_INT_MAX:
                    fields.expires_in = number
                    continue
            kind = f"number {item}" if isinstance(item, JSONNumber) else json_kind(item)
            type_name = "int"
        elif isinstance(item, str) and not isinstance(item, JSONNumber):
            setattr(fields, name, item)
            continue
        else:
            kind, type_name = json_kind(item), "string"
        if saved is None:
            saved = (
                f"json: cannot unmarshal {kind} into Go struct field {struct}.{name} of type "
                f"{type_name}"
            )
    return saved
