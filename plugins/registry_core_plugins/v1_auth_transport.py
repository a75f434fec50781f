"""The v1 registry auth layer: basic auth and ``X-Docker-Token`` tokens (Go ``AuthTransport``).

A v1 index issues a token when a request asks for one with ``X-Docker-Token: true`` and
carries basic auth; the client then sends ``Authorization: Token <token>`` instead of its
password. Go does this in an ``http.RoundTripper``; the requests counterpart is a transport
adapter, so :class:`AuthTransport` wraps another :class:`requests.adapters.BaseAdapter` and is
mounted on a session like any adapter.

The plugin that offers it, :mod:`registry_core_plugins.v1_token_auth`, imports this module
(and requests with it) only when a v1 transport is asked for, so registering the built-in
plugins loads no HTTP machinery.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from registry_core.challenge import header_values
from registry_core.errors import AuthenticationError
from registry_core.handlers import basic_authorization
from registry_core.transport import redirected_from, trusted_location
from registry_core.types import AuthConfig
from registry_core.urls import host_port

__all__ = ["AuthTransport", "auth_transport", "trusted_location"]

#: The plugin's name: what a user filters the v1 auth layer's messages by.
log = logging.getLogger("registry_core_plugins.v1_token_auth")

_TOKEN_HEADER = "X-Docker-Token"

Timeout = float | tuple[float, float] | tuple[float, None] | None
Cert = bytes | str | tuple[bytes | str, bytes | str] | None


def _where(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` for logs: never its user info, path or query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{host_port(parts.netloc)}"


class AuthTransport(BaseAdapter):
    """Adds v1 credentials to each request, then sends it through ``base``.

    The rules, in order (the reference's ``authTransport.RoundTrip``):

    1. A request with a ``Referer`` header is a redirect hop (the session sets it, as Go's
       client does), and so, beyond the reference, is one that
       :func:`registry_core.transport.redirected_from` marks (registry-core's session marks
       every hop, including an https-to-http one, which carries no ``Referer``). A hop to an
       untrusted location (see :func:`~registry_core.transport.trusted_location`) is sent as
       it is, with no credentials added, and a token in its response is not kept.
    2. With ``always_set_basic_auth`` (a standalone private v1 registry over https), every
       request gets basic auth; with no ``auth_config`` that is an error.
    3. Otherwise an ``Authorization`` header already on the request is kept. If there is none,
       a request carrying ``X-Docker-Token: true`` gets basic auth when the user name is not
       empty; any other request gets ``Authorization: Token <tokens joined by ",">`` once a
       token is held.
    4. A response to a request that carried ``X-Docker-Token: true`` and has
       ``X-Docker-Token`` headers replaces the held tokens. A token the client did not ask
       for is ignored (the reference's documentation says so; its 19.03 code keeps it).

    The caller's request is never changed: credentials go on a copy. The held tokens are
    shared by all threads using this adapter.
    """

    def __init__(
        self,
        base: BaseAdapter | None,
        auth_config: AuthConfig | None,
        always_set_basic_auth: bool,
    ) -> None:
        super().__init__()
        self.base: BaseAdapter = HTTPAdapter() if base is None else base
        self.auth_config = auth_config
        self.always_set_basic_auth = always_set_basic_auth
        self._lock = threading.Lock()
        self._tokens: tuple[str, ...] = ()

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Timeout = None,
        verify: bool | str = True,
        cert: Cert = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        def forward(req: requests.PreparedRequest) -> requests.Response:
            return self.base.send(
                req, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )

        url = request.url or ""
        hop = bool(request.headers.get("Referer")) or redirected_from(request) is not None
        if hop and not trusted_location(url):
            log.debug(
                "v1 auth: redirect to untrusted location %s, adding no credentials",
                _where(url),
            )
            return forward(request)

        req = request.copy()
        if self.always_set_basic_auth:
            if self.auth_config is None:
                raise AuthenticationError("unexpected error: empty auth config")
            req.headers["Authorization"] = basic_authorization(
                self.auth_config.username, self.auth_config.password
            )
            return forward(req)

        asked = req.headers.get(_TOKEN_HEADER) == "true"
        if not req.headers.get("Authorization"):
            if asked and self.auth_config is not None and self.auth_config.username:
                req.headers["Authorization"] = basic_authorization(
                    self.auth_config.username, self.auth_config.password
                )
            else:
                with self._lock:
                    tokens = self._tokens
                if tokens:
                    req.headers["Authorization"] = "Token " + ",".join(tokens)

        response = forward(req)
        if asked:
            issued = header_values(response, _TOKEN_HEADER)
            if issued:
                with self._lock:
                    self._tokens = tuple(issued)
                log.debug("v1 auth: holding %d token(s) issued by %s", len(issued), _where(url))
        return response

    def close(self) -> None:
        self.base.close()

    def __repr__(self) -> str:
        username = None if self.auth_config is None else self.auth_config.username
        return (
            f"{type(self).__name__}(base={self.base!r}, username={username!r}, "
            f"always_set_basic_auth={self.always_set_basic_auth!r})"
        )


def auth_transport(
    base: BaseAdapter | None, auth_config: AuthConfig | None, always_set_basic_auth: bool
) -> AuthTransport:
    """Wrap ``base`` in the v1 auth layer (Go ``AuthTransport``); ``None`` means a new
    :class:`requests.adapters.HTTPAdapter`, as Go falls back to ``http.DefaultTransport``.

    Set ``always_set_basic_auth`` for a standalone private v1 registry over https; leave it
    off for the official index, which trades basic auth for ``X-Docker-Token`` tokens.
    """
    return AuthTransport(base, auth_config, always_set_basic_auth)
