"""Sessions that keep credentials with their registry, across mirrors and rewritten locations.

The rule (beyond the reference, which hands a registry's credentials to every endpoint of a
pull, its mirrors included): **an endpoint gets the credentials of the host it contacts**.

* An endpoint on the registry's own host gets the registry's credentials, as in the
  reference.
* A mirror, or a location that registries.conf rewrites the registry to, on another host gets
  that host's own credentials (the ``registry_credentials`` hook asked for that host's auth
  config key), never the registry's. A mirror you logged in to gets your login for it; a
  mirror you did not gets nothing.
* Configuration says otherwise through :attr:`~registry_core.types.APIEndpoint.auth_config_key`:
  ``None`` (what the reference's own endpoints and the daemon's ``registry-mirrors`` carry) means
  "the registry's credentials"; the hosts.toml and registries.conf plugins set it to the host's
  own key unless they were built with ``share_credentials=True``.

:func:`registry_core.client.open_session` applies the rule to each endpoint it tries, through
:class:`EndpointHooks`, and also sends the hosts.toml ``header`` of an endpoint to its host
only. The session's requests use the endpoint's repository path (registries.conf rewrites it):
take the :class:`~registry_core.types.RepositoryInfo` for the requests from
:func:`endpoint_repository_info`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from .constants import DEFAULT_NAMESPACE, INDEX_SERVER
from .hookspecs import SendFunction
from .interfaces import RequestModifier
from .manager import Hooks
from .modifiers import HeaderRequestModifier
from .reference import Named, Repository
from .types import APIEndpoint, AuthConfig, RepositoryInfo
from .urls import host_port

if TYPE_CHECKING:
    import requests

__all__ = ["EndpointHooks", "EndpointService", "HeaderModifier", "LoginView",
           "credentials_key", "credentials_repository", "endpoint_repository_info"]

log = logging.getLogger(__name__)


class EndpointService(Protocol):
    """What :func:`open_endpoint_session` needs of a service."""

    @property
    def hooks(self) -> Hooks: ...

    def lookup_pull_endpoints(
        self, hostname: str, reference: Named | str | None = None
    ) -> list[APIEndpoint]: ...

    def lookup_push_endpoints(
        self, hostname: str, reference: Named | str | None = None
    ) -> list[APIEndpoint]: ...


class HeaderModifier(HeaderRequestModifier):
    """Adds configured headers (hosts.toml ``header``) to a request, as containerd appends a
    host's headers; its ``repr`` names the headers only, since one may hold a secret
    (``Authorization``)."""

    def __init__(self, headers: Mapping[str, Sequence[str]]) -> None:
        super().__init__(headers)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({sorted(self.headers)!r})"


class EndpointHooks(Hooks):
    """The service's hooks as seen by a session on one endpoint: credentials are always
    those of ``key``, and the endpoint's host gets the endpoint's headers."""

    def __init__(self, inner: Hooks, key: str, endpoint: APIEndpoint) -> None:
        super().__init__(inner.pm)
        self._inner = inner
        self._key = key
        # As the session names a request's host: host[:port], lower-cased as requests does.
        self._host = host_port(urlsplit(endpoint.url).netloc).lower()
        self._headers = endpoint.headers

    def credentials(self, registry: str, repository: str | None = None) -> AuthConfig | None:
        # The store asks for the repository's registry; the endpoint decides. The repository
        # is the store's own, named on the endpoint's key host (credentials_repository).
        del registry
        return self._inner.credentials(self._key, repository)

    def request_modifiers(self, host: str) -> list[RequestModifier]:
        modifiers = list(self._inner.request_modifiers(host))
        if self._headers and host.lower() == self._host:
            modifiers.append(HeaderModifier(self._headers))
        return modifiers

    @property
    def trust_realm(self) -> Callable[[str, str, bool], bool | None]:
        # The inner hooks' own bound method: which realms are trusted does not depend on the
        # endpoint, and a service's shared tokens are keyed by it (registry_core.sharing).
        return self._inner.trust_realm

    def send_request(
        self, request: requests.PreparedRequest, send: SendFunction
    ) -> requests.Response:
        return self._inner.send_request(request, send)



class LoginView:
    """``service`` as a login sees it: only the push endpoints that get the registry's own
    credentials (``auth_config_key is None``). A login sends the password it is given, so an
    endpoint on another host (a hosts.toml push host elsewhere) must not be tried with it.

    :ivar service: the service viewed.
    """

    def __init__(self, service: EndpointService) -> None:
        self.service = service

    @property
    def hooks(self) -> Hooks:
        return self.service.hooks

    def lookup_push_endpoints(self, hostname: str) -> list[APIEndpoint]:
        endpoints = self.service.lookup_push_endpoints(hostname)
        kept = [e for e in endpoints if e.auth_config_key is None]
        for endpoint in endpoints:
            if endpoint.auth_config_key is not None:
                log.info("not logging in to %s (%s): it is not the registry's own host",
                         endpoint.url, endpoint.origin)
        return kept


def endpoint_repository_info(endpoint: APIEndpoint, info: RepositoryInfo) -> RepositoryInfo:
    """``info`` as requests to ``endpoint`` must name it: with the endpoint's repository path
    when the configuration rewrote it, else ``info`` itself."""
    if not endpoint.repository_path or endpoint.repository_path == info.name.path:
        return info
    host = urlsplit(endpoint.url).netloc
    return RepositoryInfo(
        name=Repository(host, endpoint.repository_path),
        index=info.index,
        official=info.official,
        class_=info.class_,
    )


def credentials_key(endpoint: APIEndpoint, registry_key: str) -> str:
    """The auth config key whose credentials ``endpoint`` gets: its own when the configuration
    gave it one (:attr:`~registry_core.types.APIEndpoint.auth_config_key`), else the
    registry's."""
    return endpoint.auth_config_key if endpoint.auth_config_key is not None else registry_key


def credentials_repository(
    endpoint: APIEndpoint, info: RepositoryInfo, key: str, registry_key: str
) -> str:
    """The repository the ``registry_credentials`` hook is asked about for a session on
    ``endpoint``, as ``host/path``: the path the endpoint serves (its configuration may
    rewrite it), on the host whose credentials the endpoint gets (:func:`credentials_key`):
    the registry's own name (``docker.io`` for Docker Hub) when ``key`` is the registry's,
    else the endpoint's host. That is how containers/image looks up ``auth.json`` for the
    reference it actually pulls from, so a namespace entry (``host/team``) matches there."""
    path = endpoint_repository_info(endpoint, info).name.path
    if key == registry_key:
        host = info.name.domain
    else:
        host = DEFAULT_NAMESPACE if key == INDEX_SERVER else key
    return f"{host}/{path}"
