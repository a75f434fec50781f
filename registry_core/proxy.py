"""Which proxy a request goes through: Go's ``http.ProxyFromEnvironment`` and the reference's
SOCKS5 ``ALL_PROXY`` dialer rules (:class:`ProxyConfig`).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from .errors import TransportError
from .gocompat import parse_cidr, parse_ip, split_host_port, to_address
from .urls import default_port, idna_host, netloc_host_port

__all__ = [
    "ProxyConfig",
]

log = logging.getLogger(__name__)


def _getenv_any(environ: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = environ.get(name, "")
        if value:
            return value
    return ""


def _parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Go's ``net.ParseIP``; an IPv4-mapped IPv6 address is its IPv4 address, as Go compares."""
    ip = parse_ip(host)
    if ip is None:
        return None
    return to_address(ip)


def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """Go's ``net.ParseCIDR``, as the proxy rules use it."""
    cidr = parse_cidr(text)
    return None if cidr is None else cidr.network


def _normalize_proxy_url(value: str) -> str:
    """A SOCKS5 proxy resolves names itself in Go (``socks5`` means ``socks5h`` to urllib3)."""
    parts = urlsplit(value)
    if parts.scheme != "socks5":
        return value
    return urlunsplit(("socks5h", parts.netloc, parts.path, parts.query, parts.fragment))


def _parse_proxy(value: str) -> str | None:
    """An ``HTTP_PROXY``-style value as Go's ``httpproxy.parseProxy`` reads it.

    A value without a scheme Go knows (``http``, ``https``, ``socks5``) is taken as
    ``http://`` plus the value, so ``proxy.corp:3128`` works.
    """
    if not value:
        return None
    try:
        scheme = urlsplit(value).scheme
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https", "socks5"):
        value = "http://" + value
    return _normalize_proxy_url(value)


@dataclass(frozen=True)
class ProxyConfig:
    """The proxy settings a transport uses, and Go's rules for applying them.

    ``http_proxy``/``https_proxy``/``no_proxy`` follow Go's ``http.ProxyFromEnvironment``:
    the proxy for a URL's scheme, unless the host is ``localhost`` or a loopback address, or
    ``no_proxy`` lists it (``*``, a CIDR, an IP, ``host[:port]``, ``.domain`` or ``domain``
    for the domain and its subdomains). When no such proxy applies, ``all_proxy`` is used if
    it is a SOCKS5 URL, unless ``no_proxy`` exempts the host by the rules of Go's
    ``proxy.PerHost`` (the reference's ``sockets.DialerFromEnvironment``); any other scheme in
    ``all_proxy`` is ignored, as the reference ignores it.
    """

    http_proxy: str = ""
    https_proxy: str = ""
    no_proxy: str = ""
    all_proxy: str = ""
    #: Go refuses ``HTTP_PROXY`` when ``REQUEST_METHOD`` is set (a CGI process, "httpoxy").
    cgi: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ProxyConfig:
        """Read ``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``, ``ALL_PROXY`` (upper case
        first, then lower case) and ``REQUEST_METHOD`` from ``environ`` (default: the
        process environment, now)."""
        env = os.environ if environ is None else environ
        return cls(
            http_proxy=_getenv_any(env, "HTTP_PROXY", "http_proxy"),
            https_proxy=_getenv_any(env, "HTTPS_PROXY", "https_proxy"),
            no_proxy=_getenv_any(env, "NO_PROXY", "no_proxy"),
            all_proxy=_getenv_any(env, "ALL_PROXY", "all_proxy"),
            cgi=bool(env.get("REQUEST_METHOD", "")),
        )

    def proxy_for_url(self, url: str) -> str | None:
        """The proxy URL to reach ``url`` through, or ``None`` to connect directly.

        :raises TransportError: ``HTTP_PROXY`` in a CGI environment (the reference's error).
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host, port = netloc_host_port(parts.netloc, scheme)
        proxy: str | None = None
        if scheme == "https":
            proxy = _parse_proxy(self.https_proxy)
        elif scheme == "http":
            proxy = _parse_proxy(self.http_proxy)
            if proxy is not None and self.cgi:
                raise TransportError(
                    "refusing to use HTTP_PROXY value in CGI environment; "
                    "see golang.org/s/cgihttpproxy"
                )
        if proxy is not None and self._use_proxy(host, port):
            return proxy
        return self._all_proxy_for(host)

    def _use_proxy(self, host: str, port: str) -> bool:
        """Go's ``httpproxy.config.useProxy``."""
        if host == "localhost":
            return False
        ip = _parse_ip(host)
        if ip is not None and ip.is_loopback:
            return False
        host = host.strip().lower()
        for entry in self.no_proxy.split(","):
            entry = entry.strip().lower()
            if not entry:
                continue
            if entry == "*":
                return False
            network = _parse_network(entry) if "/" in entry else None
            if network is not None:
                if ip is not None and ip.version == network.version and ip in network:
                    return False
                continue
            split = split_host_port(entry)
            entry_host, entry_port = split if split is not None else (entry, "")
            if entry_host.startswith("[") and entry_host.endswith("]"):
                entry_host = entry_host[1:-1]
            entry_ip = _parse_ip(entry_host)
            if entry_ip is not None:
                if ip is not None and ip == entry_ip and entry_port in ("", port):
                    return False
                continue
            if not entry_host:
                continue
            if entry_host.startswith("*."):
                entry_host = entry_host[1:]
            match_host = not entry_host.startswith(".")
            if match_host:
                entry_host = "." + entry_host
            entry_host = idna_host(entry_host)
            if (host.endswith(entry_host) or (match_host and host == entry_host[1:])) and (
                entry_port in ("", port)
            ):
                return False
        return True

    def _all_proxy_for(self, host: str) -> str | None:
        """ALL_PROXY as the reference's dialer applies it (Go ``proxy.FromURL``, ``PerHost``)."""
        if not self.all_proxy:
            return None
        try:
            parts = urlsplit(self.all_proxy)
            port = parts.port
        except ValueError:  # Go's url.Parse fails too, and the reference then dials directly
            log.debug("ignoring ALL_PROXY that does not parse")
            return None
        if parts.scheme not in ("socks5", "socks5h"):
            log.debug("ignoring ALL_PROXY with scheme %r: only SOCKS5 is supported", parts.scheme)
            return None
        if self._all_proxy_bypassed(host):
            return None
        netloc = parts.netloc
        if port is None:
            netloc = f"{netloc}:{default_port(parts.scheme)}"
        return urlunsplit(("socks5h", netloc, "", "", ""))

    def _all_proxy_bypassed(self, host: str) -> bool:
        """Go's ``proxy.PerHost``: CIDRs and IPs match IP hosts; ``*.zone`` matches the zone
        and below; anything else must equal the host. Nothing is lower-cased."""
        ip = _parse_ip(host)
        for entry in self.no_proxy.split(","):
            entry = entry.strip()
            if not entry:
                continue
            if "/" in entry:
                network = _parse_network(entry)
                if (
                    network is not None
                    and ip is not None
                    and ip.version == network.version
                    and ip in network
                ):
                    return True
                continue
            entry_ip = _parse_ip(entry)
            if entry_ip is not None:
                if ip is not None and ip == entry_ip:
                    return True
                continue
            if ip is not None:
                continue
            if entry.startswith("*."):
                zone = entry[1:].rstrip(".") if entry.endswith(".") else entry[1:]
                if host.endswith(zone) or host == zone[1:]:
                    return True
                continue
            if host == entry.removesuffix("."):
                return True
        return False
