"""Go's ``net``: ``SplitHostPort``, ``ParseIP``, ``ParseCIDR`` and ``IP.String``.

The reference reads insecure registries and ``allow-nondistributable-artifacts`` entries with
``net.ParseCIDR``, hosts with ``net.SplitHostPort`` and ``net.ParseIP``. :mod:`ipaddress`
disagrees in many corners: ``net.ParseIP`` refuses IPv4 octets with leading zeros but allows
them in IPv6 hex groups, and an IPv4-mapped range is printed and matched as an IPv4 one.
Functions here return ``None`` where Go returns an error: the reference only checks whether
Go failed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..types import NetIPNet

__all__ = [
    "ParsedCIDR",
    "go_ip_string",
    "parse_cidr",
    "parse_ip",
    "parse_ip_zone",
    "split_host_port",
    "to_address",
]


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
