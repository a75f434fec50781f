"""Validation of index names, mirrors and ``host[:port]`` entries, with the reference's
messages (Go ``ValidateIndexName``, ``ValidateMirror``, ``validateNoScheme``,
``validateHostPort``).

Mirrors are parsed as Go's ``url.Parse`` parses them (:mod:`registry_core.gocompat.neturl`),
and a password in one never reaches a message.
"""

from __future__ import annotations

import dataclasses

from ..constants import INDEX_HOSTNAME, INDEX_NAME
from ..errors import (
    InvalidArgumentError,
    InvalidIndexNameError,
    InvalidMirrorError,
    InvalidRepositoryNameError,
)
from ..gocompat import (
    GoURL,
    Userinfo,
    go_atoi,
    go_quote,
    parse_ip,
    split_host_port,
    to_bytes,
    url_parse,
)
from ..redact import MASK, mask_userinfo
from ..reference import DOMAIN_REGEXP

__all__ = ["validate_index_name", "validate_mirror", "validate_no_scheme"]


def validate_index_name(val: str) -> str:
    """Validate an index (registry host) name; ``index.docker.io`` becomes ``docker.io``.

    :raises InvalidIndexNameError: the name begins or ends with a hyphen.
    """
    if val == INDEX_HOSTNAME:
        val = INDEX_NAME
    if val.startswith("-") or val.endswith("-"):
        raise InvalidIndexNameError(
            f"invalid index name ({val}). Cannot begin or end with a hyphen"
        )
    return val


def validate_mirror(val: str) -> str:
    """Validate a registry mirror URL and return it with exactly one trailing ``/``.

    Only ``http`` and ``https`` URLs without path, query, fragment or credentials pass. The
    URL is parsed as Go's ``net/url`` parses it, so some odd forms pass as they do in the
    reference (``https:host`` is an opaque URL with no path; ``http://host?`` has an empty
    query). A password never appears in the error: it is shown as ``xxxxx``. Beyond the
    reference, which masks it only in its message about credentials, that holds for every
    message, a URL that does not parse included.

    :raises InvalidMirrorError: with the reference's message.
    """
    if not isinstance(val, str):
        raise InvalidMirrorError(f"invalid mirror: must be a string, not {type(val).__name__}")
    uri, cause = _parse_masked(val)
    if uri is None:
        # Raised outside the parser's except clause, so that error (whose text holds the
        # password) is not even the implicit context of ours.
        raise InvalidMirrorError(
            f"invalid mirror: {mask_userinfo(go_quote(val))} is not a valid URI"
        ) from cause
    shown = _masked(uri)
    if uri.scheme not in (b"http", b"https"):
        raise InvalidMirrorError(
            f"invalid mirror: unsupported scheme {go_quote(uri.scheme)} "
            f"in {go_quote(shown.string())}"
        )
    if (uri.path not in (b"", b"/")) or uri.raw_query or uri.fragment:
        raise InvalidMirrorError(
            "invalid mirror: path, query, or fragment at end of the URI "
            f"{go_quote(shown.string())}"
        )
    if uri.user is not None:
        uri.user = Userinfo(uri.user.username, MASK.encode(), True)  # strip the password
        raise InvalidMirrorError(
            f"invalid mirror: username/password not allowed in URI {go_quote(uri.string())}"
        )
    return val.removesuffix("/") + "/"


def _masked(uri: GoURL) -> GoURL:
    """``uri`` with its password, if it has one, replaced by the reference's mask."""
    if uri.user is None or not uri.user.password_set:
        return uri
    return dataclasses.replace(uri, user=Userinfo(uri.user.username, MASK.encode(), True))


def _parse_masked(text: str) -> tuple[GoURL | None, InvalidArgumentError | None]:
    """``text`` parsed as Go's ``url.Parse``; or ``None`` and the parser's error with any
    password in its text masked, to chain as the cause (a traceback prints it too)."""
    try:
        return url_parse(to_bytes(text)), None
    except InvalidArgumentError as exc:
        return None, InvalidArgumentError(mask_userinfo(str(exc)))


def validate_no_scheme(name: str) -> None:
    """Refuse a repository name or search term that holds a scheme (``://``).

    :raises InvalidRepositoryNameError: the reference's ``ErrInvalidRepositoryName``.
    """
    if "://" in name:
        raise InvalidRepositoryNameError()


def _validate_host_port(s: str) -> str | None:
    """Go ``validateHostPort``: ``None`` when ``s`` is a valid ``host[:port]``, else the
    error's text."""
    split = split_host_port(s)
    host, port = split if split is not None else (s, "")
    # If the host:port pattern does not match, it may be IPv6:port, which ParseIP catches.
    if DOMAIN_REGEXP.fullmatch(s) is None and parse_ip(host) is None:
        return f"invalid host {go_quote(host)}"
    if port != "":
        try:
            value = go_atoi(port)
        except InvalidArgumentError as exc:
            return str(exc)
        if value < 0 or value > 65535:
            return f"invalid port {go_quote(port)}"
    return None
