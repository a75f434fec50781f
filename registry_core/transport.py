"""The HTTP pipeline: request modifiers, the transport, and the client with its redirect policy.

These are the counterparts of the reference's ``NewTransport``, ``Headers`` and
``HTTPClient`` (moby ``registry/registry.go``) and of distribution's
``transport.RequestModifier``/``NewHeaderRequestModifier``/``NewTransport``:

- :class:`RegistryTransport` (from :func:`new_transport`) is a requests adapter whose TLS comes
  only from a :class:`~registry_core.tlsconfig.TLSConfig`; it pools keep-alive connections,
  applies the reference's timeouts and picks proxies from the environment by Go's rules.
- :class:`RegistrySession` (from :func:`http_client`) is the pipeline a request goes through:
  request modifiers, then the authorizer, then the ``registry_send_request`` plugin hooks,
  then the transport; it follows redirects itself, with the reference's header policy.

This module is also a built-in plugin: its ``registry_send_request`` implementation runs last
and sends the request.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import re
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.cookiejar import CookieJar
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth
from requests.cookies import RequestsCookieJar, cookiejar_from_dict, merge_cookies
from requests.sessions import merge_hooks, merge_setting
from requests.structures import CaseInsensitiveDict
from requests.utils import default_headers, select_proxy
from urllib3 import PoolManager
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, LocationValueError, MaxRetryError
from urllib3.exceptions import ProxyError as Urllib3ProxyError
from urllib3.util.timeout import Timeout

from .errors import TransportError
from .gocompat import parse_cidr, parse_ip, split_host_port, to_address
from .hookspecs import SendFunction, hookimpl
from .interfaces import RequestModifier
from .tlsconfig import TLSConfig

if TYPE_CHECKING:
    from .manager import Hooks

__all__ = [
    "DIAL_TIMEOUT",
    "TLS_HANDSHAKE_TIMEOUT",
    "READ_TIMEOUT",
    "MAX_REDIRECTS",
    "TRUSTED_DOMAINS",
    "SENSITIVE_HEADERS",
    "HeaderRequestModifier",
    "headers",
    "ProxyConfig",
    "RegistryTransport",
    "new_transport",
    "RegistrySession",
    "RedirectedRequest",
    "HostModifiers",
    "http_client",
    "redirected_from",
    "resendable_body",
    "trusted_location",
    "redirect_keeps_credentials",
    "redirect_headers",
    "referer_for",
    "redact_url",
    "registry_send_request",
]

log = logging.getLogger(__name__)

#: Seconds to establish a TCP connection (the reference's ``net.Dialer.Timeout``).
DIAL_TIMEOUT = 30.0
#: Seconds each step of the TLS handshake may wait (the reference's ``TLSHandshakeTimeout``,
#: which bounds the whole handshake; see :class:`RegistryTransport`).
TLS_HANDSHAKE_TIMEOUT = 10.0
#: Seconds to wait for each read of a response. The reference has no read timeout at all,
#: so a server that stops answering hangs it; one minute of silence is far beyond what a
#: working registry or blob store takes.
READ_TIMEOUT = 60.0
#: The most redirect responses followed for one request, as Go's default client policy.
MAX_REDIRECTS = 10
#: Redirects between https locations on these domains (or their subdomains) keep every header.
TRUSTED_DOMAINS = ("docker.com", "docker.io")
#: Headers that carry credentials: they follow a redirect only as :func:`redirect_keeps_credentials`
#: allows. The reference guards ``Authorization`` (and, through Go's client, ``Cookie``,
#: ``Cookie2`` and ``Www-Authenticate``); ``Proxy-Authorization`` is guarded beyond it.
SENSITIVE_HEADERS = (
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "Cookie2",
    "WWW-Authenticate",
)

_DEFAULT_PORTS = {"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}
_SOCKS_DEFAULT_PORT = 1080
# The name under which a request's own ``auth=`` travels with the prepared request.
_REQUEST_AUTH = "_registry_core_auth"


# -- request modifiers ----------------------------------------------------------------------


class HeaderRequestModifier(RequestModifier):
    """Adds headers to every request (distribution's ``NewHeaderRequestModifier``).

    Values are added to any the request already has, as Go appends to ``req.Header[k]``;
    requests keeps one string per header, so several values are joined with ``", "``, which
    HTTP defines as equivalent to repeated header lines.
    """

    def __init__(self, headers: Mapping[str, str | Sequence[str]]) -> None:
        self.headers: dict[str, list[str]] = {
            name: [value] if isinstance(value, str) else list(value)
            for name, value in headers.items()
        }

    def modify_request(self, request: requests.PreparedRequest) -> None:
        for name, values in self.headers.items():
            if not values:
                continue
            existing = request.headers.get(name)
            joined = ", ".join(values)
            request.headers[name] = joined if not existing else f"{existing}, {joined}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.headers!r})"


def headers(
    user_agent: str, meta_headers: Mapping[str, str | Sequence[str]] | None
) -> list[RequestModifier]:
    """The modifiers that set ``User-Agent`` and the meta headers (Go ``Headers``).

    ``User-Agent`` only when ``user_agent`` is not empty; the meta headers whenever
    ``meta_headers`` is not ``None``, even when empty, as in the reference.
    """
    modifiers: list[RequestModifier] = []
    if user_agent:
        modifiers.append(HeaderRequestModifier({"User-Agent": [user_agent]}))
    if meta_headers is not None:
        modifiers.append(HeaderRequestModifier(meta_headers))
    return modifiers


# -- proxies --------------------------------------------------------------------------------


def _getenv_any(environ: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = environ.get(name, "")
        if value:
            return value
    return ""


def _netloc_host_port(netloc: str, scheme: str) -> tuple[str, str]:
    """The host (brackets removed, case kept) and port (the scheme's default if absent)."""
    hostport = netloc.rpartition("@")[2]
    split = split_host_port(hostport)
    if split is None:
        host = hostport[1:-1] if hostport.startswith("[") and hostport.endswith("]") else hostport
        port = ""
    else:
        host, port = split
    return host, port or _DEFAULT_PORTS.get(scheme, "")


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


def _idna(host: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


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
        host, port = _netloc_host_port(parts.netloc, scheme)
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
            entry_host = _idna(entry_host)
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
            netloc = f"{netloc}:{_SOCKS_DEFAULT_PORT}"
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


# -- the transport --------------------------------------------------------------------------


class _RegistryHTTPSConnection(HTTPSConnection):
    """An HTTPS connection whose TLS handshake has its own, shorter timeout.

    urllib3 applies the connect timeout to the TCP connection and leaves it on the socket
    for the handshake; this sets :attr:`tls_handshake_timeout` once the TCP connection is up
    and the request's own timeout back once TLS is established.
    """

    tls_handshake_timeout: ClassVar[float | None] = TLS_HANDSHAKE_TIMEOUT

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        if self.tls_handshake_timeout is not None:
            sock.settimeout(self.tls_handshake_timeout)
        return sock

    def connect(self) -> None:
        try:
            super().connect()
        except TimeoutError as exc:  # the socket's timeout, during the tunnel or handshake
            step = "proxy tunnel or TLS handshake" if self._tunnel_host else "TLS handshake"
            raise ConnectTimeoutError(
                self, f"{step} timed out after {self.tls_handshake_timeout:g} s"
            ) from exc
        if self.sock is not None:
            self.sock.settimeout(Timeout.resolve_default_timeout(self.timeout))


class _RegistryHTTPSConnectionPool(HTTPSConnectionPool):
    """Connects as urllib3 does, without its ``InsecureRequestWarning``: an unverified
    connection here is one the TLS configuration asked for (an insecure registry)."""

    def _validate_conn(self, conn: Any) -> None:
        HTTPConnectionPool._validate_conn(self, conn)
        if conn.is_closed:
            conn.connect()


def _https_pool_class(tls_handshake_timeout: float | None) -> type[HTTPSConnectionPool]:
    connection_class = type(
        "RegistryHTTPSConnection",
        (_RegistryHTTPSConnection,),
        {"tls_handshake_timeout": tls_handshake_timeout},
    )
    return type(
        "RegistryHTTPSConnectionPool",
        (_RegistryHTTPSConnectionPool,),
        {"ConnectionCls": connection_class},
    )


def _keepalive_options() -> list[tuple[int, int, int | bytes]]:
    """TCP keep-alive probes every 30 s, as the reference's dialer (``KeepAlive: 30s``)."""
    options = list(HTTPConnectionPool.ConnectionCls.default_socket_options)
    options.append((socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1))
    for name in ("TCP_KEEPIDLE", "TCP_KEEPINTVL"):
        if hasattr(socket, name):
            options.append((socket.IPPROTO_TCP, getattr(socket, name), 30))
    return options


def _socks_available() -> bool:
    return find_spec("socks") is not None


class RegistryTransport(HTTPAdapter):
    """A requests adapter that enforces a :class:`~registry_core.tlsconfig.TLSConfig`.

    - TLS: the adapter's :class:`ssl.SSLContext` comes from ``tls_config`` alone. The
      ``verify`` and ``cert`` arguments requests passes (and ``REQUESTS_CA_BUNDLE``/
      ``CURL_CA_BUNDLE``, which requests turns into ``verify``) are ignored: they can neither
      replace the configured CAs nor add to them nor turn verification off.
    - Connections are kept alive and pooled per host (the reference disables keep-alive, a
      TODO in its source); TCP keep-alive probes every 30 s.
    - Timeouts when the caller gives none: ``dial_timeout`` to connect, ``read_timeout`` for
      each read; a timeout the caller gives is used as it is. The TLS handshake gets
      ``tls_handshake_timeout`` per socket operation (Go bounds the whole handshake; a
      handshake is a few round trips, so the two differ little).
    - Proxies: :class:`ProxyConfig`, read from the environment when the transport is made
      unless given. An explicit ``proxies`` mapping passed to :meth:`send` (a session's
      ``proxies``) is used instead when it is not empty.
    - Failures become :class:`~registry_core.errors.TransportError`, with no credentials in
      the message.

    :raises CertificateError: ``tls_config`` holds material that cannot be loaded.
    """

    def __init__(
        self,
        tls_config: TLSConfig | None = None,
        *,
        proxy_config: ProxyConfig | None = None,
        dial_timeout: float | None = DIAL_TIMEOUT,
        read_timeout: float | None = READ_TIMEOUT,
        tls_handshake_timeout: float | None = TLS_HANDSHAKE_TIMEOUT,
        pool_connections: int = 10,
        pool_maxsize: int = 10,
    ) -> None:
        self.tls_config = (tls_config if tls_config is not None else TLSConfig()).copy()
        self.ssl_context = self.tls_config.ssl_context()
        #: The proxy settings, read from the environment now unless given.
        self.proxy_config = (
            ProxyConfig.from_environment() if proxy_config is None else proxy_config
        )
        self.dial_timeout = dial_timeout
        self.read_timeout = read_timeout
        self.tls_handshake_timeout = tls_handshake_timeout
        self._cert_reqs = "CERT_NONE" if self.tls_config.insecure_skip_verify else "CERT_REQUIRED"
        self._https_pool = _https_pool_class(tls_handshake_timeout)
        self._socket_options = _keepalive_options()
        super().__init__(pool_connections=pool_connections, pool_maxsize=pool_maxsize)

    # urllib3 plumbing: every pool, direct or through a proxy, gets our context and our
    # handshake-timeout connection class.

    def _install_pool_classes(self, manager: PoolManager) -> None:
        manager.pool_classes_by_scheme = {
            "http": HTTPConnectionPool,
            "https": self._https_pool,
        }

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        pool_kwargs.setdefault("ssl_context", self.ssl_context)
        pool_kwargs.setdefault("cert_reqs", self._cert_reqs)
        pool_kwargs.setdefault("socket_options", self._socket_options)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self._install_pool_classes(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        if proxy in self.proxy_manager:
            return self.proxy_manager[proxy]
        proxy_kwargs.setdefault("socket_options", self._socket_options)
        socks = proxy.lower().startswith("socks")
        if not socks:
            # Go dials an https proxy with the transport's own TLS configuration.
            proxy_kwargs.setdefault("proxy_ssl_context", self.ssl_context)
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not socks:
            self._install_pool_classes(manager)
        return manager

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[Any, Any]:
        host_params, _ = super().build_connection_pool_key_attributes(request, True, None)
        return host_params, {"ssl_context": self.ssl_context, "cert_reqs": self._cert_reqs}

    def cert_verify(self, conn: Any, url: Any, verify: Any, cert: Any) -> None:
        # requests would point the pool at a CA bundle (certifi or the environment's), which
        # urllib3 then loads into our context; clear all of it so the context alone decides.
        if isinstance(conn, HTTPSConnectionPool):
            conn.cert_reqs = self._cert_reqs
            conn.ca_certs = None
            conn.ca_cert_dir = None
            conn.cert_file = None
            conn.key_file = None

    def _timeout(self, timeout: Any) -> Any:
        if timeout is None:
            return (self.dial_timeout, self.read_timeout)
        return timeout

    def proxy_for(self, url: str, proxies: Mapping[str, str] | None = None) -> str | None:
        """The proxy :meth:`send` uses for ``url``: from ``proxies`` when it names any, else
        from ``proxy_config``; ``None`` to connect directly.

        :raises TransportError: the proxy is SOCKS and PySocks is not installed, or
            ``HTTP_PROXY`` is set in a CGI environment.
        """
        explicit = {k: v for k, v in (proxies or {}).items() if k != "no_proxy" and v}
        if explicit:
            chosen = select_proxy(url, explicit)
            proxy = None if chosen is None else _normalize_proxy_url(chosen)
        else:
            proxy = self.proxy_config.proxy_for_url(url)
        if proxy is not None and proxy.lower().startswith("socks") and not _socks_available():
            raise TransportError(
                f"the SOCKS proxy {redact_url(proxy)} needs PySocks, which is not installed "
                "(pip install PySocks)"
            )
        return proxy

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send ``request``; ``verify`` and ``cert`` are ignored (the TLS configuration
        decides).

        :raises TransportError: the request could not be sent or answered.
        """
        try:
            proxy = self.proxy_for(request.url or "", proxies)
        except TransportError as exc:
            raise TransportError(
                f"{_go_op(request.method)} {_url_for_message(request.url or '')}: {exc}"
            ) from None
        chosen = {"all": proxy} if proxy is not None else {}
        try:
            return super().send(
                request,
                stream=stream,
                timeout=self._timeout(timeout),
                verify=True,
                cert=None,
                proxies=chosen,
            )
        except requests.RequestException as exc:
            raise _transport_error(request, exc, proxy) from None
        except LocationValueError:  # urllib3's own, e.g. an empty or 64-byte DNS label
            raise TransportError(
                f"{_go_op(request.method)} {_url_for_message(request.url or '')}: "
                "invalid host name"
            ) from None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(insecure_skip_verify={self.tls_config.insecure_skip_verify}, "
            f"root_cas={len(self.tls_config.root_cas or [])}, "
            f"client_certificates={len(self.tls_config.client_certificates)})"
        )


def new_transport(tls_config: TLSConfig | None = None) -> RegistryTransport:
    """A transport for ``tls_config`` (Go ``NewTransport``); ``None`` means the default
    configuration (system roots, verification on, TLS 1.2 or later).

    :raises CertificateError: ``tls_config`` holds material that cannot be loaded.
    """
    return RegistryTransport(tls_config)


# -- redirect policy ------------------------------------------------------------------------


def _host_for_trust(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.rpartition("@")[2].split(":", 1)[0]


def trusted_location(url: str) -> bool:
    """Whether ``url`` is a trusted redirect location (Go ``trustedLocation``).

    True for an https URL whose host is ``docker.com``, ``docker.io`` or a subdomain of one.
    As in the reference, the host is what precedes the first ``:`` of the URL's host part,
    compared as written. The URLs this is asked about are normalized first: requests
    lower-cases (and IDNA-encodes) the host of every URL it prepares, and
    :class:`RegistrySession` does the same for each redirect hop.
    """
    scheme, host = _host_for_trust(url)
    if scheme != "https":
        return False
    return any(host == domain or host.endswith("." + domain) for domain in TRUSTED_DOMAINS)


def _canonical_addr(url: str) -> str:
    """Go's ``canonicalAddr``: ``host:port`` with the scheme's default port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host, port = _netloc_host_port(parts.netloc, scheme)
    host = _idna(host)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _is_domain_or_subdomain(sub: str, parent: str) -> bool:
    """Go's ``isDomainOrSubdomain`` on canonical addresses."""
    if sub == parent:
        return True
    return sub.endswith(parent) and sub[len(sub) - len(parent) - 1] == "."


def redirect_keeps_credentials(
    original_url: str, previous_url: str, target_url: str, *, dropped_before: bool = False
) -> bool:
    """Whether the :data:`SENSITIVE_HEADERS` of the original request follow a redirect.

    In order:

    1. Never from https to plain http (beyond the reference).
    2. When both the original request and the target are trusted locations
       (:func:`trusted_location`), they follow: the reference's own
       ``addRequiredHeadersToRedirectedRequests`` gives such a hop every header of the
       original request, whatever happened on the hops before.
    3. Once they were dropped on an earlier hop of the chain (``dropped_before``), they stay
       dropped: Go's client fixed this in 1.22.11/1.23.5 (CVE-2024-45336), after the Go the
       reference (moby 19.03) was built with, which let ``a -> evil/1 -> evil/2`` send them
       to ``evil/2`` again.
    4. Otherwise Go's client rule: they follow when the target's ``host:port`` is the
       previous hop's or a subdomain of it.

    :param original_url: the URL the caller asked for.
    :param previous_url: the URL whose response redirected.
    :param target_url: where the redirect goes.
    :param dropped_before: whether an earlier hop of the same chain went without them.
    """
    if urlsplit(previous_url).scheme == "https" and urlsplit(target_url).scheme != "https":
        return False
    if trusted_location(original_url) and trusted_location(target_url):
        return True
    if dropped_before:
        return False
    return _is_domain_or_subdomain(_canonical_addr(target_url), _canonical_addr(previous_url))


def _hop_headers(original: Mapping[str, str], keep_credentials: bool) -> CaseInsensitiveDict[str]:
    result: CaseInsensitiveDict[str] = CaseInsensitiveDict(original)
    if not keep_credentials:
        for name in SENSITIVE_HEADERS:
            result.pop(name, None)
    return result


def redirect_headers(
    original: Mapping[str, str],
    *,
    original_url: str,
    previous_url: str,
    target_url: str,
    dropped_before: bool = False,
) -> CaseInsensitiveDict[str]:
    """The headers a redirect hop starts from: the original request's, minus the
    :data:`SENSITIVE_HEADERS` unless :func:`redirect_keeps_credentials` allows them.

    Headers set by request modifiers and by the authorizer are not in ``original``: those
    are added again for each hop, for that hop's host.

    :param dropped_before: whether an earlier hop of the same chain went without the
        credential headers; see :func:`redirect_keeps_credentials`.
    """
    return _hop_headers(
        original,
        redirect_keeps_credentials(
            original_url, previous_url, target_url, dropped_before=dropped_before
        ),
    )


def _without_userinfo(url: str) -> str:
    """``url`` without user info or fragment."""
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, "")
    )


def referer_for(previous_url: str, target_url: str) -> str | None:
    """The ``Referer`` of a redirect hop, as Go's client sets it (``refererForURL``):
    the previous URL without user info or fragment; none from https to http."""
    if urlsplit(previous_url).scheme == "https" and urlsplit(target_url).scheme == "http":
        return None
    return _without_userinfo(previous_url)


def _redirect_method(method: str, status: int) -> tuple[str, bool] | None:
    """Go's ``redirectBehavior``: the next method and whether the body is sent again."""
    if status in (301, 302, 303):
        return (method if method in ("GET", "HEAD") else "GET"), False
    if status in (307, 308):
        return method, True
    return None


def resendable_body(request: requests.PreparedRequest) -> bool:
    """Whether ``request`` can be sent again with its whole body, rewinding the body if
    needed; call it right before sending the request again.

    True for no body, ``bytes`` or ``str``, and for a file-like body whose starting position
    requests recorded when it prepared the request (``_body_position``) and that seeks back
    to it. False for a generator or iterator, and for a file that cannot seek: the first send
    used those up, and sending them again would send nothing, or hang on the length already
    announced. Redirects that resend the body (307, 308), the authorizer's
    ``insufficient_scope`` retry and the retry plugin all ask this.
    """
    body = request.body
    if body is None or isinstance(body, (bytes, str)):
        return True
    position = getattr(request, "_body_position", None)
    seek = getattr(body, "seek", None)
    if not isinstance(position, int) or seek is None:
        return False
    try:
        seek(position)
    except (OSError, ValueError):
        return False
    return True


# -- messages -------------------------------------------------------------------------------

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")
_POOL_PREFIX = re.compile(r"^\w+\(host=[^)]*\):\s*")
_OBJECT_PREFIX = re.compile(r"^<[^>]* object at 0x[0-9a-f]+>:\s*")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+")


def redact_url(url: str) -> str:
    """``url`` for messages and logs: user info replaced by ``***``, query cut to ``?...``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        text, query, _ = url.partition("#")[0].partition("?")
        return _USERINFO.sub(r"\g<scheme>***@", text) + ("?..." if query else "")
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = "..." if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _url_for_message(url: str) -> str:
    return f'"{redact_url(url)}"'


def _go_op(method: str | None) -> str:
    """Go's ``url.Error`` operation: ``Get``, ``Post``, ..."""
    method = method or "GET"
    return method[:1].upper() + method[1:].lower()


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost error requests and urllib3 wrapped (they wrap through ``args`` and
    ``reason``; following ``__cause__`` would reach bare socket errors with less context)."""
    seen: set[int] = set()
    current = exc
    while id(current) not in seen:
        seen.add(id(current))
        following: BaseException | None = None
        if isinstance(current, MaxRetryError) and current.reason is not None:
            following = current.reason
        elif isinstance(current, Urllib3ProxyError) and current.original_error is not None:
            following = current.original_error
        elif current.args and isinstance(current.args[0], BaseException):
            following = current.args[0]
        if following is None:
            break
        current = following
    return current


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.exceptions.SSLError):
        kind = "TLS error"
    elif isinstance(exc, requests.exceptions.ProxyError):
        kind = "proxy error"
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        kind = "connect timed out"
    elif isinstance(exc, requests.exceptions.ReadTimeout):
        kind = "read timed out"
    elif isinstance(exc, requests.exceptions.ConnectionError):
        kind = "connection failed"
    else:
        kind = type(exc).__name__
    root = _root_cause(exc)
    text = str(root)
    if len(root.args) >= 2 and isinstance(root.args[-1], str):
        text = root.args[-1]  # urllib3's (connection or pool, [url,] message)
    text = _OBJECT_PREFIX.sub("", _POOL_PREFIX.sub("", text)).strip()
    return f"{kind}: {text}" if text else kind


def _transport_error(
    request: requests.PreparedRequest, exc: requests.RequestException, proxy: str | None
) -> TransportError:
    message = f"{_go_op(request.method)} {_url_for_message(request.url or '')}: {_describe(exc)}"
    if proxy is not None:
        message += f" (proxy {redact_url(proxy)})"
    message = _USERINFO.sub(r"\g<scheme>***@", message)
    for url in (request.url or "", proxy or ""):
        password = urlsplit(url).password if url else None
        if password:
            message = message.replace(password, "***")
    return TransportError(message)


# -- the client -----------------------------------------------------------------------------


def _client_headers() -> CaseInsensitiveDict[str | bytes]:
    """requests' defaults without ``User-Agent`` and ``Accept``, which Go does not send: a
    ``User-Agent`` modifier then sets the only value (Go's client adds its own default only
    when none is set, as urllib3 does here)."""
    result: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(default_headers())
    result.pop("User-Agent", None)
    result.pop("Accept", None)
    return result


def _copy_hooks(hooks: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    return {event: list(functions) for event, functions in hooks.items()}


def _as_auth(auth: Any) -> Any:
    if isinstance(auth, tuple) and len(auth) == 2:
        return HTTPBasicAuth(*auth)
    return auth


#: Gives the request modifiers for one ``host[:port]`` (the ``registry_request_modifiers``
#: hook, through :meth:`Hooks.request_modifiers <registry_core.manager.Hooks.request_modifiers>`).
HostModifiers = Callable[[str], Sequence[RequestModifier]]


class RedirectedRequest(requests.PreparedRequest):
    """A redirect hop: a prepared request that knows which URL redirected to it.

    :class:`RegistrySession` builds every redirect hop as one, so layers below it (the v1
    auth transport, a ``registry_send_request`` plugin) can tell a hop from a request the
    caller made, whatever headers it has: from https to http a hop carries no ``Referer``.
    :meth:`copy` keeps the mark; read it with :func:`redirected_from`.
    """

    #: The URL (without user info or fragment) whose response redirected to this request.
    redirected_from: str | None = None

    def copy(self) -> RedirectedRequest:
        """A copy, as :meth:`requests.PreparedRequest.copy`, that stays a redirect hop."""
        copied = RedirectedRequest()
        copied.__dict__.update(vars(super().copy()))
        copied.redirected_from = self.redirected_from
        return copied


def redirected_from(request: requests.PreparedRequest) -> str | None:
    """The URL whose response redirected to ``request``, or ``None`` when ``request`` is not
    a redirect hop of a :class:`RegistrySession` (the caller's own request)."""
    if isinstance(request, RedirectedRequest):
        return request.redirected_from
    return None


def _host_key(url: str) -> str:
    """``host[:port]`` of ``url`` as written, without user info: what the per-host
    modifiers are asked for."""
    return urlsplit(url).netloc.rpartition("@")[2]


def _hop_url(previous_url: str, location: str) -> str:
    """The URL a redirect goes to, normalized as requests prepares a URL: resolved against
    ``previous_url``, host lower-cased and IDNA-encoded, path and query quoted.

    :raises ValueError: ``location`` does not make a URL requests can send to.
    """
    if location.startswith("//"):
        location = f"{urlsplit(previous_url).scheme}:{location}"
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(urljoin(previous_url, location), None)
    except requests.RequestException as exc:  # InvalidURL, MissingSchema, ...
        # requests quotes the URL in its message: keep user info and query out of ours.
        raise ValueError(_URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), str(exc))) from None
    url = prepared.url or ""
    urlsplit(url).port  # noqa: B018 - a bad port raises here, not deep in urllib3
    return url


class RegistrySession(requests.Session):
    """The request pipeline (Go ``HTTPClient`` around distribution's modifier transport).

    Each request, and each redirect hop, is copied and then changed by ``modifiers`` in
    order, then by the modifiers ``host_modifiers`` gives for that hop's host, then by
    ``auth`` (the authorizer: a requests auth object, called for every hop so it decides for
    that hop's host), and then sent through the ``registry_send_request`` plugin hooks of
    ``plugin_hooks`` (when set) to the mounted transport. The request the caller built is
    never changed.

    Redirects are followed here, not by requests: at most :data:`MAX_REDIRECTS`. Each hop's
    URL is normalized as requests prepares one (host lower-cased and IDNA-encoded); the hop
    starts from the original request's headers, keeps the :data:`SENSITIVE_HEADERS` only as
    :func:`redirect_keeps_credentials` allows (once dropped, they stay dropped for the rest
    of the chain, unless original and target are both trusted locations), and gets a
    ``Referer`` as Go's client sets it. Each hop is a :class:`RedirectedRequest`
    (:func:`redirected_from` tells which URL redirected to it). Methods and bodies follow
    Go's rules (301/302/303 turn other methods into ``GET``; 307/308 resend the body, or stop
    if it cannot be sent again).

    The environment is not consulted for TLS or credentials (``trust_env`` is off: no
    ``REQUESTS_CA_BUNDLE``, no ``.netrc``); proxies come from the transport's
    :class:`ProxyConfig`. A ``User-Agent`` is sent only if a modifier sets one (else
    urllib3's default).

    :param transport: mounted for ``http://`` and ``https://``; default
        :func:`new_transport`.
    :param modifiers: applied to every request and redirect hop, whatever its host, in
        order, before the authorizer (the reference's modifiers: ``User-Agent``, meta
        headers).
    :param host_modifiers: called with a hop's ``host[:port]`` (as in its URL, without user
        info) for the modifiers that host gets, applied after ``modifiers``; asked once per
        host for the session's lifetime. Usually :meth:`Hooks.request_modifiers
        <registry_core.manager.Hooks.request_modifiers>`, so a plugin's modifiers for the
        registry never reach the blob store or token server it sends the client to.
    :param plugin_hooks: the plugin hooks requests are sent through. (requests already
        uses the name ``hooks`` for its response hooks.)
    :param auth: the authorizer.
    :param max_redirects: the most redirect responses followed.
    """

    def __init__(
        self,
        transport: BaseAdapter | None = None,
        modifiers: Iterable[RequestModifier] = (),
        *,
        host_modifiers: HostModifiers | None = None,
        plugin_hooks: Hooks | None = None,
        auth: AuthBase | None = None,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        super().__init__()
        self.trust_env = False
        self.headers = _client_headers()
        self.max_redirects = max_redirects
        self.modifiers: list[RequestModifier] = list(modifiers)
        self.host_modifiers = host_modifiers
        self._host_modifiers_cache: dict[str, tuple[RequestModifier, ...]] = {}
        self._host_modifiers_lock = threading.Lock()
        self.plugin_hooks = plugin_hooks
        self.auth = auth
        adapter = transport if transport is not None else new_transport()
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """As requests does, except that the session's :attr:`auth` is not applied here but
        when each hop is sent; a request's own ``auth`` replaces it for that request."""
        cookies = request.cookies or {}
        if not isinstance(cookies, CookieJar):
            cookies = cookiejar_from_dict(cookies)  # type: ignore[no-untyped-call]
        merged_cookies = merge_cookies(  # type: ignore[no-untyped-call]
            merge_cookies(RequestsCookieJar(), self.cookies), cookies  # type: ignore[no-untyped-call]
        )
        prepared = requests.PreparedRequest()
        prepared.prepare(
            method=(request.method or "GET").upper(),
            url=request.url,
            files=request.files,
            data=request.data,
            json=request.json,
            headers=merge_setting(  # type: ignore[no-untyped-call]
                request.headers, self.headers, dict_class=CaseInsensitiveDict
            ),
            params=merge_setting(request.params, self.params),  # type: ignore[no-untyped-call]
            auth=None,
            cookies=merged_cookies,
            hooks=merge_hooks(request.hooks, self.hooks),  # type: ignore[no-untyped-call]
        )
        if request.auth is not None:
            setattr(prepared, _REQUEST_AUTH, _as_auth(request.auth))
        return prepared

    def resolve_redirects(
        self, resp: requests.Response, req: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> Iterator[Any]:
        """Unused: :meth:`send` follows redirects with the reference's policy."""
        return iter(())

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send ``request`` through the pipeline, following redirects unless
        ``allow_redirects=False``.

        :raises TransportError: a hop could not be sent or answered, a ``Location`` does not
            parse, or the redirect limit was reached.
        """
        if isinstance(request, requests.Request):
            raise ValueError("You can only send PreparedRequests.")
        allow_redirects = kwargs.pop("allow_redirects", True)
        response = self._send_hop(request, kwargs)
        if not allow_redirects:
            return response
        history: list[requests.Response] = []
        previous = request
        dropped = False  # whether a hop of this chain already went without the credentials
        while True:
            try:
                location = self.get_redirect_target(response)
            except UnicodeError:  # requests reads the Location as UTF-8
                response.close()
                raise TransportError(
                    f"{_go_op(previous.method)} {_url_for_message(previous.url or '')}: failed "
                    "to parse Location header: not UTF-8"
                ) from None
            behaviour = _redirect_method(previous.method or "GET", response.status_code)
            if location is None or behaviour is None:
                break
            method, include_body = behaviour
            if include_body and not resendable_body(request):
                break  # Go returns the redirect response when the body cannot be resent
            if len(history) + 1 >= self.max_redirects:
                response.close()
                raise TransportError(
                    f"{_go_op(request.method)} {_url_for_message(previous.url or '')}: "
                    f"stopped after {self.max_redirects} redirects"
                )
            hop, kept = self._redirect_hop(
                request, previous, response, location, method, include_body, dropped
            )
            dropped = dropped or not kept
            _drain(response)
            history.append(response)
            log.debug("following redirect %s -> %s", redact_url(previous.url or ""),
                      redact_url(hop.url or ""))
            previous = hop
            response = self._send_hop(hop, kwargs)
        if history:
            response.history = history
        return response

    def send_as_is(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send a finished request once: no modifiers, no authorizer, no redirects, but
        through the plugin hooks. For resending a request that already went through the
        pipeline (an authorizer's retry)."""
        kwargs.pop("allow_redirects", None)

        def raw_send(finished: requests.PreparedRequest) -> requests.Response:
            try:
                return requests.Session.send(self, finished, allow_redirects=False, **kwargs)
            except TransportError:
                raise
            except requests.RequestException as exc:
                raise _transport_error(finished, exc, None) from None

        if self.plugin_hooks is None:
            return raw_send(request)
        return self.plugin_hooks.send_request(request, raw_send)

    def _send_hop(
        self, logical: requests.PreparedRequest, kwargs: dict[str, Any]
    ) -> requests.Response:
        finished = logical.copy()
        finished.hooks = _copy_hooks(logical.hooks)
        for modifier in self.modifiers:
            modifier.modify_request(finished)
        for modifier in self._modifiers_for(_host_key(finished.url or "")):
            modifier.modify_request(finished)
        auth = getattr(logical, _REQUEST_AUTH, None) or _as_auth(self.auth)
        if auth is not None:
            finished = auth(finished)
        return self.send_as_is(finished, **kwargs)

    def _modifiers_for(self, host: str) -> tuple[RequestModifier, ...]:
        """The ``host_modifiers`` of ``host``, asked for once per session."""
        if self.host_modifiers is None:
            return ()
        with self._host_modifiers_lock:
            cached = self._host_modifiers_cache.get(host)
        if cached is not None:
            return cached
        found = tuple(self.host_modifiers(host))
        with self._host_modifiers_lock:
            return self._host_modifiers_cache.setdefault(host, found)

    def _redirect_hop(
        self,
        original: requests.PreparedRequest,
        previous: requests.PreparedRequest,
        response: requests.Response,
        location: str,
        method: str,
        include_body: bool,
        dropped_before: bool,
    ) -> tuple[RedirectedRequest, bool]:
        """The next hop, and whether it keeps the credential headers."""
        previous_url = previous.url or ""
        try:
            url = _hop_url(previous_url, location)
        except ValueError as exc:
            response.close()
            raise TransportError(
                f"{_go_op(previous.method)} {_url_for_message(previous_url)}: failed to parse "
                f"Location header {redact_url(location)!r}: {exc}"
            ) from None
        hop = RedirectedRequest()
        hop.__dict__.update(vars(original.copy()))
        hop.redirected_from = _without_userinfo(previous_url)
        hop.method = method
        hop.url = url
        kept = redirect_keeps_credentials(
            original.url or "", previous_url, url, dropped_before=dropped_before
        )
        hop.headers = _hop_headers(original.headers, kept)
        hop.hooks = _copy_hooks(original.hooks)
        if not include_body:  # a body to send again was rewound by resendable_body
            hop.body = None
            for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
                hop.headers.pop(name, None)
        referer = referer_for(previous_url, url)
        if referer is None:
            hop.headers.pop("Referer", None)
        else:
            hop.headers["Referer"] = referer
        if "Cookie" not in hop.headers:
            hop.prepare_cookies(self.cookies)
        request_auth = getattr(original, _REQUEST_AUTH, None)
        if request_auth is not None:
            setattr(hop, _REQUEST_AUTH, request_auth)
        return hop, kept


def _drain(response: requests.Response) -> None:
    """Read a redirect's body so the connection can be reused; errors do not matter."""
    with contextlib.suppress(requests.RequestException, OSError, RuntimeError):
        response.content  # noqa: B018
    response.close()


def http_client(
    transport: BaseAdapter | None = None,
    modifiers: Iterable[RequestModifier] = (),
    *,
    hooks: Hooks | None = None,
    auth: AuthBase | None = None,
    host_modifiers: HostModifiers | None = None,
) -> RegistrySession:
    """A :class:`RegistrySession` sending through ``transport`` (Go ``HTTPClient``, with
    distribution's ``transport.NewTransport(base, modifiers...)`` folded in).

    :param transport: usually from :func:`new_transport`; ``None`` for the default one.
    :param modifiers: applied to every request and redirect hop, before ``auth``.
    :param hooks: send every request through these plugins' ``registry_send_request``.
    :param auth: the authorizer, called for every request and redirect hop.
    :param host_modifiers: gives the modifiers for each hop's ``host[:port]``, applied after
        ``modifiers`` (usually ``hooks.request_modifiers``).
    """
    return RegistrySession(
        transport, modifiers, host_modifiers=host_modifiers, plugin_hooks=hooks, auth=auth
    )


# -- the plugin -----------------------------------------------------------------------------


@hookimpl(trylast=True)
def registry_send_request(
    request: requests.PreparedRequest, send: SendFunction
) -> requests.Response:
    """The core's sender: runs last and sends the request, with no hooks around it."""
    return send(request)
