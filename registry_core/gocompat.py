"""What Go's ``net/url``, ``net``, ``strconv``, ``strings``, ``time`` and ``net/http`` do, where
Python's standard library differs.

The reference decides what it accepts, and words its errors, through Go's standard library:
``url.Parse`` for mirrors and login addresses, ``net.ParseCIDR``, ``net.ParseIP`` and
``net.SplitHostPort`` for insecure registries, ``strconv.Atoi`` for ports, ``%q``
(``strconv.Quote``) in most messages, and ``time.Time.UnmarshalJSON`` for the ``issued_at`` of
a token response; ``strings.ToLower``, ``http.StatusText`` and the ``%s`` of an ``http.Header``
where the reference's messages show them. :mod:`urllib.parse`, :mod:`ipaddress` and
:mod:`datetime` disagree with those in many corners: ``http://host?`` has an empty query in Go,
``https:host`` is an opaque URL with no path, ``net.ParseIP`` refuses IPv4 octets with leading
zeros, an IPv4-mapped range is printed and matched as an IPv4 one, Go's RFC 3339 layout wants
an upper-case ``T`` where :meth:`~datetime.datetime.fromisoformat` takes a space, and the texts
of the errors differ throughout. This module reproduces exactly the parts the reference uses,
so that the same input is accepted or refused with the same message; it is not a general port
of those packages. Go's ``encoding/json`` is in :mod:`registry_core.gojson`.

Go strings are bytes, so the URL functions work on bytes: :func:`to_bytes` gives the UTF-8
encoding of a Python string and :func:`from_bytes` turns a result back into one; neither
fails on any input. Functions that Go makes return an error raise
:class:`~registry_core.errors.InvalidArgumentError` with Go's text; the callers in
:mod:`registry_core.config`, :mod:`registry_core.login` and :mod:`registry_core.authorizer`
wrap it in their own error types. Functions where the reference only checks whether Go
returned an error return ``None`` instead.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import InvalidArgumentError

if TYPE_CHECKING:
    import requests

    from .types import NetIPNet

__all__ = [
    "GoURL",
    "ParsedCIDR",
    "Userinfo",
    "from_bytes",
    "go_atoi",
    "go_header_map",
    "go_ip_string",
    "go_quote",
    "go_status_text",
    "go_to_lower",
    "parse_cidr",
    "parse_ip",
    "parse_ip_zone",
    "split_host_port",
    "time_quote",
    "time_unmarshal_json",
    "to_address",
    "to_bytes",
    "url_parse",
]


# ---- strings and strconv: Quote, Atoi --------------------------------------------------------


def to_bytes(value: str) -> bytes:
    """The bytes Go would hold for ``value``: its UTF-8 encoding. A lone surrogate is encoded
    as its three bytes rather than refused, so that no string makes this raise."""
    return value.encode("utf-8", "surrogatepass")


def from_bytes(value: bytes) -> str:
    """A Python string for Go's bytes (a parsed host, a URL to print). A byte that is not
    UTF-8 becomes a lone surrogate (``surrogateescape``) rather than an error; note that
    :func:`to_bytes` encodes that surrogate as three bytes, not as the original byte."""
    return value.decode("utf-8", "surrogateescape")


def go_quote(value: str | bytes) -> str:
    """Go ``strconv.Quote`` (what ``%q`` prints): printable runes as they are, others and
    invalid UTF-8 bytes escaped."""
    data = to_bytes(value) if isinstance(value, str) else value
    out = ['"']
    i = 0
    while i < len(data):
        byte = data[i]
        char: str | None = None
        if byte < 0x80:
            char, width = chr(byte), 1
        else:
            for width in (2, 3, 4):
                try:
                    decoded = data[i : i + width].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if len(decoded) == 1:
                    char = decoded
                    break
        if char is None:
            out.append(f"\\x{byte:02x}")
            i += 1
            continue
        i += width
        out.append(_quote_rune(char))
    out.append('"')
    return "".join(out)


_SIMPLE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                   "\v": "\\v", '"': '\\"', "\\": "\\\\"}


def _quote_rune(char: str) -> str:
    if char in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[char]
    if char.isprintable():  # Go's unicode.IsPrint: L, M, N, P, S and ASCII space
        return char
    code = ord(char)
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def go_atoi(s: str) -> int:
    """Go ``strconv.Atoi`` on a 64-bit machine.

    :raises InvalidArgumentError: with Go's text, e.g. ``strconv.Atoi: parsing "x": invalid
        syntax``.
    """
    data = to_bytes(s)

    def error(reason: str) -> InvalidArgumentError:
        return InvalidArgumentError(f"strconv.Atoi: parsing {go_quote(data)}: {reason}")

    if 0 < len(data) < 19:  # the fast path: fits in an int64 whatever the digits
        digits = data[1:] if data[:1] in (b"-", b"+") else data
        if not digits or any(not 0x30 <= c <= 0x39 for c in digits):
            raise error("invalid syntax")
        value = int(digits)
        return -value if data[:1] == b"-" else value
    # The slow path: strconv.ParseInt(s, 10, 0).
    if not data:
        raise error("invalid syntax")
    negative = data[:1] == b"-"
    digits = data[1:] if data[:1] in (b"-", b"+") else data
    if not digits:
        raise error("invalid syntax")
    value = 0
    for c in digits:
        if not 0x30 <= c <= 0x39:
            raise error("invalid syntax")
        value = value * 10 + (c - 0x30)
        if value > 0xFFFFFFFFFFFFFFFF:  # ParseUint stops at the first overflow
            raise error("value out of range")
    if (not negative and value >= 1 << 63) or (negative and value > 1 << 63):
        raise error("value out of range")
    return -value if negative else value


# ---- net: SplitHostPort, ParseIP, ParseCIDR, IPNet.String -----------------------------------


def split_host_port(hostport: str) -> tuple[str, str] | None:
    """Go ``net.SplitHostPort``; ``None`` where Go returns an error."""
    i = hostport.rfind(":")
    if i < 0:
        return None
    j = k = 0
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0 or end + 1 == len(hostport) or end + 1 != i:
            return None
        host = hostport[1:end]
        j, k = 1, end + 1
    else:
        host = hostport[:i]
        if ":" in host:
            return None
    if "[" in hostport[j:] or "]" in hostport[k:]:
        return None
    return host, hostport[i + 1 :]


_BIG = 0xFFFFFF


def _dtoi(s: str) -> tuple[int, int, bool]:
    n = 0
    i = 0
    while i < len(s) and "0" <= s[i] <= "9":
        n = n * 10 + ord(s[i]) - 0x30
        if n >= _BIG:
            return _BIG, i, False
        i += 1
    if i == 0:
        return 0, 0, False
    return n, i, True


def _xtoi(s: str) -> tuple[int, int, bool]:
    n = 0
    i = 0
    while i < len(s):
        c = s[i]
        if "0" <= c <= "9" or "a" <= c <= "f" or "A" <= c <= "F":
            n = n * 16 + int(c, 16)
        else:
            break
        if n >= _BIG:
            return 0, i, False
        i += 1
    if i == 0:
        return 0, i, False
    return n, i, True


_V4_IN_V6_PREFIX = b"\x00" * 10 + b"\xff\xff"


def _parse_ipv4(s: str) -> bytes | None:
    """Go ``parseIPv4``: the 16-byte form, or ``None``."""
    octets = bytearray()
    for i in range(4):
        if not s:
            return None
        if i > 0:
            if s[0] != ".":
                return None
            s = s[1:]
        n, c, ok = _dtoi(s)
        if not ok or n > 0xFF:
            return None
        if c > 1 and s[0] == "0":  # no leading zeros
            return None
        s = s[c:]
        octets.append(n)
    if s:
        return None
    return _V4_IN_V6_PREFIX + bytes(octets)


def _parse_ipv6(s: str) -> bytes | None:
    """Go ``parseIPv6`` (no zone): 16 bytes, or ``None``."""
    ip = bytearray(16)
    ellipsis = -1
    if len(s) >= 2 and s[0] == ":" and s[1] == ":":
        ellipsis = 0
        s = s[2:]
        if not s:
            return bytes(ip)
    i = 0
    while i < 16:
        n, c, ok = _xtoi(s)
        if not ok or n > 0xFFFF:
            return None
        if c < len(s) and s[c] == ".":  # the trailing IPv4 part
            if ellipsis < 0 and i != 12:
                return None
            if i + 4 > 16:
                return None
            ip4 = _parse_ipv4(s)
            if ip4 is None:
                return None
            ip[i : i + 4] = ip4[12:]
            s = ""
            i += 4
            break
        ip[i] = n >> 8
        ip[i + 1] = n & 0xFF
        i += 2
        s = s[c:]
        if not s:
            break
        if s[0] != ":" or len(s) == 1:
            return None
        s = s[1:]
        if s[0] == ":":
            if ellipsis >= 0:
                return None
            ellipsis = i
            s = s[1:]
            if not s:
                break
    if s:
        return None
    if i < 16:
        if ellipsis < 0:
            return None
        shift = 16 - i
        ip[ellipsis + shift : 16] = ip[ellipsis:i]
        ip[ellipsis : ellipsis + shift] = bytes(shift)
    elif ellipsis >= 0:
        return None  # the ellipsis must stand for at least one group
    return bytes(ip)


def parse_ip(s: str) -> bytes | None:
    """Go ``net.ParseIP``: the 16-byte form of an IPv4 or IPv6 literal, else ``None``."""
    for c in s:
        if c == ".":
            return _parse_ipv4(s)
        if c == ":":
            return _parse_ipv6(s)
    return None


def parse_ip_zone(s: str) -> bytes | None:
    """Go ``parseIPZone``, as ``net.LookupIP`` uses it: an IPv6 zone is allowed and dropped."""
    for c in s:
        if c == ".":
            return _parse_ipv4(s)
        if c == ":":
            i = s.rfind("%")
            return _parse_ipv6(s[:i] if i > 0 else s)
    return None


def _to4(ip: bytes) -> bytes | None:
    if len(ip) == 4:
        return ip
    if len(ip) == 16 and ip[:12] == _V4_IN_V6_PREFIX:
        return ip[12:]
    return None


def to_address(ip: bytes) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The :mod:`ipaddress` form of a :func:`parse_ip` result; an IPv4-mapped address is its
    IPv4 address, as Go's ``IP.To4`` makes it."""
    four = _to4(ip)
    if four is not None:
        return ipaddress.IPv4Address(four)
    return ipaddress.IPv6Address(ip)


@dataclass(frozen=True)
class ParsedCIDR:
    """A range as ``net.ParseCIDR`` reads it, in the forms the reference uses it."""

    #: The network as Python sees it: Go's IPNet.Contains and String() agree with it, given
    #: that IPv4-mapped addresses are treated as IPv4 (as registry_core.config matches them).
    network: NetIPNet
    #: Go's IPNet.String().
    string: str
    #: What Go compares to find a duplicate insecure range: IP.String() and Mask.String().
    key: tuple[bytes, bytes]


def _cidr_mask(ones: int, bits: int) -> bytes:
    value = ((1 << ones) - 1) << (bits - ones) if ones else 0
    return value.to_bytes(bits // 8, "big")


def parse_cidr(s: str) -> ParsedCIDR | None:
    """Go ``net.ParseCIDR``, then the network as the reference stores and prints it."""
    i = s.find("/")
    if i < 0:
        return None
    addr, mask = s[:i], s[i + 1 :]
    ip = _parse_ipv4(addr)
    bits = 32
    if ip is None:
        bits = 128
        ip = _parse_ipv6(addr)
    n, consumed, ok = _dtoi(mask)
    if ip is None or not ok or consumed != len(mask) or n > bits:
        return None
    mask_bytes = _cidr_mask(n, bits)
    source = ip[12:] if bits == 32 else ip
    masked = bytes(a & b for a, b in zip(source, mask_bytes, strict=True))
    four = _to4(masked)
    network: NetIPNet
    if four is not None:
        # An IPv4 range; or an IPv4-mapped IPv6 one (n >= 96), which Go prints and matches
        # as the IPv4 range of n - 96 bits.
        network = ipaddress.IPv4Network((four, n if bits == 32 else n - 96))
    else:
        network = ipaddress.IPv6Network((masked, n))
    key = (four if four is not None else masked, mask_bytes)
    return ParsedCIDR(network=network, string=f"{go_ip_string(masked)}/{network.prefixlen}",
                       key=key)


def go_ip_string(ip: bytes) -> str:
    """Go ``IP.String()``."""
    four = _to4(ip)
    if four is not None:
        return ".".join(str(b) for b in four)
    groups = [(ip[k] << 8) | ip[k + 1] for k in range(0, 16, 2)]
    best_start, best_len = -1, 0
    k = 0
    while k < 8:
        if groups[k] == 0:
            run = k
            while run < 8 and groups[run] == 0:
                run += 1
            if run - k > best_len:
                best_start, best_len = k, run - k
            k = run
        else:
            k += 1
    if best_len < 2:
        return ":".join(f"{g:x}" for g in groups)
    head = ":".join(f"{g:x}" for g in groups[:best_start])
    tail = ":".join(f"{g:x}" for g in groups[best_start + best_len :])
    return f"{head}::{tail}"


# ---- net/url: Parse and URL.String ----------------------------------------------------------

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


# ---- time: Time.UnmarshalJSON (RFC 3339) -----------------------------------------------------
#
# By hand: datetime.fromisoformat before Python 3.11 refuses "Z" and nine-digit fractions, and
# accepts a space for the "T" that Go requires.

# Go 1.19 time.Parse(`"`+time.RFC3339+`"`, raw JSON): what time.Time.UnmarshalJSON does.
_TIME_LAYOUT = b'"2006-01-02T15:04:05Z07:00"'
_TIME_CHUNKS = (
    (b'"', b"2006"), (b"-", b"01"), (b"-", b"02"), (b"T", b"15"), (b":", b"04"),
    (b":", b"05"), (b"", b"Z07:00"), (b'"', b""),
)
_ZERO_TIME = -62135596800  # 0001-01-01T00:00:00Z, Go's zero time, in Unix seconds


def time_quote(data: bytes) -> str:
    """Go's ``time`` package ``quote``: bytes outside printable ASCII as ``\\xNN``."""
    out = ['"']
    for byte in data:
        if byte >= 0x80 or byte < 0x20:
            out.append(f"\\x{byte:02x}")
        elif byte in b'"\\':
            out.append("\\" + chr(byte))
        else:
            out.append(chr(byte))
    return "".join(out) + '"'


def _digit(data: bytes, index: int) -> bool:
    return index < len(data) and 0x30 <= data[index] <= 0x39


def _getnum(data: bytes, fixed: bool) -> tuple[int, bytes, bool]:
    """Go's ``getnum``: one or two digits (``fixed``: two)."""
    if not _digit(data, 0):
        return 0, data, False
    if not _digit(data, 1):
        if fixed:
            return 0, data, False
        return data[0] - 0x30, data[1:], True
    return (data[0] - 0x30) * 10 + data[1] - 0x30, data[2:], True


def _time_atoi(data: bytes) -> tuple[int, bool]:
    """Go ``time.atoi``: an optional sign and digits (none is 0)."""
    negative = data[:1] == b"-"
    if data[:1] in (b"-", b"+"):
        data = data[1:]
    if any(not 0x30 <= byte <= 0x39 for byte in data) or len(data) > 18:
        return 0, False
    number = int(data) if data else 0
    return (-number if negative else number), True


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (any year, 0 included)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def time_unmarshal_json(raw: bytes) -> float | None:
    """Go ``time.Time.UnmarshalJSON`` (go1.19): ``raw``, a JSON value's text as it was sent
    (string quotes and escapes included), parsed with ``time.Parse`` and the layout
    ``"2006-01-02T15:04:05Z07:00"`` (RFC 3339 in quotes).

    A four-digit year, two-digit month, day, minute and second, a one- or two-digit hour, an
    optional fraction of any length after ``.`` or ``,`` (truncated to nanoseconds), then
    ``Z`` or ``±hh:mm``. Upper-case ``T`` and ``Z`` only; no space for the ``T``; ranges
    checked as Go checks them.

    :returns: seconds since the epoch; ``None`` for ``null`` (which Go ignores) and for Go's
        zero time, ``0001-01-01T00:00:00Z`` in any zone.
    :raises InvalidArgumentError: with Go's text, e.g. ``parsing time "\\"2024-01-01
        12:00:00Z\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse " 12:00:00Z\\"" as
        "T"``.
    """
    if raw == b"null":
        return None
    value = raw
    year = month = day = hour = minute = second = nanos = offset = 0

    def cannot(elem: bytes, layout_elem: bytes) -> InvalidArgumentError:
        return InvalidArgumentError(
            f"parsing time {time_quote(raw)} as {time_quote(_TIME_LAYOUT)}: cannot parse "
            f"{time_quote(elem)} as {time_quote(layout_elem)}"
        )

    def out_of_range(what: str) -> InvalidArgumentError:
        return InvalidArgumentError(f"parsing time {time_quote(raw)}: {what} out of range")

    for prefix, std in _TIME_CHUNKS:
        if value[: len(prefix)] != prefix:
            raise cannot(value, prefix)
        value = value[len(prefix) :]
        if not std:
            if value:
                raise InvalidArgumentError(
                    f"parsing time {time_quote(raw)}: extra text: {time_quote(value)}"
                )
            break
        ok = True
        range_error = ""
        if std == b"2006":
            if len(value) < 4 or not _digit(value, 0):
                ok = False
            else:
                digits, value = value[:4], value[4:]
                year, ok = _time_atoi(digits)
        elif std == b"01":
            month, value, ok = _getnum(value, True)
            if ok and not 1 <= month <= 12:
                range_error = "month"
        elif std == b"02":
            day, value, ok = _getnum(value, True)
        elif std == b"15":
            hour, value, ok = _getnum(value, False)
            if not 0 <= hour < 24:
                range_error = "hour"
        elif std == b"04":
            minute, value, ok = _getnum(value, True)
            if not 0 <= minute < 60:
                range_error = "minute"
        elif std == b"05":
            second, value, ok = _getnum(value, True)
            if not 0 <= second < 60:
                range_error = "second"
            elif len(value) >= 2 and value[:1] in (b".", b",") and _digit(value, 1):
                end = 2
                while _digit(value, end):
                    end += 1
                digits = value[1 : min(end, 10)]
                nanos = int(digits) * 10 ** (9 - len(digits))
                value = value[end:]
                ok = True  # Go's parseNanoseconds clears getnum's error here
        else:  # Z07:00
            if value[:1] == b"Z":
                value = value[1:]
                offset = 0
            elif len(value) < 6 or value[3:4] != b":":
                ok = False
            else:
                sign, hours, minutes, value = value[:1], value[1:3], value[4:6], value[6:]
                hour_offset, ok = _time_atoi(hours)
                minute_offset = 0
                if ok:
                    minute_offset, ok = _time_atoi(minutes)
                offset = (hour_offset * 60 + minute_offset) * 60
                if sign == b"-":
                    offset = -offset
                elif sign != b"+":
                    ok = False
        if range_error:
            raise out_of_range(range_error)
        if not ok:
            raise cannot(value, std)
    if not 1 <= day <= _days_in(month, year):
        raise out_of_range("day")
    seconds = (
        _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    )
    if seconds == _ZERO_TIME and nanos == 0:
        return None
    return seconds + nanos / 1e9


# ---- strings: ToLower -------------------------------------------------------------------------


# Capital letters that gained a lower-case mapping in Unicode 14.0. The reference's Go (1.19)
# has Unicode 13.0 tables, so to it these letters have no case; Python 3.11 lowers them.
_CASED_SINCE_UNICODE_14_REGEXP = re.compile(
    "[\u2c2f\ua7c0\ua7d0\ua7d6\ua7d8\U00010570-\U0001057a\U0001057c-\U0001058a"
    "\U0001058c-\U00010592\U00010594\U00010595]"
)


def _go_to_lower_char(char: str) -> str:
    if _CASED_SINCE_UNICODE_14_REGEXP.match(char):
        return char
    return char.lower()[0]


def go_to_lower(s: str) -> str:
    """Go's ``strings.ToLower``: each code point through its simple (one-to-one) mapping.

    Python's ``str.lower`` applies the full mapping, which differs in ways that change which
    error a reference gets: it turns U+0130 (capital I with dot) into two code points, where Go
    gives a plain ``i`` (so ``İ.com/x`` would parse once lowered), and it lowers a final
    capital sigma by context. Lowering code point by code point and keeping the first code
    point of the result reproduces Go's mapping; letters newer than Go's Unicode tables are
    left alone, as Go leaves them.
    """
    if s.isascii():
        return s.lower()
    return "".join(_go_to_lower_char(char) for char in s)


# ---- net/http: StatusText, Header ------------------------------------------------------------


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
