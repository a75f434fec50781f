"""Go's ``net/url``: ``url.Parse`` and ``URL.String``, on bytes.

The reference parses mirrors and login addresses with ``url.Parse`` and prints endpoints with
``URL.String``. :mod:`urllib.parse` differs: ``http://host?`` has an empty query in Go,
``https:host`` is an opaque URL with no path, control characters, bad ``%``-escapes in a host
and bad userinfo are refused, each with its own message.
:func:`~registry_core.gocompat.url_parse` raises
:class:`~registry_core.errors.InvalidArgumentError` with Go's ``url.Error`` text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgumentError
from .strconv import from_bytes, go_quote

__all__ = ["GoURL", "Userinfo", "url_parse"]


_ENCODE_PATH, _ENCODE_PATH_SEGMENT, _ENCODE_HOST, _ENCODE_ZONE = 1, 2, 3, 4
_ENCODE_USER_PASSWORD, _ENCODE_QUERY_COMPONENT, _ENCODE_FRAGMENT = 5, 6, 7
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def _should_escape(c: int, mode: int) -> bool:
    if 0x61 <= c <= 0x7A or 0x41 <= c <= 0x5A or 0x30 <= c <= 0x39:
        return False
    if mode in (_ENCODE_HOST, _ENCODE_ZONE) and c in b"!$&'()*+,;=:[]<>\"":
        return False
    if c in b"-_.~":
        return False
    if c in b"$&+,/:;=?@":
        if mode == _ENCODE_PATH:
            return c == 0x3F
        if mode == _ENCODE_PATH_SEGMENT:
            return c in b"/;,?"
        if mode == _ENCODE_USER_PASSWORD:
            return c in b"@/?:"
        if mode == _ENCODE_QUERY_COMPONENT:
            return True
        if mode == _ENCODE_FRAGMENT:
            return False
    # The fragment leaves a few sub-delims alone; everything else is escaped.
    return not (mode == _ENCODE_FRAGMENT and c in b"!()*")


def _unescape(s: bytes, mode: int) -> bytes:
    n = 0
    has_plus = False
    i = 0
    while i < len(s):
        c = s[i]
        if c == 0x25:  # %
            n += 1
            if i + 2 >= len(s) or s[i + 1] not in _HEX_DIGITS or s[i + 2] not in _HEX_DIGITS:
                raise InvalidArgumentError(f"invalid URL escape {go_quote(s[i : i + 3])}")
            # In a host, %-encoding is only for non-ASCII bytes, and %25 (RFC 6874).
            if mode == _ENCODE_HOST and int(s[i + 1 : i + 2], 16) < 8 and s[i : i + 3] != b"%25":
                raise InvalidArgumentError(f"invalid URL escape {go_quote(s[i : i + 3])}")
            if mode == _ENCODE_ZONE:
                v = int(s[i + 1 : i + 3], 16)
                if s[i : i + 3] != b"%25" and v != 0x20 and _should_escape(v, _ENCODE_HOST):
                    raise InvalidArgumentError(f"invalid URL escape {go_quote(s[i : i + 3])}")
            i += 3
        elif c == 0x2B:  # +
            has_plus = mode == _ENCODE_QUERY_COMPONENT
            i += 1
        else:
            if mode in (_ENCODE_HOST, _ENCODE_ZONE) and c < 0x80 and _should_escape(c, mode):
                raise InvalidArgumentError(
                    f"invalid character {go_quote(s[i : i + 1])} in host name"
                )
            i += 1
    if n == 0 and not has_plus:
        return s
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == 0x25:
            out.append(int(s[i + 1 : i + 3], 16))
            i += 3
            continue
        if c == 0x2B and mode == _ENCODE_QUERY_COMPONENT:
            out.append(0x20)
        else:
            out.append(c)
        i += 1
    return bytes(out)


def _escape(s: bytes, mode: int) -> bytes:
    out = bytearray()
    for c in s:
        if c == 0x20 and mode == _ENCODE_QUERY_COMPONENT:
            out.append(0x2B)
        elif _should_escape(c, mode):
            out += b"%%%02X" % c
        else:
            out.append(c)
    return bytes(out)


def _valid_encoded(s: bytes, mode: int) -> bool:
    for c in s:
        if c in b"!$&'()*+,;=:@[]%":
            continue
        if _should_escape(c, mode):
            return False
    return True


@dataclass
class Userinfo:
    """Go's ``url.Userinfo``: ``password_set`` tells ``user:`` (an empty password) from
    ``user``, which print differently."""

    username: bytes
    password: bytes = b""
    password_set: bool = False

    def string(self) -> bytes:
        """Go ``Userinfo.String()``: escaped, as it appears before the ``@``."""
        out = _escape(self.username, _ENCODE_USER_PASSWORD)
        if self.password_set:
            out += b":" + _escape(self.password, _ENCODE_USER_PASSWORD)
        return out


@dataclass
class GoURL:
    """Go's ``url.URL``, with every field as bytes (Go strings are bytes, and a URL may hold
    %-escapes of bytes that are not UTF-8)."""

    scheme: bytes = b""
    opaque: bytes = b""
    user: Userinfo | None = None
    host: bytes = b""
    path: bytes = b""
    raw_path: bytes = b""
    omit_host: bool = False
    force_query: bool = False
    raw_query: bytes = b""
    fragment: bytes = b""
    raw_fragment: bytes = b""

    def set_path(self, p: bytes) -> None:
        """Go ``URL.setPath``: keep the escaped form as ``raw_path`` only where escaping the
        decoded path would not give it back, so :meth:`string` prints what was parsed."""
        self.path = _unescape(p, _ENCODE_PATH)
        self.raw_path = b"" if _escape(self.path, _ENCODE_PATH) == p else p

    def set_fragment(self, f: bytes) -> None:
        """Go ``URL.setFragment``: as :meth:`set_path`, for the fragment."""
        self.fragment = _unescape(f, _ENCODE_FRAGMENT)
        self.raw_fragment = b"" if _escape(self.fragment, _ENCODE_FRAGMENT) == f else f

    def escaped_path(self) -> bytes:
        """Go ``URL.EscapedPath``: ``raw_path`` when it is still valid, else the escaped
        path."""
        if self.raw_path and _valid_encoded(self.raw_path, _ENCODE_PATH):
            try:
                if _unescape(self.raw_path, _ENCODE_PATH) == self.path:
                    return self.raw_path
            except InvalidArgumentError:
                pass
        if self.path == b"*":
            return b"*"
        return _escape(self.path, _ENCODE_PATH)

    def escaped_fragment(self) -> bytes:
        """Go ``URL.EscapedFragment``: as :meth:`escaped_path`, for the fragment."""
        if self.raw_fragment and _valid_encoded(self.raw_fragment, _ENCODE_FRAGMENT):
            try:
                if _unescape(self.raw_fragment, _ENCODE_FRAGMENT) == self.fragment:
                    return self.raw_fragment
            except InvalidArgumentError:
                pass
        return _escape(self.fragment, _ENCODE_FRAGMENT)

    def string(self) -> bytes:
        """Go ``URL.String()``."""
        buf = bytearray()
        if self.scheme:
            buf += self.scheme + b":"
        if self.opaque:
            buf += self.opaque
        else:
            has_authority = self.scheme or self.host or self.user is not None
            omitted = self.omit_host and not self.host and self.user is None
            if has_authority and not omitted:
                if self.host or self.path or self.user is not None:
                    buf += b"//"
                if self.user is not None:
                    buf += self.user.string() + b"@"
                if self.host:
                    buf += _escape(self.host, _ENCODE_HOST)
            path = self.escaped_path()
            if path and path[:1] != b"/" and self.host:
                buf += b"/"
            if not buf and b":" in path.partition(b"/")[0]:
                buf += b"./"
            buf += path
        if self.force_query or self.raw_query:
            buf += b"?" + self.raw_query
        if self.fragment:
            buf += b"#" + self.escaped_fragment()
        return bytes(buf)

    def string_text(self) -> str:
        """:meth:`string` as a Python string (see :func:`from_bytes`)."""
        return from_bytes(self.string())


def _get_scheme(raw: bytes) -> tuple[bytes, bytes]:
    for i, c in enumerate(raw):
        if 0x61 <= c <= 0x7A or 0x41 <= c <= 0x5A:
            continue
        if 0x30 <= c <= 0x39 or c in b"+-.":
            if i == 0:
                return b"", raw
            continue
        if c == 0x3A:  # :
            if i == 0:
                raise InvalidArgumentError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return b"", raw
    return b"", raw


def _valid_optional_port(port: bytes) -> bool:
    if not port:
        return True
    if port[:1] != b":":
        return False
    return all(0x30 <= c <= 0x39 for c in port[1:])


def _parse_host(host: bytes) -> bytes:
    if host.startswith(b"["):
        i = host.rfind(b"]")
        if i < 0:
            raise InvalidArgumentError("missing ']' in host")
        colon_port = host[i + 1 :]
        if not _valid_optional_port(colon_port):
            raise InvalidArgumentError(f"invalid port {go_quote(colon_port)} after host")
        zone = host[:i].find(b"%25")
        if zone >= 0:
            return (
                _unescape(host[:zone], _ENCODE_HOST)
                + _unescape(host[zone:i], _ENCODE_ZONE)
                + _unescape(host[i:], _ENCODE_HOST)
            )
    else:
        i = host.rfind(b":")
        if i != -1:
            colon_port = host[i:]
            if not _valid_optional_port(colon_port):
                raise InvalidArgumentError(f"invalid port {go_quote(colon_port)} after host")
    return _unescape(host, _ENCODE_HOST)


_USERINFO_CHARS = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._:~!$&'()*+,;=%@"
)


def _parse_authority(authority: bytes) -> tuple[Userinfo | None, bytes]:
    i = authority.rfind(b"@")
    host = _parse_host(authority if i < 0 else authority[i + 1 :])
    if i < 0:
        return None, host
    userinfo = authority[:i]
    if any(c not in _USERINFO_CHARS for c in userinfo):
        raise InvalidArgumentError("net/url: invalid userinfo")
    if b":" not in userinfo:
        return Userinfo(_unescape(userinfo, _ENCODE_USER_PASSWORD)), host
    username, _, password = userinfo.partition(b":")
    return (
        Userinfo(
            _unescape(username, _ENCODE_USER_PASSWORD),
            _unescape(password, _ENCODE_USER_PASSWORD),
            True,
        ),
        host,
    )


def _parse(raw: bytes) -> GoURL:
    """Go ``url.parse(rawURL, viaRequest=false)``."""
    if any(c < 0x20 or c == 0x7F for c in raw):
        raise InvalidArgumentError("net/url: invalid control character in URL")
    url = GoURL()
    if raw == b"*":
        url.path = b"*"
        return url
    scheme, rest = _get_scheme(raw)
    url.scheme = scheme.lower()
    if rest.endswith(b"?") and rest.count(b"?") == 1:
        url.force_query = True
        rest = rest[:-1]
    else:
        rest, _, url.raw_query = rest.partition(b"?")
    if not rest.startswith(b"/"):
        if url.scheme:
            url.opaque = rest  # a rootless path is opaque (RFC 3986)
            return url
        if b":" in rest.partition(b"/")[0]:
            raise InvalidArgumentError("first path segment in URL cannot contain colon")
    if (url.scheme or not rest.startswith(b"///")) and rest.startswith(b"//"):
        authority, rest = rest[2:], b""
        slash = authority.find(b"/")
        if slash >= 0:
            authority, rest = authority[:slash], authority[slash:]
        url.user, url.host = _parse_authority(authority)
    elif url.scheme and rest.startswith(b"/"):
        url.omit_host = True
    url.set_path(rest)
    return url


def url_parse(raw: bytes) -> GoURL:
    """Go ``url.Parse``; errors carry ``url.Error``'s text: ``parse "<url>": <reason>``."""
    head, _, frag = raw.partition(b"#")
    try:
        url = _parse(head)
    except InvalidArgumentError as exc:
        raise InvalidArgumentError(f"parse {go_quote(head)}: {exc}") from exc
    if not frag:
        return url
    try:
        url.set_fragment(frag)
    except InvalidArgumentError as exc:
        raise InvalidArgumentError(f"parse {go_quote(raw)}: {exc}") from exc
    return url
