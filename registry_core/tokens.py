"""Bearer tokens: distribution's ``tokenHandler`` as the reference configures it, with its
cache and its own redirect-following token client.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from .bodies import read_body
from .constants import AUTH_CLIENT_ID
from .deadline import call_deadline
from .errcode import _token_server_error
from .errors import ResponseTooLargeError, TokenError, UntrustedRealmError
from .handlers import basic_authorization
from .realm import RealmPolicy, _same_origin, _Target, _target
from .redact import redact_url
from .scopes import repository_scope
from .tokenresponse import _decode_token_response

if TYPE_CHECKING:
    from .interfaces import CredentialStore

__all__ = [
    "MAX_TOKEN_BODY",
    "MAX_TOKEN_REDIRECTS",
    "MINIMUM_TOKEN_LIFETIME",
    "NO_TOKEN_MESSAGE",
    "REFRESH_MARGIN",
    "TOKEN_TIMEOUT",
    "TokenHandler",
]

log = logging.getLogger(__name__)

#: Go ``minimumTokenLifetimeSeconds``: a token is assumed to live at least this long.
MINIMUM_TOKEN_LIFETIME = 60
#: A cached token is replaced this many seconds before it expires (the reference waits
#: until the expiry itself, so a request can leave with a token that dies on the way).
REFRESH_MARGIN = 10.0
#: The most of a token response we read; a token server that sends more is broken or hostile.
MAX_TOKEN_BODY = 1 << 20
#: Seconds a token request may take (the reference's token client: ``15 * time.Second``).
TOKEN_TIMEOUT = 15.0
#: Seconds a whole token fetch may take, redirects and body included (beyond the reference,
#: whose 15 s apply per request and are not enforced on the body).
TOKEN_DEADLINE = 30.0
#: The most redirects a token request follows (Go's client: 10).
MAX_TOKEN_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Go ``ErrNoToken``.
NO_TOKEN_MESSAGE = "authorization server did not include a token in the response"

Clock = Callable[[], float]


@dataclass(frozen=True)
class _CachedToken:
    token: str
    expires_at: float


_TokenKey = tuple[str, str, frozenset[str]]


class TokenHandler:
    """Bearer tokens from the challenge's realm (distribution's ``tokenHandler``).

    Configured as the reference configures it: offline access on, client id ``docker``,
    never forced into OAuth. Without a refresh token it sends
    ``GET realm?service=...&scope=...&offline_token=true&client_id=docker[&account=user]``
    (basic credentials only when both user name and password are set); with one it sends
    ``POST realm`` with ``grant_type=refresh_token``.

    :param session: sends token requests (TLS and request modifiers of the registry, no
        authorizer).
    :param credentials: the credential store; ``None`` for anonymous tokens.
    :param scopes: the scopes every token asks for.
    :param realm_policy: where credentials may go; ``None`` trusts every well-formed realm
        (the reference's behaviour; only for tests and callers that checked already). A realm
        with user info, a backslash, white space or a control character is refused either
        way.
    :param clock: seconds since the epoch; for tests.
    """

    scheme = "bearer"

    def __init__(
        self,
        session: requests.Session,
        credentials: CredentialStore | None,
        *,
        scopes: Sequence[str] = (),
        realm_policy: RealmPolicy | None = None,
        offline_access: bool = True,
        client_id: str = AUTH_CLIENT_ID,
        clock: Clock = time.time,
    ) -> None:
        self.session = session
        self.credentials = credentials
        self.scopes = tuple(scopes)
        self.realm_policy = realm_policy
        self.offline_access = offline_access
        self.client_id = client_id or "registry-client"
        self.clock = clock
        self._lock = threading.Lock()
        self._fetch_locks: dict[_TokenKey, threading.Lock] = {}
        self._cache: dict[_TokenKey, _CachedToken] = {}

    def scopes_for(self, request: requests.PreparedRequest) -> list[str]:
        """The configured scopes plus, for a cross-repository mount (``?from=``), a pull scope
        on the source repository, as the reference adds it."""
        scopes = list(self.scopes)
        query = dict(parse_qsl(urlsplit(request.url or "").query, keep_blank_values=True))
        source = query.get("from", "")
        if source:
            extra = repository_scope(source, ["pull"])
            if extra not in scopes:
                scopes.append(extra)
        return scopes

    def authorize_request(
        self, request: requests.PreparedRequest, params: Mapping[str, str]
    ) -> None:
        token = self.get_token(params, self.scopes_for(request))
        request.headers["Authorization"] = f"Bearer {token}"

    def get_token(self, params: Mapping[str, str], scopes: Sequence[str]) -> str:
        """A token for ``scopes`` from the realm in ``params``, from the cache when fresh.

        Threads that need the same token at the same moment wait for one fetch.
        """
        realm = params.get("realm")
        if realm is None:
            raise TokenError("no realm specified for token auth challenge")
        key: _TokenKey = (realm, params.get("service", ""), frozenset(scopes))
        with self._lock:
            cached = self._fresh(key)
            if cached is not None:
                return cached
            fetch_lock = self._fetch_locks.setdefault(key, threading.Lock())
        with fetch_lock:
            with self._lock:
                cached = self._fresh(key)
            if cached is not None:
                return cached
            token, expires_at = self.fetch_token(params, list(scopes))
            with self._lock:
                self._cache[key] = _CachedToken(token, expires_at)
            return token

    def _fresh(self, key: _TokenKey) -> str | None:
        cached = self._cache.get(key)
        if cached is not None and self.clock() < cached.expires_at - REFRESH_MARGIN:
            return cached.token
        return None

    def fetch_token(self, params: Mapping[str, str], scopes: list[str]) -> tuple[str, float]:
        """Fetch a token; returns ``(token, expires_at)`` (Go ``fetchToken``).

        :raises UntrustedRealmError: the realm is ambiguous (user info, a backslash, white
            space, a control character), or credentials may not go there.
        :raises TokenError: the realm is not a URL, or the token server's answer is unusable.
        """
        realm = params.get("realm")
        if realm is None:
            raise TokenError("no realm specified for token auth challenge")
        target = _target(realm)
        service = params.get("service", "")
        refresh_token = ""
        if self.credentials is not None:
            refresh_token = self.credentials.refresh_token(target.url, service)
        # The whole exchange, redirects and body included, has one deadline: per-read
        # timeouts alone let a server that drips one byte at a time hold it forever.
        with call_deadline(TOKEN_DEADLINE, f'token request to "{redact_url(target.url)}"'):
            if refresh_token:
                answer = self._fetch_with_refresh_token(target, refresh_token, service, scopes)
            else:
                answer = self._fetch_with_basic_auth(target, service, scopes)
        _check_header_safe(answer[0], target.url)
        return answer

    def _secrets(self, *sent: str) -> list[str]:
        """What must never be quoted: the password, the refresh token held now, and what
        this request sent (``sent``: a refresh token another thread may have rotated since)."""
        if self.credentials is None:
            return list(sent)
        username, password = self.credentials.basic("")
        pair = f"{username}:{password}" if password else ""
        return [pair, password, self.credentials.refresh_token("", ""), *sent]

    def _fetch_with_basic_auth(
        self, target: _Target, service: str, scopes: list[str]
    ) -> tuple[str, float]:
        realm = target.url
        parts = urlsplit(realm)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if service:
            query.append(("service", service))
        query.extend(("scope", scope) for scope in scopes)
        if self.offline_access:
            query.append(("offline_token", "true"))
            query.append(("client_id", self.client_id))
        headers = {}
        if self.credentials is not None:
            username, password = self.credentials.basic(realm)
            if username and password:
                if self.realm_policy is not None:
                    self.realm_policy.check(realm)
                query.append(("account", username))
                headers["Authorization"] = basic_authorization(username, password)
        # Go's url.Values.Encode(): sorted by key, order kept within a key.
        query.sort(key=lambda item: item[0])
        url = urlunsplit(parts._replace(query=urlencode(query)))
        log.debug("fetching token from %s for service %r, scopes %s", redact_url(realm),
                  service, scopes)
        response = self._send("GET", url, headers=headers, secret=bool(headers))
        secrets = self._secrets()
        fields = _decode_token_response(self._checked_body(response, secrets),
                                        "getTokenResponse", secrets)
        if fields.refresh_token and self.credentials is not None:
            self.credentials.set_refresh_token(realm, service, fields.refresh_token)
        token = fields.access_token or fields.token
        if not token:
            raise TokenError(NO_TOKEN_MESSAGE)
        return token, self._expiry(fields.expires_in, fields.issued_at)

    def _fetch_with_refresh_token(
        self, target: _Target, refresh_token: str, service: str, scopes: list[str]
    ) -> tuple[str, float]:
        realm = target.url
        if self.realm_policy is not None:
            self.realm_policy.check(realm)
        form = sorted(
            [
                ("client_id", self.client_id),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("scope", " ".join(scopes)),
                ("service", service),
            ]
        )
        log.debug("fetching token from %s with a refresh token, service %r, scopes %s",
                  redact_url(realm), service, scopes)
        response = self._send(
            "POST",
            realm,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            data=urlencode(form),
            secret=True,
        )
        secrets = self._secrets(refresh_token)
        fields = _decode_token_response(self._checked_body(response, secrets),
                                        "postTokenResponse", secrets)
        if (
            fields.refresh_token
            and fields.refresh_token != refresh_token
            and self.credentials is not None
        ):
            self.credentials.set_refresh_token(realm, service, fields.refresh_token)
        if not fields.access_token:
            # The reference accepts an empty access_token here and sends "Bearer ".
            raise TokenError(NO_TOKEN_MESSAGE)
        return fields.access_token, self._expiry(fields.expires_in, fields.issued_at)

    def _expiry(self, expires_in: int, issued_at: float | None) -> float:
        # expires_in is within Go's int range (the decoder refuses others), so the sum is a
        # finite float however large it is.
        if expires_in < MINIMUM_TOKEN_LIFETIME:
            expires_in = MINIMUM_TOKEN_LIFETIME
        start = self.clock() if issued_at is None else issued_at
        return start + float(expires_in)

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        data: str | None = None,
        secret: bool = False,
    ) -> tuple[int, str, bytes, requests.Response]:
        """Send a token request, following the token server's redirects ourselves.

        Redirects are followed as Go's client follows them, at most
        :data:`MAX_TOKEN_REDIRECTS`: a 301, 302 or 303 turns a ``POST`` into a ``GET``
        without a body; a 307 or 308 repeats the method and body. Beyond Go's client:

        - every hop is parsed as requests will send it, and a location with user info, a
          backslash, white space or a control character is refused
          (:class:`~registry_core.errors.UntrustedRealmError`);
        - when the request started with credentials (``secret``), every hop must pass the
          realm policy;
        - the ``Authorization`` header goes only to hops on the first URL's origin (scheme,
          host and port); once dropped it stays dropped;
        - a body (the refresh token of a ``POST``) is never sent to another origin: a 307 or
          308 that would do so is an :class:`~registry_core.errors.UntrustedRealmError`.

        :returns: ``(status, reason, body, response)``, the body read up to
            :data:`MAX_TOKEN_BODY`.
        """
        first = _target(url)
        target = first
        hop_headers = dict(headers)
        for hop in range(MAX_TOKEN_REDIRECTS + 1):
            if hop and secret and self.realm_policy is not None:
                # The first URL is the realm the caller checked already.
                self.realm_policy.check(target.url)
            try:
                response = self.session.request(
                    method, target.url, headers=hop_headers, data=data, timeout=TOKEN_TIMEOUT,
                    stream=True, allow_redirects=False,
                )
            except ValueError:  # a plain requests.Session parses a Location it will not follow
                raise TokenError(
                    f"token server at {redact_url(target.url)} redirected to a location that "
                    "is not a URL"
                ) from None
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECTS or not location:
                try:
                    body = _read_capped(response)
                finally:
                    response.close()
                return response.status_code, response.reason or "", body, response
            response.close()
            try:
                following = _target(urljoin(target.url, location))
            except (TokenError, ValueError):  # urljoin: a broken IPv6 literal
                raise TokenError(
                    f"token server at {redact_url(target.url)} redirected to a location that "
                    "is not a URL"
                ) from None
            if response.status_code in (301, 302, 303):
                if method not in ("GET", "HEAD"):
                    method = "GET"
                if data is not None:
                    data = None
                    hop_headers = {
                        name: value for name, value in hop_headers.items()
                        if name.lower() not in ("content-type", "content-length")
                    }
            if not _same_origin(first, following):
                if data is not None:
                    raise UntrustedRealmError(
                        f"not following the token server's redirect from "
                        f"{redact_url(target.url)} to {redact_url(following.url)}: it would "
                        "send the request body to another host"
                    )
                hop_headers = {
                    name: value for name, value in hop_headers.items()
                    if name.lower() != "authorization"
                }
            log.debug("token server redirects to %s", redact_url(following.url))
            target = following
        raise TokenError(f"token server redirected more than {MAX_TOKEN_REDIRECTS} times")

    @staticmethod
    def _checked_body(
        answer: tuple[int, str, bytes, requests.Response], secrets: list[str]
    ) -> bytes:
        status, reason, body, response = answer
        if not 200 <= status <= 399:
            raise _token_server_error(status, reason, body, response, secrets)
        return body


def _check_header_safe(token: str, realm: str) -> None:
    """Refuse a token that cannot travel as ``Authorization: Bearer <token>`` as it is: a
    control character (CR and LF would split the header) or a character outside ASCII
    (Go would send its UTF-8 bytes, Python's HTTP client Latin-1 ones, or fail). Beyond the
    reference, which would fail when sending it with an error that quotes it; the message
    here never does."""
    if token.isascii() and token.isprintable():
        return
    raise TokenError(
        f'the token from "{redact_url(realm)}" holds a control or non-ASCII character, '
        "which an Authorization header cannot carry; not using it"
    )


def _read_capped(response: requests.Response) -> bytes:
    """The token server's body, at most :data:`MAX_TOKEN_BODY`; one cut short is a
    :class:`~registry_core.errors.ResponseCutShortError`, not requests' own error."""
    try:
        return read_body(response, MAX_TOKEN_BODY)
    except ResponseTooLargeError:
        raise TokenError(f"token response is larger than {MAX_TOKEN_BODY} bytes") from None
