"""The request pipeline: :class:`RegistrySession` and :func:`http_client`.

These are the counterparts of the reference's ``HTTPClient`` (moby ``registry/registry.go``)
and of distribution's ``transport.NewTransport(base, modifiers...)``: a request goes through
the request modifiers, then the authorizer, then the ``registry_send_request`` plugin hooks,
then the transport; redirects are followed here, with the reference's header policy.

The parts live in their own modules and are re-exported here, where they are documented:
request modifiers (:mod:`registry_core.modifiers`), proxies (:mod:`registry_core.proxy`), the
TLS adapter (:mod:`registry_core.tlsadapter`), the redirect policy
(:mod:`registry_core.redirects`), redaction (:mod:`registry_core.redact`) and Go's
``url.Error`` texts (:mod:`registry_core.urlerror`).

The core's own sender is not a plugin: :meth:`Hooks.send_request
<registry_core.manager.Hooks.send_request>` always puts it last, so no plugin can be blocked
away from under the ``registry_send_request`` wrappers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.auth import AuthBase, HTTPBasicAuth
from requests.cookies import RequestsCookieJar, cookiejar_from_dict, merge_cookies
from requests.sessions import merge_hooks, merge_setting
from requests.structures import CaseInsensitiveDict
from requests.utils import default_headers

from .bodies import discard_body
from .errors import TransportError
from .interfaces import RequestModifier
from .modifiers import HeaderRequestModifier, HostModifiers, headers
from .proxy import ProxyConfig
from .redact import redact_url
from .redirects import (
    MAX_REDIRECTS,
    SENSITIVE_HEADERS,
    TRUSTED_DOMAINS,
    RedirectedRequest,
    _hop_headers,
    _hop_url,
    _redirect_method,
    redirect_headers,
    redirect_keeps_credentials,
    redirected_from,
    referer_for,
    resendable_body,
    trusted_location,
)
from .tlsadapter import (
    DIAL_TIMEOUT,
    READ_TIMEOUT,
    TLS_HANDSHAKE_TIMEOUT,
    RegistryTransport,
    new_transport,
)
from .urlerror import transport_error, url_error
from .urls import host_port, without_userinfo

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
]

log = logging.getLogger(__name__)

# The name under which a request's own ``auth=`` travels with the prepared request.
_REQUEST_AUTH = "_registry_core_auth"


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
                    url_error(
                        previous.method,
                        previous.url or "",
                        "failed to parse Location header: not UTF-8",
                    )
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
                    url_error(
                        request.method,
                        previous.url or "",
                        f"stopped after {self.max_redirects} redirects",
                    )
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
                raise transport_error(finished, exc, None) from None

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
        for modifier in self._modifiers_for(host_port(urlsplit(finished.url or "").netloc)):
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
                url_error(
                    previous.method,
                    previous_url,
                    f"failed to parse Location header {redact_url(location)!r}: {exc}",
                )
            ) from None
        hop = RedirectedRequest()
        hop.__dict__.update(vars(original.copy()))
        hop.redirected_from = without_userinfo(previous_url)
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
    """Read a redirect's body so the connection can be reused, unless it is large (then the
    connection is closed instead: a hostile server may send gigabytes); errors do not
    matter."""
    with contextlib.suppress(requests.RequestException, OSError, RuntimeError):
        discard_body(response)
    response.close()


def http_client(
    transport: BaseAdapter | None = None,
    modifiers: Iterable[RequestModifier] = (),
    *,
    plugin_hooks: Hooks | None = None,
    auth: AuthBase | None = None,
    host_modifiers: HostModifiers | None = None,
    hooks: Hooks | None = None,
) -> RegistrySession:
    """A :class:`RegistrySession` sending through ``transport`` (Go ``HTTPClient``, with
    distribution's ``transport.NewTransport(base, modifiers...)`` folded in).

    :param transport: usually from :func:`new_transport`; ``None`` for the default one.
    :param modifiers: applied to every request and redirect hop, before ``auth``.
    :param plugin_hooks: send every request through these plugins' ``registry_send_request``
        (the session's :attr:`~RegistrySession.plugin_hooks`).
    :param auth: the authorizer, called for every request and redirect hop.
    :param host_modifiers: gives the modifiers for each hop's ``host[:port]``, applied after
        ``modifiers`` (usually ``plugin_hooks.request_modifiers``).
    :param hooks: the old name of ``plugin_hooks``; deprecated (a
        :class:`DeprecationWarning`), as requests already uses ``hooks`` for response hooks.
    """
    if hooks is not None:
        warnings.warn(
            "http_client(hooks=...) is deprecated; use plugin_hooks=...",
            DeprecationWarning,
            stacklevel=2,
        )
        if plugin_hooks is not None and plugin_hooks is not hooks:
            raise TypeError("http_client() got both plugin_hooks and hooks")
        plugin_hooks = hooks
    return RegistrySession(
        transport, modifiers, host_modifiers=host_modifiers, plugin_hooks=plugin_hooks, auth=auth
    )
