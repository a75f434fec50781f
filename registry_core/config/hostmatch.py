"""Matching hosts against the configuration: secure or insecure, and whether
nondistributable artifacts may be pushed (Go ``isSecureIndex``, ``isCIDRMatch``,
``allowNondistributableArtifacts``).

Host names are resolved only to match them against CIDR ranges (``insecure-registries``,
``allow-nondistributable-artifacts``). The resolver is a parameter everywhere
(``lookup_ip``): a function from a host name to its addresses, where an empty list or an
:class:`OSError`/:class:`ValueError` means "does not resolve", as a failed ``net.LookupIP`` does
in the reference. :func:`~registry_core.config.default_lookup_ip` asks the system.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence

from ..gocompat import parse_ip_zone, split_host_port, to_address
from ..types import NetIPNet, ServiceConfig

__all__ = [
    "IPAddress",
    "LookupIP",
    "allow_nondistributable_artifacts",
    "default_lookup_ip",
    "is_secure_index",
]

#: An address a host name resolves to.
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Resolves a host name to its addresses (Go ``net.LookupIP``). An empty result, or an
#: :class:`OSError` or :class:`ValueError`, means the name does not resolve.
LookupIP = Callable[[str], Sequence[IPAddress]]


def default_lookup_ip(host: str) -> list[IPAddress]:
    """Resolve ``host`` as Go's ``net.LookupIP`` does; ``[]`` when it does not resolve.

    The system resolver (``getaddrinfo``) is asked only about names Go would send to DNS,
    because it reads some names differently, and a difference here decides whether a
    registry is secure:

    * a name holding a NUL character resolves to nothing (the C resolver would stop at the
      NUL and resolve ``127.0.0.1\\x00evil`` as ``127.0.0.1``; Go's lookup of such a name
      fails);
    * a name with a non-ASCII character resolves to nothing: Python would IDNA-encode it
      first, which drops zero-width characters and soft hyphens and maps full-width letters
      to ASCII (``localhost\\u200b`` and ``ｌｏｃａｌｈｏｓｔ`` would become ``localhost``), while
      Go looks the name up as it is and finds nothing (it is not a valid DNS name);
    * a name Go parses as an IP literal (:func:`~registry_core.gocompat.parse_ip_zone`: an
      IPv6 zone is allowed and dropped) is that address, without asking anyone;
    * a name ``getaddrinfo`` reads as a numeric address but Go does not
      (``127.1``, ``127.0.0.01``, ``0177.0.0.1``, ``0x7f.1``, ``2130706433``: the BSD
      ``inet_aton`` forms) resolves to nothing. Go does not parse these as addresses and
      sends them to DNS as names, where they do not exist (the C resolver never even asks
      DNS about them, since to it they are addresses), so Go's lookup fails and such a host
      matches no insecure range; here it would otherwise be read as ``127.0.0.1`` and made
      insecure (verification off, plain http allowed). This is checked with
      ``AI_NUMERICHOST``, which never touches the network;
    * any other name goes to ``getaddrinfo`` (``/etc/hosts``, then DNS).
    """
    if "\x00" in host or not host.isascii():
        return []
    literal = parse_ip_zone(host)
    if literal is not None:
        return [to_address(literal)]
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (OSError, ValueError):  # not numeric (gaierror), or not encodable (UnicodeError)
        pass
    else:
        return []  # numeric to the C resolver, a name to Go: see above
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, ValueError):  # gaierror, and UnicodeError for names IDNA refuses
        return []
    out: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        try:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            continue
        if address not in out:
            out.append(address)
    return out


def _lookup(host: str, lookup_ip: LookupIP | None) -> list[IPAddress]:
    """Go ``net.LookupIP``: IP literals (with an IPv6 zone too) are their own answer; other
    names go to the resolver, and a failure means no address."""
    if host == "":
        return []
    literal = parse_ip_zone(host)
    if literal is not None:
        return [to_address(literal)]
    resolver = lookup_ip if lookup_ip is not None else default_lookup_ip
    try:
        return list(resolver(host))
    except (OSError, ValueError):
        return []


def _cidr_contains(network: NetIPNet, address: IPAddress) -> bool:
    """Go ``IPNet.Contains``: an IPv4-mapped IPv6 address is an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.version != network.version:
        return False
    return address in network


def _is_cidr_match(cidrs: Sequence[NetIPNet], url_host: str, lookup_ip: LookupIP | None) -> bool:
    if not cidrs:  # nothing can match: spare the resolver (same answer as the reference)
        return False
    split = split_host_port(url_host)
    host = split[0] if split is not None else url_host
    return any(
        _cidr_contains(network, address)
        for address in _lookup(host, lookup_ip)
        for network in cidrs
    )


def is_secure_index(
    config: ServiceConfig, index_name: str, lookup_ip: LookupIP | None = None
) -> bool:
    """Whether ``index_name`` (a ``host[:port]``) is a secure registry.

    A configured index answers first; otherwise the host is insecure when one of its
    addresses is in an insecure CIDR range. A host that does not resolve matches no range.
    """
    index = config.index_configs.get(index_name)
    if index is not None:
        return index.secure
    return not _is_cidr_match(config.insecure_registry_cidrs, index_name, lookup_ip)


def allow_nondistributable_artifacts(
    config: ServiceConfig, hostname: str, lookup_ip: LookupIP | None = None
) -> bool:
    """Whether nondistributable artifacts may be pushed to ``hostname`` (a ``host[:port]``):
    it is listed by name, or one of its addresses is in a listed CIDR range."""
    if hostname in config.allow_nondistributable_artifacts_hostnames:
        return True
    return _is_cidr_match(config.allow_nondistributable_artifacts_cidrs, hostname, lookup_ip)
