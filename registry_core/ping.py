"""Pinging a v2 registry: is it v2, and how does it want to be authenticated?

The reference's ``PingV2Registry``: ``GET <endpoint>/v2/``; the registry confirms the v2 API
with a ``Docker-Distribution-Api-Version`` header naming ``registry/2.0``, and a 401 answer
carries the ``WWW-Authenticate`` challenges the authorizer will answer on every later request.
Whatever the status, the challenges of the answer are recorded (none unless it was a 401), so
a registry that answers 200 is one that needs no credentials.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import requests

from .challenge import ChallengeManager, header_values
from .constants import DEFAULT_REGISTRY_VERSION_HEADER
from .errors import TransportError
from .gocompat import go_to_lower
from .modifiers import default_user_agent, headers
from .redact import redact_url
from .tlsconfig import TLSConfig
from .transport import http_client, new_transport
from .types import APIEndpoint
from .urlerror import url_error

if TYPE_CHECKING:
    from requests.adapters import BaseAdapter

__all__ = [
    "PING_TIMEOUT",
    "V2_VERSION",
    "api_versions",
    "confirms_v2",
    "ping_url",
    "ping_v2_registry",
    "send_ping",
]

log = logging.getLogger(__name__)

#: Seconds a ping may take, as the reference's ping client (``Timeout: 15 * time.Second``).
PING_TIMEOUT = 15.0

#: The API version that confirms a v2 registry: type ``registry``, version ``2.0``.
V2_VERSION = ("registry", "2.0")

#: What Go's ``strings.Fields`` splits on (``unicode.IsSpace``). Python's ``str.split()``
#: also splits on the ASCII separators U+001C..U+001F, which Go does not.
_GO_SPACE = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


def api_versions(
    response: requests.Response, header: str = DEFAULT_REGISTRY_VERSION_HEADER
) -> list[tuple[str, str]]:
    """The ``(type, version)`` pairs a response announces (distribution's ``APIVersions``).

    Every header line counts; each is split on white space only (a comma is part of a
    version), and a field without ``/`` has the type ``unknown``. Types are lower-cased,
    versions are kept as sent.
    """
    versions = []
    for raw in header_values(response, header):
        try:
            value = raw.encode("latin-1").decode("utf-8", errors="replace")
        except UnicodeEncodeError:
            value = raw
        for field in _GO_SPACE.split(value):
            if not field:
                continue
            kind, slash, version = field.partition("/")
            versions.append((go_to_lower(kind), version) if slash else ("unknown", field))
    return versions


def confirms_v2(response: requests.Response) -> bool:
    """Whether ``response`` announces ``registry/2.0``: then never fall back to v1 or http."""
    return V2_VERSION in api_versions(response)


def ping_url(endpoint_url: str) -> str:
    """The ping URL of an endpoint: its URL without trailing slashes, then ``/v2/``."""
    return endpoint_url.rstrip("/") + "/v2/"


def send_ping(session: requests.Session, url: str) -> requests.Response:
    """``GET url`` without reading the body, which the reference never looks at.

    :raises TransportError: the request could not be sent or answered.
    """
    log.debug("pinging registry endpoint %s", redact_url(url))
    try:
        response = session.get(url, timeout=PING_TIMEOUT, stream=True)
    except requests.RequestException as exc:
        # A transport that is not ours lets requests' own errors through. Raised outside
        # the except clause, so requests' error (which may quote the URL's user info) is
        # not even its context.
        failure = type(exc).__name__
    else:
        response.close()
        return response
    raise TransportError(url_error("GET", url, failure))


def _endpoint_url(endpoint: str | APIEndpoint) -> tuple[str, TLSConfig]:
    if isinstance(endpoint, APIEndpoint):
        return endpoint.url, endpoint.tls_config
    return endpoint, TLSConfig()


def ping_v2_registry(
    endpoint: str | APIEndpoint, transport: BaseAdapter | requests.Session | None = None
) -> tuple[ChallengeManager, bool]:
    """Ping ``endpoint`` and return its challenges and whether it confirmed v2.

    The counterpart of the reference's ``PingV2Registry``.

    :param endpoint: the endpoint's base URL (``https://host:port``) or an
        :class:`~registry_core.types.APIEndpoint`.
    :param transport: how to send: a session (used as it is, its request modifiers
        included), an adapter from :func:`registry_core.transport.new_transport`, or ``None``
        for one built from the endpoint's TLS configuration (verification on for a URL).
        Unless a session is given, the ping's ``User-Agent`` is
        :func:`~registry_core.modifiers.default_user_agent`.
    :returns: ``(challenge_manager, found_v2)``; the manager holds the challenges of the
        ping URL (none unless the registry answered 401).
    :raises TransportError: the ping could not be sent or answered.
    :raises PingResponseError: a response came back but cannot be interpreted.
    """
    url, tls_config = _endpoint_url(endpoint)
    if isinstance(transport, requests.Session):
        return _ping_with(transport, url)
    session = http_client(
        transport if transport is not None else new_transport(tls_config),
        headers(default_user_agent(), None),
    )
    try:
        return _ping_with(session, url)
    finally:
        session.close()


def _ping_with(session: requests.Session, endpoint_url: str) -> tuple[ChallengeManager, bool]:
    response = send_ping(session, ping_url(endpoint_url))
    found_v2 = confirms_v2(response)
    manager = ChallengeManager()
    manager.add_response(response)
    return manager, found_v2
