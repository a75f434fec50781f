"""The redirect policy: which headers and bodies follow a redirect, Go's client rules plus
the reference's trusted Docker domains, and how a redirect hop is marked.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from .redact import _URL_IN_TEXT, redact_url
from .urls import host_port, idna_host, netloc_host_port, without_userinfo

__all__ = [
    "MAX_REDIRECTS",
    "SENSITIVE_HEADERS",
    "TRUSTED_DOMAINS",
    "RedirectedRequest",
    "redirect_headers",
    "redirect_keeps_credentials",
    "redirected_from",
    "referer_for",
    "resendable_body",
    "trusted_location",
]

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


def _host_for_trust(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, host_port(parts.netloc).split(":", 1)[0]


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
    host, port = netloc_host_port(parts.netloc, scheme)
    host = idna_host(host)
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


def referer_for(previous_url: str, target_url: str) -> str | None:
    """The ``Referer`` of a redirect hop, as Go's client sets it (``refererForURL``):
    the previous URL without user info or fragment; none from https to http."""
    if urlsplit(previous_url).scheme == "https" and urlsplit(target_url).scheme == "http":
        return None
    return without_userinfo(previous_url)


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
