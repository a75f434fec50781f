"""Answering a registry's challenges: the token handler, the basic handler, the authorizer.

This is distribution's ``registry/client/auth`` session code as the reference uses it
(``auth.NewAuthorizer(manager, NewTokenHandlerWithOptions(TokenHandlerOptions{
OfflineAccess: true, ClientID: "docker"}), NewBasicHandler(creds))``): the authorizer looks up
the challenges recorded for a request's registry (by :mod:`registry_core.challenge`, from the
ping) and lets each handler answer the challenges of its scheme, ``bearer`` first.

Beyond the reference (each is listed in ``docs/authentication.rst``):

- tokens are cached per realm, service and scope set, shared between threads, refreshed
  shortly before they expire, and fetched once when many threads need the same one;
- a 401 whose challenge says ``insufficient_scope`` is retried once with the wider scope;
- credentials go only to a realm that :class:`RealmPolicy` trusts, and no request goes to a
  realm with user info, a backslash, white space or a control character;
- a token server's redirects keep credentials on the realm's own origin;
- token bodies are capped, and a token server's error body is quoted only as a short,
  redacted sample;
- a refresh-token answer without an ``access_token`` is an error.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urljoin, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase
from urllib3.exceptions import LocationParseError
from urllib3.util import Url, parse_url

from .challenge import Challenge, ChallengeManager, response_challenges
from .constants import AUTH_CLIENT_ID
from .errors import (
    AuthenticationError,
    InvalidArgumentError,
    RegistryError,
    TokenError,
    UntrustedRealmError,
)
from .gocompat import go_quote, time_quote, time_unmarshal_json
from .gojson import JSONNumber, JSONObject, json_decode, json_field, json_kind, json_unmarshal
from .transport import redact_url, resendable_body

if TYPE_CHECKING:
    from .interfaces import CredentialStore

__all__ = [
    "MAX_TOKEN_BODY",
    "MAX_TOKEN_REDIRECTS",
    "MINIMUM_TOKEN_LIFETIME",
    "NO_TOKEN_MESSAGE",
    "REFRESH_MARGIN",
    "TOKEN_TIMEOUT",
    "AuthenticationHandler",
    "Authorizer",
    "BasicHandler",
    "RealmPolicy",
    "TokenHandler",
    "basic_authorization",
    "errcode_text",
    "redact",
    "registrable_domain",
    "registry_scope",
    "resendable_body",
    "authorization_secrets",
    "repository_scope",
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
#: The most redirects a token request follows (Go's client: 10).
MAX_TOKEN_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Go ``ErrNoToken``.
NO_TOKEN_MESSAGE = "authorization server did not include a token in the response"
#: Go ``ErrNoBasicAuthCredentials``.
NO_BASIC_CREDENTIALS_MESSAGE = "no basic auth credentials"
#: How many characters of an unreadable token body an error may quote.
_SAMPLE_CHARS = 40
#: Runs that look like tokens or encoded secrets; never quoted.
_SECRET_LIKE = re.compile(r"[A-Za-z0-9+/=_.~-]{16,}")

#: Second-level labels that, under a two-letter country code, act as public suffixes
#: (``example.co.uk``): the registrable domain then keeps three labels.
_SECOND_LEVEL_SUFFIXES = frozenset({"ac", "co", "com", "edu", "gov", "net", "org"})

Clock = Callable[[], float]


def repository_scope(path: str, actions: Iterable[str], class_: str = "") -> str:
    """A repository scope, as distribution's ``RepositoryScope.String()``.

    A class other than ``""`` or ``image`` is written into the type:
    ``repository(plugin):name:pull``.
    """
    kind = "repository" if class_ in ("", "image") else f"repository({class_})"
    return f"{kind}:{path}:{','.join(actions)}"


def registry_scope(name: str, actions: Iterable[str]) -> str:
    """A registry scope such as ``registry:catalog:*`` (distribution's ``RegistryScope``)."""
    return f"registry:{name}:{','.join(actions)}"


def _quoted_forms(secret: str) -> set[str]:
    """How ``secret`` looks once escaped inside a quoted string: JSON-escaped (as a server
    echoing it in a JSON body writes it), Go-``%q``-quoted or quoted as Go's ``time``
    package quotes (as our messages quote what a server sent, Go's way), and both in turn."""
    forms = {secret}
    forms.update(json.dumps(secret, ensure_ascii=ascii_only)[1:-1] for ascii_only in (True, False))
    for form in list(forms):
        forms.add(go_quote(form)[1:-1])
        forms.add(time_quote(form.encode("utf-8"))[1:-1])
    forms.add(repr(secret)[1:-1])
    return forms


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret, and its encoded forms, replaced by ``[redacted]``.

    The forms are the secret itself, its standard and URL-safe base64 (with and without
    padding: a basic-auth header), its URL-encoded forms (``quote_plus`` as in a form body or
    query, ``quote`` with and without ``/`` kept; percent escapes in any case), and its
    escaped forms inside quoted strings (JSON, Go's ``%q``, Python's ``repr``). For messages
    and logs that must quote something a server sent back: a hostile or broken server may
    echo the credentials it was given. Secrets shorter than four characters are not
    searched for: they would blank out ordinary words.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        raw = secret.encode("utf-8")
        forms = _quoted_forms(secret)
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            forms.update((encoded.decode("ascii"), encoded.decode("ascii").rstrip("=")))
        escaped = {quote_plus(secret), quote(secret, safe=""), quote(secret)} - {secret}
        for form in sorted(forms, key=len, reverse=True):
            if len(form) >= 4:
                text = text.replace(form, "[redacted]")
        for form in sorted(escaped, key=len, reverse=True):
            if len(form) >= 4:
                text = re.sub(re.escape(form), "[redacted]", text, flags=re.IGNORECASE)
    return text


def _sample(body: bytes, secrets: Iterable[str]) -> str:
    """A short quotable sample of ``body`` with secrets and secret-like runs removed."""
    text = redact(body.decode("utf-8", errors="surrogateescape"), secrets)
    text = _SECRET_LIKE.sub("[redacted]", text[:_SAMPLE_CHARS])
    text += "..." if len(body) > _SAMPLE_CHARS else ""
    # Quoted as Go's %q quotes the body, bytes that are not UTF-8 included.
    return go_quote(text.encode("utf-8", errors="surrogateescape"))


def _split_host(netloc: str) -> str:
    """The host name of a ``host[:port]`` (brackets of an IPv6 literal removed), lower-cased."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1 : host.find("]")].lower() if "]" in host else host.lower()
    return host.rpartition(":")[0].lower() if ":" in host else host.lower()


def _refused_character(url: str) -> str | None:
    """What makes ``url`` ambiguous to parse, or ``None``: a backslash, white space or a
    control or format character. Parsers disagree on where such a URL's host ends (urllib3
    stops it at a backslash, :func:`~urllib.parse.urlsplit` does not), so the host a policy
    reads need not be the one a request goes to."""
    for char in url:
        if char == "\\":
            return "a backslash"
        if char.isspace():
            return "white space"
        if unicodedata.category(char) in ("Cc", "Cf"):
            return "a control character"
    return None


@dataclass(frozen=True)
class _Target:
    """A URL as requests will send it, and the parts a policy decides on."""

    url: str
    scheme: str
    host: str
    port: int | None


def _target(url: str) -> _Target:
    """Parse ``url`` exactly as requests prepares it and urllib3 connects to it.

    :raises UntrustedRealmError: the URL has user info (requests would send it as basic
        credentials), a backslash, white space or a control character, or a host the two
        parsers read differently. Nothing may be sent to such a URL.
    :raises TokenError: the URL cannot be parsed or has no host.
    """
    reason = _refused_character(url)
    if reason is None:
        try:
            authority = urlsplit(url).netloc
        except ValueError:
            authority = ""
        if "@" in authority:
            reason = "user info"
    if reason is not None:
        raise UntrustedRealmError(
            f"refusing to send a request to {go_quote(url)}: the URL contains {reason}"
        )
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        parts: Url = parse_url(prepared.url or "")
        split = urlsplit(prepared.url or "")
        split_host = split.hostname
        split_port = split.port
    except (requests.RequestException, LocationParseError, ValueError):
        raise TokenError(f"invalid token auth challenge realm: {url!r} is not a URL") from None
    host = (parts.host or "").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    scheme = (parts.scheme or "").lower()
    if not scheme or not host:
        raise TokenError(f"invalid token auth challenge realm: {url!r} is not a URL")
    if parts.auth is not None or split.username is not None:
        raise UntrustedRealmError(
            f"refusing to send a request to {go_quote(url)}: the URL contains user info"
        )
    if (split_host or "").lower() != host or split_port != parts.port:
        raise UntrustedRealmError(
            f"refusing to send a request to {go_quote(url)}: its host is ambiguous"
        )
    return _Target(prepared.url or "", scheme, host, parts.port)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(target: _Target) -> int | None:
    return target.port if target.port is not None else _DEFAULT_PORTS.get(target.scheme)


def _same_origin(first: _Target, second: _Target) -> bool:
    """Same scheme, host and port (the scheme's default port filled in)."""
    return (first.scheme, first.host, _port(first)) == (second.scheme, second.host, _port(second))


def _prefix_matches(prefix: str, target: _Target) -> bool:
    """Whether a ``trusted_realms`` entry covers ``target``: the same scheme, host and port
    exactly, and the entry's path equal to the target's or a whole-segment prefix of it
    (``https://sso.example/oauth`` covers ``/oauth`` and ``/oauth/token``, not ``/oauthx``).
    An entry with user info, a query or a fragment, or one that does not parse, covers
    nothing."""
    try:
        trusted = _target(prefix)
    except RegistryError:
        return False
    parts = urlsplit(trusted.url)
    if parts.query or parts.fragment or not _same_origin(trusted, target):
        return False
    path = parts.path.rstrip("/")
    wanted = urlsplit(target.url).path
    return not path or wanted == path or wanted.startswith(path + "/")


def registrable_domain(host: str) -> str:
    """The part of ``host`` a registrant controls, by a small fixed rule.

    The last two labels (``auth.example.com`` → ``example.com``), or the last three when the
    last is a two-letter country code and the one before a common second-level label
    (``reg.example.co.uk`` → ``example.co.uk``). An IP literal, a single label and
    ``localhost`` are their own domain. This is no public-suffix list: for anything it gets
    wrong, trust the realm with a ``registry_trust_realm`` plugin.
    """
    host = host.lower().rstrip(".")
    try:
        ip_address(host)
    except ValueError:
        pass
    else:
        return host
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    keep = 2
    if len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL_SUFFIXES:
        keep = 3
    return ".".join(labels[-keep:])


class RealmPolicy:
    """Decides whether credentials may go to a token realm (beyond the reference).

    The reference sends the user's password (or identity token) to whatever realm a
    registry names; a hostile registry can name its own server and collect them. Here the
    realm must use https (http only for an insecure registry) and be the registry's own host
    or share its :func:`registrable_domain`. The ``registry_trust_realm`` hook is asked
    first and may allow (``True``) or refuse (``False``) any realm; ``trusted_realms``
    allows more without a plugin.

    The host is read as requests will send the request, and a realm with user info, a
    backslash, white space or a control character is refused before anything else is asked:
    parsers disagree on where the host of such a URL ends.

    :param registry: the registry's ``host[:port]``.
    :param secure: whether the registry is secure (its TLS is verified).
    :param trust_hook: ``trust_realm(realm, registry, secure)``, usually
        ``service.hooks.trust_realm``; it is given the realm as it will be sent.
    :param trusted_realms: realms to trust in addition, as ``scheme://host[:port][/path]``:
        a realm is covered when its scheme, host and port are the entry's and its path is
        the entry's path or below it (whole segments).
    """

    def __init__(
        self,
        registry: str,
        secure: bool,
        *,
        trust_hook: Callable[[str, str, bool], bool | None] | None = None,
        trusted_realms: Iterable[str] = (),
    ) -> None:
        self.registry = registry
        self.secure = secure
        self.trust_hook = trust_hook
        self.trusted_realms = tuple(trusted_realms)

    def check(self, realm: str) -> None:
        """Return if credentials may be sent to ``realm``; raise otherwise.

        :raises UntrustedRealmError: the realm is not trusted, not a URL, or ambiguous (user
            info, a backslash, white space, a control character).
        """
        try:
            target = _target(realm)
        except UntrustedRealmError:
            raise
        except TokenError:
            raise UntrustedRealmError(
                f"not sending credentials to token realm {go_quote(realm)} of registry "
                f"{self.registry}: it is not a URL"
            ) from None
        if self.trust_hook is not None:
            verdict = self.trust_hook(target.url, self.registry, self.secure)
            if verdict is True:
                return
            if verdict is False:
                raise UntrustedRealmError(
                    f"token realm {redact_url(target.url)} of registry {self.registry} refused "
                    "by a plugin"
                )
        if any(_prefix_matches(prefix, target) for prefix in self.trusted_realms):
            return
        reason = self._refusal(target)
        if reason is not None:
            raise UntrustedRealmError(
                f"not sending credentials to token realm {redact_url(target.url)} of registry "
                f"{self.registry}: {reason}"
            )

    def trusts_host(self, url: str) -> bool:
        """Whether the default rule alone lets credentials go to ``url``'s host.

        The authorizer asks this for every request it would add credentials to, so a host a
        registry redirected its ping to is not answered unless it is the registry's own.
        """
        try:
            target = _target(url)
        except RegistryError:
            return False
        return self._refusal(target) is None

    def _refusal(self, target: _Target) -> str | None:
        """Why the default rule refuses ``target``, or ``None`` when it allows it."""
        allowed_schemes = ("https",) if self.secure else ("https", "http")
        if target.scheme not in allowed_schemes:
            return "it does not use https"
        host = target.host
        registry_host = _split_host(self.registry)
        if host.rstrip(".") == registry_host.rstrip("."):
            return None
        if not _is_ip(host) and registrable_domain(host) == registrable_domain(registry_host):
            return None
        return "it is on another domain (allow it with a registry_trust_realm plugin)"


def _is_ip(host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        return False
    return True


class AuthenticationHandler(Protocol):
    """Answers the challenges of one scheme (distribution's ``AuthenticationHandler``)."""

    @property
    def scheme(self) -> str:
        """The lower-case scheme handled, such as ``bearer``."""
        ...

    def authorize_request(
        self, request: requests.PreparedRequest, params: Mapping[str, str]
    ) -> None:
        """Add credentials to ``request`` for a challenge with parameters ``params``."""
        ...


class BasicHandler:
    """Basic auth for ``basic`` challenges (distribution's ``basicHandler``).

    :raises AuthenticationError: ``no basic auth credentials`` when the store has no user
        name or no password, as the reference does.
    """

    scheme = "basic"

    def __init__(self, credentials: CredentialStore | None) -> None:
        self.credentials = credentials

    def authorize_request(
        self, request: requests.PreparedRequest, params: Mapping[str, str]
    ) -> None:
        if self.credentials is not None:
            username, password = self.credentials.basic(request.url or "")
            if username and password:
                request.headers["Authorization"] = basic_authorization(username, password)
                return
        raise AuthenticationError(NO_BASIC_CREDENTIALS_MESSAGE)


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` value Go's ``SetBasicAuth`` sends (UTF-8, standard base64)."""
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def authorization_secrets(value: str | bytes | None) -> list[str]:
    """The secrets an ``Authorization`` value carries, for :func:`redact`: a bearer (or v1
    ``Token``) token; for basic auth the password and the ``user:password`` pair."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    scheme, _, credentials = (value or "").strip().partition(" ")
    credentials = credentials.strip()
    if not credentials:
        return []
    if scheme.lower() != "basic":
        return [credentials]
    try:
        pair = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return [credentials]
    return [pair, pair.partition(":")[2]]


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
        if refresh_token:
            return self._fetch_with_refresh_token(target, refresh_token, service, scopes)
        return self._fetch_with_basic_auth(target, service, scopes)

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


def _read_capped(response: requests.Response) -> bytes:
    chunks = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > MAX_TOKEN_BODY:
            raise TokenError(f"token response is larger than {MAX_TOKEN_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# -- Go's decoding of token responses --------------------------------------------------------
#
# distribution decodes a token answer with encoding/json into a struct (getTokenResponse or
# postTokenResponse) and reports a failure as "unable to decode token response: <Go's
# error>". What follows reproduces what Go 1.19 accepts there and the texts of its errors:
# the JSON scanner's syntax errors and the decoder's type errors (registry_core.gojson), and
# time.Time's RFC 3339 parsing (registry_core.gocompat).


@dataclass
class _TokenFields:
    """The fields of Go's token response structs, zero when absent."""

    token: str = ""
    access_token: str = ""
    refresh_token: str = ""
    scope: str = ""
    expires_in: int = 0
    #: Seconds since the epoch; ``None`` for Go's zero time.
    issued_at: float | None = None


_GO_INT = re.compile(r"-?[0-9]{1,19}")
_GO_INT_MIN, _GO_INT_MAX = -(1 << 63), (1 << 63) - 1
_TOKEN_STRUCTS = {
    "getTokenResponse": ("token", "access_token", "expires_in", "issued_at", "refresh_token"),
    "postTokenResponse": ("access_token", "refresh_token", "expires_in", "issued_at", "scope"),
}


def _decode_token_response(body: bytes, struct: str, secrets: Iterable[str]) -> _TokenFields:
    """Decode a token answer as Go's ``json.NewDecoder(body).Decode(&struct)`` does.

    :raises TokenError: ``unable to decode token response: <Go's error text>``, redacted.
    """
    fields = _TokenFields()
    error = _decode_into(body, struct, fields)
    if error is not None:
        raise TokenError(redact(f"unable to decode token response: {error}", secrets))
    return fields


def _decode_into(body: bytes, struct: str, fields: _TokenFields) -> str | None:
    try:
        value = json_decode(body, use_number=True)  # only the first value counts
    except InvalidArgumentError as exc:
        return str(exc)
    if value is None:
        return None
    if not isinstance(value, JSONObject):
        return f"json: cannot unmarshal {json_kind(value)} into Go value of type auth.{struct}"
    names = _TOKEN_STRUCTS[struct]
    saved: str | None = None  # Go reports the first type error after decoding the rest
    for (key, item), (start, end) in zip(value.pairs, value.spans, strict=True):
        name = json_field(key, names)
        if name is None or item is None:  # unknown fields and nulls change nothing
            continue
        if name == "issued_at":
            try:  # Go hands time.Time the value's text as sent
                fields.issued_at = time_unmarshal_json(body[start:end])
            except InvalidArgumentError as exc:
                return str(exc)  # time.Time's own error ends decoding at once
            continue
        if name == "expires_in":
            if isinstance(item, JSONNumber) and _GO_INT.fullmatch(item):
                number = int(item)
                if _GO_INT_MIN <= number <= _GO_INT_MAX:
                    fields.expires_in = number
                    continue
            kind = f"number {item}" if isinstance(item, JSONNumber) else json_kind(item)
            type_name = "int"
        elif isinstance(item, str) and not isinstance(item, JSONNumber):
            setattr(fields, name, item)
            continue
        else:
            kind, type_name = json_kind(item), "string"
        if saved is None:
            saved = (
                f"json: cannot unmarshal {kind} into Go struct field {struct}.{name} of type "
                f"{type_name}"
            )
    return saved


#: distribution's errcode values and default messages, for token servers' error bodies.
_ERROR_CODES = {
    "UNKNOWN": "unknown error",
    "UNSUPPORTED": "The operation is unsupported.",
    "UNAUTHORIZED": "authentication required",
    "DENIED": "requested access to the resource is denied",
    "UNAVAILABLE": "service unavailable",
    "TOOMANYREQUESTS": "too many requests",
}


def _code_text(code: str) -> str:
    return code.replace("_", " ").lower()


def _describe_errors(errors: Any) -> str | None:
    """distribution's ``errcode.Errors`` text for an ``{"errors": [...]}`` body."""
    if not isinstance(errors, list) or not errors:
        return None
    parts = []
    for entry in errors:
        if not isinstance(entry, dict):
            return None
        code = entry.get("code")
        code = code if isinstance(code, str) and code in _ERROR_CODES else "UNKNOWN"
        message = entry.get("message")
        message = message if isinstance(message, str) else ""
        if entry.get("detail") is None and message in ("", _ERROR_CODES[code]):
            parts.append(_code_text(code))
        else:
            parts.append(f"{_code_text(code)}: {message}")
    if len(parts) == 1:
        return parts[0]
    return "errors:\n" + "".join(part + "\n" for part in parts)


def errcode_text(body: bytes, status: int = 0) -> str | None:
    """The text distribution gives a registry or token server error body, or ``None``.

    A ``{"details": "..."}`` body (older servers, Docker Hub's token server) becomes
    ``<code>: <details>`` with the code implied by ``status``; an ``{"errors": [...]}`` body
    the ``errcode.Errors`` text.
    """
    try:
        data = json_unmarshal(body)  # Go's json.Unmarshal, as distribution reads it
    except InvalidArgumentError:
        return None
    if not isinstance(data, JSONObject):
        return None
    # Members are matched as Go matches struct fields (case-insensitively, the last of two
    # duplicates winning); a value of the wrong type fails that decode as a whole.
    details, details_fit, errors = "", True, None
    for key, item in data.pairs:
        if json_field(key, ("details",)) is not None:
            if isinstance(item, str):
                details = item
            elif item is not None:
                details_fit = False
        if json_field(key, ("Errors",)) is not None:
            errors = item
    if details_fit and details:
        code = {401: "UNAUTHORIZED", 403: "DENIED", 429: "TOOMANYREQUESTS"}.get(status, "UNKNOWN")
        return f"{_code_text(code)}: {details}"
    if _errors_type_error(data) is not None:
        return None
    return _describe_errors(errors)


def _token_server_error(
    status: int, reason: str, body: bytes, response: requests.Response, secrets: list[str]
) -> RegistryError:
    """The error for a failed token request, worded as distribution's ``HandleErrorResponse``.

    A 4xx becomes the server's own error text (an :class:`AuthenticationError` for 401 and
    403); anything else ``received unexpected HTTP status``. Nothing the server sent is
    quoted unredacted.
    """
    if not 400 <= status < 500:
        # Go quotes the server's own status line; a server may echo what it was sent there.
        return TokenError(
            redact(f"received unexpected HTTP status: {status} {reason}".rstrip(), secrets)
        )
    error_class: type[RegistryError] = (
        AuthenticationError if status in (401, 403) else TokenError
    )
    prefix = ""
    for challenge in response_challenges(response):
        if challenge.scheme == "bearer":
            code = {"invalid_token": "UNAUTHORIZED", "insufficient_scope": "DENIED"}.get(
                challenge.parameters.get("error", "")
            )
            if code is not None:
                description = challenge.parameters.get("error_description") or _ERROR_CODES[code]
                prefix = f"{_code_text(code)}: {description}"
                break
    text = errcode_text(body, status)
    if text is None:
        if status == 401:
            text = "unauthorized: authentication required"
        else:
            # Go's json.Unmarshal error, or distribution's ErrNoErrorsInBody.
            try:
                reason_text = _errors_type_error(json_unmarshal(body)) or (
                    "no error details found in HTTP response body"
                )
            except InvalidArgumentError as exc:
                reason_text = str(exc)
            text = f"error parsing HTTP {status} response body: {reason_text}: "
            text += _sample(body, secrets)
    # Go merges the challenge's error and the body's into one errcode.Errors list.
    message = f"errors:\n{prefix}\n{text}\n" if prefix else text
    return error_class(redact(message, secrets))


def _errors_type_error(value: Any) -> str | None:
    """Go's error for a well-formed error body (decoded to ``value``) that does not fit
    ``errcode.Errors`` at its top level or in its ``errors`` member (errors deeper in the
    entries are not reproduced)."""
    if value is None:
        return None
    if not isinstance(value, JSONObject):
        return (
            f"json: cannot unmarshal {json_kind(value)} into Go value of type "
            "struct { Errors []errcode.Error }"
        )
    for key, item in value.pairs:
        if json_field(key, ("Errors",)) is not None and item is not None and (
            not isinstance(item, list)
        ):
            return (
                f"json: cannot unmarshal {json_kind(item)} into Go struct field .Errors of "
                "type []errcode.Error"
            )
    return None


class Authorizer(AuthBase):
    """Adds credentials to each request for the challenges of its registry.

    The counterpart of distribution's ``endpointAuthorizer``, as a requests auth object:
    set it as a session's ``auth`` and every request, and every redirect hop, is
    authorized for the host it goes to. A host without recorded challenges (a blob store a
    registry redirects to, a server a hostile registry points at) gets no credentials.

    Beyond the reference, a 401 whose ``bearer`` challenge says ``insufficient_scope`` is
    retried once with a token for the wider scope, when the request's body can be sent again
    (:func:`resendable_body`); another 401 is returned as it is.

    :param manager: the challenges, from the ping.
    :param handlers: tried in order; for each, every challenge of its scheme is answered.
    :param send: resends a retried request as it is (a
        :class:`~registry_core.transport.RegistrySession`'s ``send_as_is``); without it the
        connection that got the 401 is used.
    :param trusts_host: asked before credentials are added to a request for a host with
        challenges (usually :meth:`RealmPolicy.trusts_host`): the reference records the
        challenges of a redirected ping under the host it ended on, and would answer that
        host's challenges with the registry's credentials. ``None`` trusts every host.
    """

    def __init__(
        self,
        manager: ChallengeManager,
        handlers: Sequence[AuthenticationHandler],
        *,
        send: Callable[..., requests.Response] | None = None,
        trusts_host: Callable[[str], bool] | None = None,
    ) -> None:
        self.manager = manager
        self.handlers = list(handlers)
        self.send = send
        self.trusts_host = trusts_host

    @staticmethod
    def ping_url(url: str) -> str | None:
        """The ping URL whose challenges apply to ``url``; ``None`` outside ``/v2/``/``/v1/``.

        As the reference: the path up to and including ``/v2/``, or for a ``/v1/`` path,
        the part before it plus ``/v2/``.
        """
        parts = urlsplit(url)
        path = parts.path
        index = path.find("/v2/")
        if index != -1:
            path = path[: index + 4]
        else:
            index = path.find("/v1/")
            if index == -1:
                return None
            path = path[:index] + "/v2/"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))

    def challenges_for(self, url: str) -> list[Challenge]:
        ping = self.ping_url(url)
        return [] if ping is None else self.manager.get_challenges(ping)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = request.url or ""
        challenges = self.challenges_for(url)
        if not challenges:
            return request
        if self.trusts_host is not None and not self.trusts_host(url):
            log.debug("not answering the challenges of %s: not the registry's host",
                      urlsplit(url).netloc)
            return request
        for handler in self.handlers:
            for challenge in challenges:
                if challenge.scheme == handler.scheme:
                    try:
                        handler.authorize_request(request, challenge.parameters)
                    except AuthenticationError as exc:
                        raise type(exc)(_url_error(request, exc)) from exc
        if self.handle_401 not in request.hooks["response"]:
            request.hooks["response"].append(self.handle_401)
        return request

    def handle_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        """Retry once with a wider-scoped token when the registry says ``insufficient_scope``."""
        if response.status_code != 401:
            return response
        request = response.request
        handler = next((h for h in self.handlers if isinstance(h, TokenHandler)), None)
        if handler is None or request is None or request.url is None:
            return response
        wanted = [
            scope
            for challenge in response_challenges(response)
            if challenge.scheme == "bearer"
            and challenge.parameters.get("error") == "insufficient_scope"
            for scope in challenge.parameters.get("scope", "").split(" ")
            if scope
        ]
        recorded = next(
            (c for c in self.challenges_for(request.url) if c.scheme == "bearer"), None
        )
        scopes = handler.scopes_for(request)
        wider = scopes + [scope for scope in dict.fromkeys(wanted) if scope not in scopes]
        if recorded is None or len(wider) == len(scopes):
            return response
        if not resendable_body(request):
            log.debug("not retrying %s %s with scope %s: its body cannot be sent again",
                      request.method, redact_url(request.url), wanted)
            return response
        log.debug("registry wants scope %s for %s %s; retrying once", wanted,
                  request.method, redact_url(request.url))
        try:
            token = handler.get_token(recorded.parameters, wider)
        except AuthenticationError as exc:
            raise type(exc)(_url_error(request, exc)) from exc
        retry = request.copy()
        retry.hooks["response"] = [h for h in retry.hooks["response"] if h != self.handle_401]
        retry.headers["Authorization"] = f"Bearer {token}"
        response.content  # noqa: B018 - drain, so the connection can be reused
        response.close()
        kwargs.pop("allow_redirects", None)
        if self.send is not None:
            again = self.send(retry, allow_redirects=False, **kwargs)
        else:
            connection = response.connection
            again = connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again


def _url_error(request: requests.PreparedRequest, error: BaseException) -> str:
    """Go's ``url.Error`` text: ``Get "https://host/v2/": <error>``."""
    method = request.method or "GET"
    return f'{method[:1].upper()}{method[1:].lower()} "{request.url}": {error}'
