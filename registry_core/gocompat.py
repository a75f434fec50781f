"""What Go's ``net/url``, ``net``, ``strconv`` and ``encoding/json`` do, where Python's standard
library differs.

The reference decides what it accepts, and words its errors, through Go's standard library:
``url.Parse`` for mirrors and login addresses, ``net.ParseCIDR``, ``net.ParseIP`` and
``net.SplitHostPort`` for insecure registries, ``strconv.Atoi`` for ports, ``%q``
(``strconv.Quote``) in most messages, and ``encoding/json`` for daemon.json (its syntax
errors, and the case-insensitive matching of object keys to struct fields).
:mod:`urllib.parse`, :mod:`ipaddress` and :mod:`json` disagree with those in many corners:
``http://host?`` has an empty query in Go, ``https:host`` is an opaque URL with no path,
``net.ParseIP`` refuses IPv4 octets with leading zeros, an IPv4-mapped range is printed and
matched as an IPv4 one, ``encoding/json`` reads only the first value of a stream, and the texts
of the errors differ throughout. This module reproduces exactly the parts the reference uses,
so that the same input is accepted or refused with the same message; it is not a general port
of those packages.

Go strings are bytes, so the URL functions work on bytes: :func:`to_bytes` gives the UTF-8
encoding of a Python string and :func:`from_bytes` turns a result back into one; neither
fails on any input. Functions that Go makes return an error raise
:class:`~registry_core.errors.InvalidArgumentError` with Go's text; the callers in
:mod:`registry_core.config` and :mod:`registry_core.login` wrap it in their own error types.
Functions where the reference only checks whether Go returned an error return ``None``
instead.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from .types import NetIPNet

__all__ = [
    "GoURL",
    "JSONObject",
    "ParsedCIDR",
    "Userinfo",
    "equal_fold",
    "from_bytes",
    "go_atoi",
    "go_ip_string",
    "go_quote",
    "json_decode",
    "json_field",
    "json_fold_func",
    "parse_cidr",
    "parse_ip",
    "parse_ip_zone",
    "simple_fold",
    "split_host_port",
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


# ---- unicode and encoding/json: SimpleFold, EqualFold, field matching, Decoder.Decode -------

#: Go's ``unicode.caseOrbit`` (go1.19, Unicode 13.0): the fold orbits of more than two runes.
_CASE_ORBIT = {
    0x4B: 0x6B, 0x53: 0x73, 0x6B: 0x212A, 0x73: 0x17F, 0xB5: 0x39C, 0xC5: 0xE5, 0xDF: 0x1E9E,
    0xE5: 0x212B, 0x130: 0x130, 0x131: 0x131, 0x17F: 0x53, 0x1C4: 0x1C5, 0x1C5: 0x1C6,
    0x1C6: 0x1C4, 0x1C7: 0x1C8, 0x1C8: 0x1C9, 0x1C9: 0x1C7, 0x1CA: 0x1CB, 0x1CB: 0x1CC,
    0x1CC: 0x1CA, 0x1F1: 0x1F2, 0x1F2: 0x1F3, 0x1F3: 0x1F1, 0x345: 0x399, 0x392: 0x3B2,
    0x395: 0x3B5, 0x398: 0x3B8, 0x399: 0x3B9, 0x39A: 0x3BA, 0x39C: 0x3BC, 0x3A0: 0x3C0,
    0x3A1: 0x3C1, 0x3A3: 0x3C2, 0x3A6: 0x3C6, 0x3A9: 0x3C9, 0x3B2: 0x3D0, 0x3B5: 0x3F5,
    0x3B8: 0x3D1, 0x3B9: 0x1FBE, 0x3BA: 0x3F0, 0x3BC: 0xB5, 0x3C0: 0x3D6, 0x3C1: 0x3F1,
    0x3C2: 0x3C3, 0x3C3: 0x3A3, 0x3C6: 0x3D5, 0x3C9: 0x2126, 0x3D0: 0x392, 0x3D1: 0x3F4,
    0x3D5: 0x3A6, 0x3D6: 0x3A0, 0x3F0: 0x39A, 0x3F1: 0x3A1, 0x3F4: 0x398, 0x3F5: 0x395,
    0x412: 0x432, 0x414: 0x434, 0x41E: 0x43E, 0x421: 0x441, 0x422: 0x442, 0x42A: 0x44A,
    0x432: 0x1C80, 0x434: 0x1C81, 0x43E: 0x1C82, 0x441: 0x1C83, 0x442: 0x1C84, 0x44A: 0x1C86,
    0x462: 0x463, 0x463: 0x1C87, 0x1C80: 0x412, 0x1C81: 0x414, 0x1C82: 0x41E, 0x1C83: 0x421,
    0x1C84: 0x1C85, 0x1C85: 0x422, 0x1C86: 0x42A, 0x1C87: 0x462, 0x1C88: 0xA64A, 0x1E60: 0x1E61,
    0x1E61: 0x1E9B, 0x1E9B: 0x1E60, 0x1E9E: 0xDF, 0x1FBE: 0x345, 0x2126: 0x3A9, 0x212A: 0x4B,
    0x212B: 0xC5, 0xA64A: 0xA64B, 0xA64B: 0x1C88,
}

#: Cased letters Python's Unicode database has and go1.19's (Unicode 13.0) does not: they
#: fold to nothing in Go.
_NEWER_THAN_GO_UNICODE = (
    (0x2C2F, 0x2C2F), (0x2C5F, 0x2C5F), (0xA7C0, 0xA7C1), (0xA7D0, 0xA7D1), (0xA7D6, 0xA7D9),
    (0x10570, 0x105BC),
)


def simple_fold(r: int) -> int:
    """Go ``unicode.SimpleFold``: the next rune after ``r`` in its simple case-folding orbit
    (``A`` → ``a`` → ``A``; ``k`` → ``K`` (Kelvin sign) → ``K`` → ``k``), or ``r`` itself.

    Go's tables (go1.19, Unicode 13.0) are reproduced with its orbit table and Python's
    one-rune case mappings; letters added to Unicode later have no fold, as in go1.19.
    """
    if r < 0 or r > 0x10FFFF:
        return r
    if r < 0x80:
        if r == 0x6B:  # k → K (Kelvin sign)
            return 0x212A
        if r == 0x73:  # s → ſ (long s)
            return 0x17F
        if 0x61 <= r <= 0x7A:
            return r - 0x20
        if 0x41 <= r <= 0x5A:
            return r + 0x20
        return r
    if r in _CASE_ORBIT:
        return _CASE_ORBIT[r]
    if 0xD800 <= r <= 0xDFFF or any(lo <= r <= hi for lo, hi in _NEWER_THAN_GO_UNICODE):
        return r
    char = chr(r)
    lower = char.lower()
    if len(lower) == 1 and lower != char:  # Go ToLower (the simple mapping)
        return ord(lower)
    upper = char.upper()
    if len(upper) != 1:  # a full mapping (ᾀ → ἈΙ): the simple one is the title case
        upper = char.title()
    if len(upper) == 1 and upper != char:
        return ord(upper)
    return r


def _runes(data: bytes) -> Iterable[int]:
    """The runes of ``data`` as Go's ``utf8.DecodeRune`` reads them: a byte that does not
    start a valid sequence is U+FFFD."""
    text = data.decode("utf-8", "surrogateescape")
    return (0xFFFD if 0xDC80 <= ord(c) <= 0xDCFF else ord(c) for c in text)


def equal_fold(s: bytes, t: bytes) -> bool:
    """Go ``bytes.EqualFold``: ``s`` and ``t``, read as UTF-8, are equal under simple
    Unicode case folding (``Straße`` is not ``STRASSE``, ``ſ`` is ``s``)."""
    sr, tr = list(_runes(s)), list(_runes(t))
    if len(sr) != len(tr):
        return False
    for a, b in zip(sr, tr, strict=True):
        if a == b:
            continue
        a, b = min(a, b), max(a, b)
        if b < 0x80:
            if 0x41 <= a <= 0x5A and b == a + 0x20:
                continue
            return False
        r = simple_fold(a)
        while r != a and r < b:
            r = simple_fold(r)
        if r != b:
            return False
    return True


_CASE_MASK = 0xDF  # Go's ^byte(0x20)
_KELVIN = "\u212a".encode()
_LONG_S = "\u017f".encode()


def _equal_fold_right(s: bytes, t: bytes) -> bool:
    i = 0
    for sb in s:
        if i >= len(t):
            return False
        tb = t[i]
        if tb < 0x80:
            if sb != tb:
                upper = sb & _CASE_MASK
                if not (0x41 <= upper <= 0x5A) or upper != tb & _CASE_MASK:
                    return False
            i += 1
            continue
        # sb is ASCII and t is not: t must be the Kelvin sign or the long s.
        if sb in b"sS" and t.startswith(_LONG_S, i):
            i += len(_LONG_S)
        elif sb in b"kK" and t.startswith(_KELVIN, i):
            i += len(_KELVIN)
        else:
            return False
    return i == len(t)


def _ascii_equal_fold(s: bytes, t: bytes) -> bool:
    if len(s) != len(t):
        return False
    for sb, tb in zip(s, t, strict=True):
        if sb == tb:
            continue
        if not (0x41 <= sb <= 0x5A or 0x61 <= sb <= 0x7A) or sb & _CASE_MASK != tb & _CASE_MASK:
            return False
    return True


def _simple_letter_equal_fold(s: bytes, t: bytes) -> bool:
    return len(s) == len(t) and all(
        a & _CASE_MASK == b & _CASE_MASK for a, b in zip(s, t, strict=True)
    )


def json_fold_func(name: bytes) -> Callable[[bytes, bytes], bool]:
    """Go ``encoding/json``'s ``foldFunc`` (go1.19): how a struct field named ``name``
    matches an object key that is not exactly ``name``, called as ``fold(name, key)``.

    An ASCII name matches without regard to ASCII case, and its ``s``/``S`` and ``k``/``K``
    also match ``ſ`` (U+017F) and the Kelvin sign (U+212A); a non-ASCII name matches by
    :func:`equal_fold`.
    """
    non_letter = special = False
    for b in name:
        if b >= 0x80:
            return equal_fold
        upper = b & _CASE_MASK
        if not 0x41 <= upper <= 0x5A:
            non_letter = True
        elif upper in b"KS":
            special = True
    if special:
        return _equal_fold_right
    if non_letter:
        return _ascii_equal_fold
    return _simple_letter_equal_fold


def json_field(key: str, names: Iterable[str]) -> str | None:
    """The struct field Go's decoder stores the object key ``key`` in: the field named
    exactly ``key``, else the first of ``names`` (in struct order) that
    :func:`json_fold_func` matches; ``None`` when no field matches (the member is ignored)."""
    names = list(names)
    if key in names:
        return key
    raw = to_bytes(key)
    for name in names:
        encoded = to_bytes(name)
        if json_fold_func(encoded)(encoded, raw):
            return name
    return None


class JSONObject(dict[str, Any]):
    """A JSON object as :func:`json_decode` returns it: a dict (the last value of each key)
    that also keeps every member in document order, duplicates included, in ``pairs``, since
    Go's decoder visits each member in turn (a bad value reported, then overwritten, is still
    an error)."""

    def __init__(self, pairs: Iterable[tuple[str, Any]] = ()) -> None:
        self.pairs: list[tuple[str, Any]] = list(pairs)
        super().__init__(self.pairs)


_MAX_NESTING_DEPTH = 10000

# Scanner results (only those the stream decoder looks at).
_SCAN_CONTINUE, _SCAN_END, _SCAN_END_CONTAINER, _SCAN_ERROR = range(4)
_PARSE_OBJECT_KEY, _PARSE_OBJECT_VALUE, _PARSE_ARRAY_VALUE = range(3)
_HEX = frozenset(b"0123456789abcdefABCDEF")
_DIGITS = frozenset(b"0123456789")


def _quote_char(c: int) -> str:
    """Go ``encoding/json``'s ``quoteChar``: a byte as its Latin-1 rune, Go-quoted."""
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    return "'" + go_quote(chr(c))[1:-1] + "'"


class _Scanner:
    """Go ``encoding/json``'s scanner (go1.19 ``scanner.go``), one byte at a time."""

    def __init__(self) -> None:
        self.step: Callable[[int], int] = self.begin_value
        self.parse_state: list[int] = []
        self.error_text: str | None = None

    def error(self, c: int, context: str) -> int:
        self.step = lambda c: _SCAN_ERROR
        self.error_text = f"invalid character {_quote_char(c)} {context}"
        return _SCAN_ERROR

    def push(self, c: int, state: int) -> int:
        self.parse_state.append(state)
        if len(self.parse_state) <= _MAX_NESTING_DEPTH:
            return _SCAN_CONTINUE
        return self.error(c, "exceeded max depth")

    def pop(self) -> None:
        self.parse_state.pop()
        self.step = self.end_top if not self.parse_state else self.end_value

    def begin_value_or_empty(self, c: int) -> int:
        if c in b" \t\r\n":
            return _SCAN_CONTINUE
        if c == 0x5D:  # ]
            return self.end_value(c)
        return self.begin_value(c)

    def begin_value(self, c: int) -> int:
        if c in b" \t\r\n":
            return _SCAN_CONTINUE
        literal = {
            0x22: self.in_string, 0x2D: self.neg, 0x30: self.zero,
            0x74: self.literal("true"), 0x66: self.literal("false"), 0x6E: self.literal("null"),
        }
        if c == 0x7B:  # {
            self.step = self.begin_string_or_empty
            return self.push(c, _PARSE_OBJECT_KEY)
        if c == 0x5B:  # [
            self.step = self.begin_value_or_empty
            return self.push(c, _PARSE_ARRAY_VALUE)
        if c in literal:
            self.step = literal[c]
            return _SCAN_CONTINUE
        if 0x31 <= c <= 0x39:
            self.step = self.one
            return _SCAN_CONTINUE
        return self.error(c, "looking for beginning of value")

    def begin_string_or_empty(self, c: int) -> int:
        if c in b" \t\r\n":
            return _SCAN_CONTINUE
        if c == 0x7D:  # }
            self.parse_state[-1] = _PARSE_OBJECT_VALUE
            return self.end_value(c)
        return self.begin_string(c)

    def begin_string(self, c: int) -> int:
        if c in b" \t\r\n":
            return _SCAN_CONTINUE
        if c == 0x22:
            self.step = self.in_string
            return _SCAN_CONTINUE
        return self.error(c, "looking for beginning of object key string")

    def end_value(self, c: int) -> int:
        if not self.parse_state:
            self.step = self.end_top
            return self.end_top(c)
        if c in b" \t\r\n":
            self.step = self.end_value
            return _SCAN_CONTINUE
        state = self.parse_state[-1]
        if state == _PARSE_OBJECT_KEY:
            if c == 0x3A:  # :
                self.parse_state[-1] = _PARSE_OBJECT_VALUE
                self.step = self.begin_value
                return _SCAN_CONTINUE
            return self.error(c, "after object key")
        if state == _PARSE_OBJECT_VALUE:
            if c == 0x2C:  # ,
                self.parse_state[-1] = _PARSE_OBJECT_KEY
                self.step = self.begin_string
                return _SCAN_CONTINUE
            if c == 0x7D:
                self.pop()
                return _SCAN_END_CONTAINER
            return self.error(c, "after object key:value pair")
        if c == 0x2C:
            self.step = self.begin_value
            return _SCAN_CONTINUE
        if c == 0x5D:
            self.pop()
            return _SCAN_END_CONTAINER
        return self.error(c, "after array element")

    def end_top(self, c: int) -> int:
        # Go records an error for a non-space here but still answers scanEnd, and the
        # stream decoder stops at scanEnd: what follows a top-level value is never read.
        return _SCAN_END

    def in_string(self, c: int) -> int:
        if c == 0x22:
            self.step = self.end_value
        elif c == 0x5C:  # backslash
            self.step = self.in_string_escape
        elif c < 0x20:
            return self.error(c, "in string literal")
        return _SCAN_CONTINUE

    def in_string_escape(self, c: int) -> int:
        if c in b'bfnrt\\/"':
            self.step = self.in_string
            return _SCAN_CONTINUE
        if c == 0x75:  # u
            self.step = self.hex_digits(4)
            return _SCAN_CONTINUE
        return self.error(c, "in string escape code")

    def hex_digits(self, left: int) -> Callable[[int], int]:
        def step(c: int) -> int:
            if c in _HEX:
                self.step = self.in_string if left == 1 else self.hex_digits(left - 1)
                return _SCAN_CONTINUE
            return self.error(c, "in \\u hexadecimal character escape")

        return step

    def neg(self, c: int) -> int:
        if c == 0x30:
            self.step = self.zero
            return _SCAN_CONTINUE
        if 0x31 <= c <= 0x39:
            self.step = self.one
            return _SCAN_CONTINUE
        return self.error(c, "in numeric literal")

    def one(self, c: int) -> int:
        if c in _DIGITS:
            return _SCAN_CONTINUE
        return self.zero(c)

    def zero(self, c: int) -> int:
        if c == 0x2E:  # .
            self.step = self.dot
            return _SCAN_CONTINUE
        if c in b"eE":
            self.step = self.exponent
            return _SCAN_CONTINUE
        return self.end_value(c)

    def dot(self, c: int) -> int:
        if c in _DIGITS:
            self.step = self.dot_digits
            return _SCAN_CONTINUE
        return self.error(c, "after decimal point in numeric literal")

    def dot_digits(self, c: int) -> int:
        if c in _DIGITS:
            return _SCAN_CONTINUE
        if c in b"eE":
            self.step = self.exponent
            return _SCAN_CONTINUE
        return self.end_value(c)

    def exponent(self, c: int) -> int:
        if c in b"+-":
            self.step = self.exponent_sign
            return _SCAN_CONTINUE
        return self.exponent_sign(c)

    def exponent_sign(self, c: int) -> int:
        if c in _DIGITS:
            self.step = self.exponent_digits
            return _SCAN_CONTINUE
        return self.error(c, "in exponent of numeric literal")

    def exponent_digits(self, c: int) -> int:
        if c in _DIGITS:
            return _SCAN_CONTINUE
        return self.end_value(c)

    def literal(self, word: str, index: int = 1) -> Callable[[int], int]:
        def step(c: int) -> int:
            if c == ord(word[index]):
                self.step = self.end_value if index == len(word) - 1 else self.literal(
                    word, index + 1
                )
                return _SCAN_CONTINUE
            return self.error(c, f"in literal {word} (expecting {_quote_char(ord(word[index]))})")

        return step


def _value_extent(data: bytes) -> int:
    """How many bytes of ``data`` Go's ``Decoder.readValue`` takes as the first value."""
    scanner = _Scanner()
    for i, c in enumerate(data):
        code = scanner.step(c)
        if code == _SCAN_END:
            return i
        if code == _SCAN_END_CONTAINER and not scanner.parse_state:
            return i + 1
        if code == _SCAN_ERROR:
            raise InvalidArgumentError(scanner.error_text or "")
    if scanner.step(0x20) == _SCAN_END:
        return len(data)
    if data.strip(b" \t\r\n"):
        raise InvalidArgumentError("unexpected EOF")
    raise InvalidArgumentError("EOF")


_TOKEN = re.compile(
    rb'[ \t\r\n]*(?:([\[{])|([\]}])|[,:]|("(?:[^"\\]|\\.)*")|([-0-9][-+.0-9eE]*)'
    rb"|(true|false|null))",
    re.DOTALL,
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_LITERALS = {b"true": True, b"false": False, b"null": None}


def _json_string(token: bytes) -> str:
    """Go's ``unquote``: an invalid UTF-8 byte or a lone surrogate escape is U+FFFD."""
    text: str = json.loads(token.decode("utf-8", "surrogateescape"))
    return _SURROGATE.sub("\ufffd", text)


def _json_number(token: bytes) -> int | float:
    if any(c in b".eE" for c in token) or len(token) > 4000:
        return float(token)  # inf when it overflows; only the JSON kind matters to callers
    return int(token)


def json_decode(data: bytes) -> Any:
    """Go ``json.NewDecoder(bytes.NewReader(data)).Decode``, as the daemon reads
    daemon.json: the first JSON value in ``data``, as Python values (an object is a
    :class:`JSONObject`). What follows that value is not read: ``{} junk`` is ``{}``.

    Strings are decoded as Go does: an invalid UTF-8 byte, or an escaped surrogate that is
    not half of a pair, becomes U+FFFD.

    :raises InvalidArgumentError: Go's message: ``EOF`` for nothing but white space,
        ``unexpected EOF`` for a value cut short, else the scanner's ``invalid character 'x'
        looking for beginning of value`` and the like.
    """
    end = _value_extent(data)
    stack: list[tuple[list[Any], list[str | None]]] = []  # (members, [pending key])
    kinds: list[bool] = []  # True for an object
    result: Any = None
    for match in _TOKEN.finditer(data, 0, end):
        opening, closing, string, number, literal = match.groups()
        value: Any
        if opening:
            stack.append(([], [None]))
            kinds.append(opening == b"{")
            continue
        if closing:
            members, _ = stack.pop()
            value = JSONObject(members) if kinds.pop() else members
        elif string:
            value = _json_string(string)
            if stack and kinds[-1] and stack[-1][1][0] is None:
                stack[-1][1][0] = value  # an object key
                continue
        elif number:
            value = _json_number(number)
        elif literal:
            value = _LITERALS[literal]
        else:  # , or :
            continue
        if not stack:
            result = value
        elif kinds[-1]:
            members, key = stack[-1]
            members.append((key[0], value))
            key[0] = None
        else:
            stack[-1][0].append(value)
    return result
