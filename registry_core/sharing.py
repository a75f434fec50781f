"""What the sessions of one service share: transports, pings and tokens (beyond the reference).

The reference builds a transport, pings the registry and fetches tokens for every repository
it opens, and keeps none of it. :class:`SharedResources` is the
:class:`~registry_core.authsession.SessionResources` a
:class:`~registry_core.service.DefaultService` gives its sessions instead, so that

* one transport (its connection pools and its SSL context) serves every session whose
  endpoint has the same TLS configuration: the CA bundle is loaded once per configuration, and
  connections are reused across sessions, one per host and thread at most;
* an endpoint's answer to ``GET /v2/`` (whether it is a v2 registry, and its challenges) is
  remembered for ``ping_ttl`` seconds, so a second session on a known registry sends no ping;
* an https endpoint that failed while its plain-http twin answered (an insecure registry that
  speaks only http) is not tried again for ``ping_ttl`` seconds: the session goes to the http
  endpoint at once, as the reference would after the https attempt failed;
* tokens are shared between sessions: per registry, realm policy, credentials, realm, service
  and scopes, until ``REFRESH_MARGIN`` seconds before they expire. Sessions with different
  credentials never see each other's tokens.

Everything is safe to use from many threads: concurrent sessions needing the same transport,
ping or token wait for one build, one ping, one fetch.

Sessions close what they own; the shared transports belong to the :class:`SharedResources`
and are closed by :meth:`SharedResources.close` (``DefaultService.close``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPHeaderDict

from .errors import TransportError
from .ping import PING_TIMEOUT, ping_url
from .tlsadapter import RegistryTransport
from .tokens import REFRESH_MARGIN, TokenHandler

if TYPE_CHECKING:
    from .interfaces import CredentialStore
    from .realm import RealmPolicy
    from .transport import RegistrySession
    from .types import APIEndpoint

__all__ = ["PING_TTL", "SharedResources"]

#: Seconds a ping answer (and an https failure next to a working http twin) is remembered.
PING_TTL = 30.0
#: Connections kept per host in a shared transport: enough for one per thread of a busy
#: program (requests' default of 10 would open and drop extra connections from 16 threads).
POOL_MAXSIZE = 32
#: The most shared transports, pings and tokens kept (least recently used go first).
MAX_ENTRIES = 256
#: The longest ping body read to keep its connection (a registry's is under 100 bytes).
MAX_PING_BODY = 64 * 1024


class _BorrowedTransport(BaseAdapter):
    """A session's view of a shared transport: sends through it, never closes it."""

    def __init__(self, shared: RegistryTransport) -> None:
        super().__init__()
        self.shared = shared

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        return self.shared.send(request, *args, **kwargs)

    def close(self) -> None:
        """Nothing: the transport is shared; :meth:`SharedResources.close` closes it."""

    def __repr__(self) -> str:
        return f"_BorrowedTransport({self.shared!r})"


@dataclass(frozen=True)
class _Ping:
    """What a ping answered, enough to rebuild the response for its challenges."""

    url: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    at: float

    @classmethod
    def of(cls, response: requests.Response, at: float) -> _Ping:
        raw = getattr(getattr(response, "raw", None), "headers", None)
        items = raw.items() if raw is not None else response.headers.items()
        request_url = response.request.url if response.request is not None else None
        return cls(request_url or response.url, response.status_code, response.reason or "",
                   tuple((str(k), str(v)) for k, v in items), at)

    def response(self) -> requests.Response:
        """A fresh copy of the answer, body already read (a ping's body is never looked at)."""
        response = requests.Response()
        response.status_code = self.status
        response.reason = self.reason
        response.url = self.url
        response.headers = CaseInsensitiveDict(dict(self.headers))
        # Repeated headers (several WWW-Authenticate lines) stay apart, as on the wire.
        response.raw = SimpleNamespace(headers=HTTPHeaderDict(list(self.headers)))
        response._content = b""
        response._content_consumed = True  # type: ignore[attr-defined]
        request = requests.PreparedRequest()
        request.prepare(method="GET", url=self.url)
        response.request = request
        return response


def _send_ping(session: RegistrySession, url: str) -> requests.Response:
    """``GET url``, as :func:`~registry_core.ping.send_ping`, but a short body is read so
    that the connection goes back to the pool for the session's next requests (unread, it
    would be closed). A long or unannounced body is not read: its connection is dropped.

    :raises TransportError: the request could not be sent or answered.
    """
    try:
        response = session.get(url, timeout=PING_TIMEOUT, stream=True)
    except requests.RequestException as exc:
        raise TransportError(f'Get "{url}": {type(exc).__name__}') from exc
    try:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) <= MAX_PING_BODY:
            response.content  # noqa: B018 - read, so the connection can be reused
    except requests.RequestException:
        pass  # the answer's status and headers are all a ping needs
    finally:
        response.close()
    return response


@dataclass(frozen=True)
class _Token:
    token: str
    expires_at: float


class SharedResources:
    """Transports, pings and tokens shared by the sessions of one service (thread-safe).

    :param ping_ttl: seconds a ping answer is reused.
    :param clock: a monotonic clock in seconds (for tests).
    """

    def __init__(
        self, *, ping_ttl: float = PING_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ping_ttl = ping_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._transports: OrderedDict[Hashable, RegistryTransport] = OrderedDict()
        self._pings: OrderedDict[str, _Ping] = OrderedDict()
        self._https_failures: dict[str, tuple[str, float]] = {}
        self._skip: dict[str, tuple[str, float]] = {}
        self._tokens: OrderedDict[Hashable, _Token] = OrderedDict()
        self._pending: dict[Hashable, threading.Lock] = {}

    # -- transports -------------------------------------------------------------------------

    def transport(self, endpoint: APIEndpoint) -> BaseAdapter:
        key = ("transport", endpoint.tls_config.cache_key())
        with self._once(key):
            with self._lock:
                shared = self._transports.get(key)
                if shared is not None:
                    self._transports.move_to_end(key)
            if shared is None:
                # Built outside the main lock (loading a CA bundle takes tens of ms), once:
                # other threads wanting this configuration wait on the key's own lock.
                shared = RegistryTransport(endpoint.tls_config, pool_maxsize=POOL_MAXSIZE)
                with self._lock:
                    self._transports[key] = shared
                    self._evict(self._transports, close=True)
        return _BorrowedTransport(shared)

    # -- pings ------------------------------------------------------------------------------

    def ping(self, session: RegistrySession, endpoint: APIEndpoint) -> requests.Response:
        url = ping_url(endpoint.url)
        asked = self._clock()
        with self._once(("ping", url)):
            now = self._clock()
            with self._lock:
                failed = self._https_failures.get(url)
                if failed is not None and failed[1] >= asked:
                    # It failed while this caller waited for that very ping: one attempt
                    # answers every caller that was waiting for it.
                    raise TransportError(failed[0])
                skipped = self._skip.get(url)
                if skipped is not None and now - skipped[1] < self.ping_ttl:
                    raise TransportError(skipped[0])
                known = self._pings.get(url)
                if known is not None and now - known.at < self.ping_ttl:
                    self._pings.move_to_end(url)
                    return known.response()
            if failed is not None and now - failed[1] < self.ping_ttl:
                self._await_twin(url)
            try:
                response = _send_ping(session, url)
            except TransportError as exc:
                if url.startswith("https://"):
                    with self._lock:
                        self._https_failures[url] = (str(exc), self._clock())
                raise
            answered = self._clock()
            with self._lock:
                self._pings[url] = _Ping.of(response, answered)
                self._evict(self._pings)
                if url.startswith("http://"):
                    twin = "https://" + url[len("http://"):]
                    failure = self._https_failures.pop(twin, None)
                    if failure is not None and answered - failure[1] < self.ping_ttl:
                        self._skip[twin] = (failure[0], answered)
            return response

    def _await_twin(self, url: str) -> None:
        """https ``url`` failed a moment ago: if its plain-http twin is being pinged right
        now (the session that saw the failure moved on to it), wait for that answer, and
        raise the remembered failure when http answered, instead of a second https attempt
        that the twin's answer is about to make pointless. Without a ping of the twin in
        flight, nothing happens: the caller tries https again, as the reference does.

        :raises TransportError: the twin answered while this caller waited.
        """
        if not url.startswith("https://"):
            return
        twin = "http://" + url[len("https://"):]
        with self._lock:
            in_flight = self._pending.get(("ping", twin))
        if in_flight is None or not in_flight.locked():
            return
        with in_flight:  # the twin's pinger holds it until its answer is remembered
            pass
        with self._lock:
            skipped = self._skip.get(url)
        if skipped is not None and self._clock() - skipped[1] < self.ping_ttl:
            raise TransportError(skipped[0])

    # -- tokens -----------------------------------------------------------------------------

    def token_handler(
        self,
        session: RegistrySession,
        credentials: CredentialStore | None,
        *,
        scopes: Sequence[str],
        realm_policy: RealmPolicy,
    ) -> TokenHandler:
        return _SharedTokenHandler(
            self, session, credentials, scopes=scopes, realm_policy=realm_policy
        )

    def token(self, key: Hashable, fetch: Callable[[], tuple[str, float]],
              now: Callable[[], float]) -> str:
        """The token under ``key``: remembered while fresh, else fetched once for all the
        threads that need it."""
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and now() < cached.expires_at - REFRESH_MARGIN:
                self._tokens.move_to_end(key)
                return cached.token
        with self._once(("token", key)):
            with self._lock:
                cached = self._tokens.get(key)
            if cached is not None and now() < cached.expires_at - REFRESH_MARGIN:
                return cached.token
            token, expires_at = fetch()
            with self._lock:
                self._tokens[key] = _Token(token, expires_at)
                self._evict(self._tokens)
            return token

    # -- housekeeping -----------------------------------------------------------------------

    def forget(self) -> None:
        """Drop remembered pings, https failures and tokens (transports stay open)."""
        with self._lock:
            self._pings.clear()
            self._https_failures.clear()
            self._skip.clear()
            self._tokens.clear()

    def close(self) -> None:
        """Close the shared transports and forget everything."""
        self.forget()
        with self._lock:
            transports = list(self._transports.values())
            self._transports.clear()
        for transport in transports:
            transport.close()

    def _once(self, key: Hashable) -> threading.Lock:
        """The lock under which one thread at a time builds or fetches ``key``."""
        with self._lock:
            lock = self._pending.get(key)
            if lock is None:
                lock = self._pending[key] = threading.Lock()
                if len(self._pending) > 4 * MAX_ENTRIES:
                    # Drop locks nobody holds; a waiter keeps its own reference.
                    for stale in [k for k, v in self._pending.items() if not v.locked()]:
                        if stale != key:
                            del self._pending[stale]
            return lock

    @staticmethod
    def _evict(entries: OrderedDict[Any, Any], *, close: bool = False) -> None:
        while len(entries) > MAX_ENTRIES:
            _, oldest = entries.popitem(last=False)
            if close:
                oldest.close()


class _SharedTokenHandler(TokenHandler):
    """A token handler whose tokens live in a :class:`SharedResources`, not in the session.

    The key holds what decides which token a request may carry: the registry and the realm
    policy (where credentials may go), a digest of the configured credentials (user name,
    password, identity token: different credentials never share a token), the realm, the
    service and the scopes.
    """

    def __init__(self, shared: SharedResources, session: requests.Session,
                 credentials: CredentialStore | None, **kwargs: Any) -> None:
        super().__init__(session, credentials, **kwargs)
        self._shared = shared

    def get_token(self, params: Mapping[str, str], scopes: Sequence[str]) -> str:
        realm = params.get("realm")
        if realm is None:
            return super().get_token(params, scopes)  # raises the reference's error
        policy = self.realm_policy
        key = (
            policy.registry if policy is not None else None,
            policy.secure if policy is not None else None,
            policy.trusted_realms if policy is not None else None,
            # A bound method compares and hashes by its object and function.
            policy.trust_hook if policy is not None else None,
            self._credentials_digest(),
            realm,
            params.get("service", ""),
            frozenset(scopes),
        )
        return self._shared.token(
            key, lambda: self.fetch_token(params, list(scopes)), self.clock
        )

    def _credentials_digest(self) -> str:
        """A digest of the credentials as configured, not of what a session learnt since: a
        refresh token the token server hands out (and may rotate) stays out of it, or a
        session's second token request would miss the token its first one fetched."""
        if self.credentials is None:
            return ""
        configured = getattr(self.credentials, "auth_config", None)
        if callable(configured):
            config = configured()
            parts = ("configured", "", "", "") if config is None else (
                "configured", config.username, config.password, config.identity_token)
        else:
            username, password = self.credentials.basic("")
            identity = "" if username or password else self.credentials.refresh_token("", "")
            parts = ("basic", username, password, identity)
        material = "\0".join(parts).encode("utf-8", "surrogatepass")
        return hashlib.sha256(material).hexdigest()
