"""Where credentials may go: parsing a token realm exactly as requests will send to it, and
the :class:`RealmPolicy` that decides whether it is trusted (beyond the reference).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import LocationParseError
from urllib3.util import Url, parse_url

from .errors import RegistryError, TokenError, UntrustedRealmError
from .gocompat import go_quote
from .redact import redact_url
from .urls import DEFAULT_PORTS, split_host

__all__ = [
    "RealmPolicy",
    "registrable_domain",
]

#: Second-level labels that, under a two-letter country code, act as public suffixes
#: (``example.co.uk``): the registrable domain then keeps three labels.
_SECOND_LEVEL_SUFFIXES = frozenset({"ac", "co", "com", "edu", "gov", "net", "org"})


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


def _port(target: _Target) -> int | None:
    return target.port if target.port is not None else DEFAULT_PORTS.get(target.scheme)


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
        registry_host = split_host(self.registry)[0].lower()
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
