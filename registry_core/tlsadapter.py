"""The transport: a requests adapter whose TLS comes only from a
:class:`~registry_core.tlsconfig.TLSConfig` (the reference's ``NewTransport``), with its
timeouts, keep-alive pooling and proxy choice.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from importlib.util import find_spec
from typing import Any, ClassVar

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, LocationValueError
from urllib3.util.timeout import Timeout

from .bodies import MAX_BODY, MAX_ERROR_BODY, preload
from .deadline import DEFAULT_REQUEST_DEADLINE, WatchedConnection, call_deadline
from .errors import TransportError
from .proxy import ProxyConfig, _normalize_proxy_url
from .redact import redact_url
from .tlsconfig import TLSConfig
from .urlerror import transport_error, url_error

__all__ = [
    "DIAL_TIMEOUT",
    "READ_TIMEOUT",
    "TLS_HANDSHAKE_TIMEOUT",
    "RegistryTransport",
    "new_transport",
]

#: Seconds to establish a TCP connection (the reference's ``net.Dialer.Timeout``).
DIAL_TIMEOUT = 30.0
#: Seconds each step of the TLS handshake may wait (the reference's ``TLSHandshakeTimeout``,
#: which bounds the whole handshake; see :class:`RegistryTransport`).
TLS_HANDSHAKE_TIMEOUT = 10.0
#: Seconds to wait for each read of a response. The reference has no read timeout at all,
#: so a server that stops answering hangs it; one minute of silence is far beyond what a
#: working registry or blob store takes.
READ_TIMEOUT = 60.0


class _RegistryHTTPConnection(WatchedConnection, HTTPConnection):
    """A plain HTTP connection whose sockets the running deadline can shut down."""


class _RegistryHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _RegistryHTTPConnection


class _RegistryHTTPSConnection(WatchedConnection, HTTPSConnection):
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
    - Beyond the reference, each request has an overall deadline, ``request_deadline``
      seconds for connect, TLS, headers and (when it is read with the request, ``stream``
      off) the body together: a drip or a stall at any point ends in
      :class:`~registry_core.errors.DeadlineExceededError` naming the request and the phase
      (see :mod:`registry_core.deadline`; an enclosing
      :func:`~registry_core.deadline.call_deadline` applies too). A body read with the
      request is capped: ``max_body`` bytes for a success
      (:class:`~registry_core.errors.ResponseTooLargeError` beyond), ``max_error_body`` for an
      error or redirect, whose body is only quoted (cut there); a body cut short is
      :class:`~registry_core.errors.ResponseCutShortError`.

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
        request_deadline: float | None = DEFAULT_REQUEST_DEADLINE,
        max_body: int = MAX_BODY,
        max_error_body: int = MAX_ERROR_BODY,
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
        self.request_deadline = request_deadline
        self.max_body = max_body
        self.max_error_body = max_error_body
        self._cert_reqs = "CERT_NONE" if self.tls_config.insecure_skip_verify else "CERT_REQUIRED"
        self._https_pool = _https_pool_class(tls_handshake_timeout)
        self._socket_options = _keepalive_options()
        super().__init__(pool_connections=pool_connections, pool_maxsize=pool_maxsize)

    # urllib3 plumbing: every pool, direct or through a proxy, gets our context and our
    # handshake-timeout connection class.

    def _install_pool_classes(self, manager: PoolManager) -> None:
        manager.pool_classes_by_scheme = {
            "http": _RegistryHTTPConnectionPool,
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
                url_error(request.method, request.url or "", exc)
            ) from None
        chosen = {"all": proxy} if proxy is not None else {}
        what = f'{(request.method or "GET").title()} "{redact_url(request.url or "")}"'
        with call_deadline(self.request_deadline, what) as deadline:
            return self._send_within(request, stream, timeout, chosen, proxy, deadline)

    def _send_within(
        self,
        request: requests.PreparedRequest,
        stream: bool,
        timeout: Any,
        chosen: Mapping[str, str],
        proxy: str | None,
        deadline: Any,
    ) -> requests.Response:
        timeout = self._timeout(timeout)
        if deadline is not None:  # no single socket wait may outlast the deadline
            if isinstance(timeout, tuple):
                timeout = tuple(deadline.clip(part) for part in timeout)
            elif not isinstance(timeout, Timeout):
                timeout = deadline.clip(timeout)
        try:
            response = super().send(
                request,
                stream=True,
                timeout=timeout,
                verify=True,
                cert=None,
                proxies=dict(chosen),
            )
            if not stream:  # read it here, capped, while the deadline still holds
                preload(response, self.max_body, self.max_error_body)
            return response
        except requests.RequestException as exc:
            raise transport_error(request, exc, proxy) from None
        except LocationValueError:  # urllib3's own, e.g. an empty or 64-byte DNS label
            raise TransportError(
                url_error(request.method, request.url or "", "invalid host name")
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
