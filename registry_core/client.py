"""An authenticated session on a repository, and listing its tags.

:func:`open_session` is what the reference does before a pull or push
(``NewV2Repository``): take the service's pull endpoints in order, ping each until one
answers, and put an authorizer in front of every request, with credentials from the
``registry_credentials`` plugins and the scope ``repository:<path>:<actions>``. The caller
gets a plain :class:`requests.Session` with a ``base_url``; challenges, tokens and their
renewal stay inside it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from .authorizer import (
    authorization_secrets,
    errcode_text,
    redact,
    repository_scope,
)
from .authsession import SessionFactory, SessionResources
from .config import get_auth_config_key
from .credentials import HookCredentialStore
from .endpoint_session import (
    EndpointHooks,
    EndpointService,
    credentials_key,
    credentials_repository,
    endpoint_repository_info,
)
from .errors import (
    AllEndpointsFailedError,
    AuthenticationError,
    InvalidArgumentError,
    RegistryError,
    RepositoryNotFoundError,
    TransportError,
)
from .gocompat import go_status_text
from .modifiers import default_user_agent, headers
from .paging import follow_pages
from .redact import redact_url
from .transport import RegistrySession
from .types import APIEndpoint, APIVersion, RepositoryInfo

if TYPE_CHECKING:
    from .reference import Named

__all__ = ["REQUEST_TIMEOUT", "RepositorySession", "SessionService", "list_tags", "open_session"]

log = logging.getLogger(__name__)

#: Seconds :func:`list_tags` waits for each answer.
REQUEST_TIMEOUT = 60.0
#: The most ``Link: rel="next"`` pages :func:`list_tags` follows.
_MAX_PAGES = 1000


class RepositorySession(RegistrySession):
    """A :class:`~registry_core.transport.RegistrySession` bound to one registry endpoint.

    :ivar base_url: the endpoint's URL without a trailing slash (``https://host:port``);
        request paths such as ``/v2/<name>/tags/list`` go after it.
    :ivar endpoint: the :class:`~registry_core.types.APIEndpoint` the session is bound to.
    """

    base_url: str = ""
    endpoint: APIEndpoint | None = None


#: What :func:`open_session` needs of a service (a :class:`~registry_core.service.DefaultService`).
SessionService = EndpointService


def open_session(
    service: SessionService,
    repository_info: RepositoryInfo,
    actions: Sequence[str] = ("pull",),
    *,
    reference: Named | None = None,
    trusted_realms: Iterable[str] = (),
    user_agent: str | None = None,
    meta_headers: Mapping[str, str | Sequence[str]] | None = None,
    resources: SessionResources | None = None,
) -> RepositorySession:
    """A session bound to the first endpoint of the repository that answers a ping: its pull
    endpoints, or its push endpoints when ``actions`` holds ``push``.

    The session's ``base_url`` is that endpoint (``https://host:port``), its ``endpoint``
    the :class:`~registry_core.types.APIEndpoint`. Every request through it to the
    registry is authorized for ``repository:<path>:<actions>`` without the caller seeing
    the 401s; TLS comes from the plugins (certs.d) through the endpoint, credentials from
    the ``registry_credentials`` plugins under the auth config key of the host the endpoint
    is on (:mod:`registry_core.endpoint_session`: a mirror on another host never gets the
    registry's credentials unless its configuration says so). Requests must name the
    repository as :func:`~registry_core.endpoint_session.endpoint_repository_info` gives it
    for ``session.endpoint`` (registries.conf may rewrite it). Close the session when done.

    :param actions: the actions to ask a token for, such as ``("pull",)`` or
        ``("pull", "push")``.
    :param reference: the image the endpoints are looked up for (hosts.toml and
        registries.conf answer per image); ``None`` for ``repository_info.name``.
    :param trusted_realms: token realms to send credentials to even when they are on
        another domain, as ``scheme://host[:port][/path]``: a realm matches when its scheme,
        host and port are the same and its path starts with the path in whole segments (the
        ``registry_trust_realm`` hook can allow realms too).
    :param user_agent: the ``User-Agent`` of every request (pings, token requests, reads);
        empty or ``None`` for :func:`~registry_core.modifiers.default_user_agent`.
    :param meta_headers: headers added to every request, as the reference's
        ``Headers(userAgent, metaHeaders)``; ``None`` for none.
    :param resources: where the session's transport, ping and token handler come from
        (:class:`~registry_core.authsession.SessionResources`); ``None`` builds them anew.
    :raises InvalidArgumentError: ``actions`` is a string, not a sequence of actions.
    :raises AllEndpointsFailedError: no endpoint could be reached: the last endpoint's error
        (the reference's message), then, when there were several, what each answered.
    :raises RegistryError: the service has no endpoint for the repository.
    """
    if isinstance(actions, str):
        # A bare string would become the actions "p,u,l,l".
        raise InvalidArgumentError(f"actions must be a sequence of actions, not {actions!r}")
    hostname = repository_info.index.name
    lookup = service.lookup_push_endpoints if "push" in actions else service.lookup_pull_endpoints
    named = reference if reference is not None else repository_info.name
    endpoints = [e for e in lookup(hostname, named) if e.version == APIVersion.V2]
    registry_key = get_auth_config_key(repository_info.index)
    # A DefaultService shares transports, pings and tokens between its sessions.
    shared = resources if resources is not None else getattr(service, "session_resources", None)
    trusted = tuple(trusted_realms)
    modifiers = headers(user_agent or default_user_agent(), meta_headers)
    failed: list[tuple[str, bool, RegistryError]] = []
    for endpoint in endpoints:
        # Each endpoint gets its own host's credentials and headers (endpoint_session's rule)
        # and names the repository as its configuration rewrote it.
        key = credentials_key(endpoint, registry_key)
        hooks = EndpointHooks(service.hooks, key, endpoint)
        info = endpoint_repository_info(endpoint, repository_info)
        scope = repository_scope(info.name.path, actions, info.class_)
        try:
            factory = SessionFactory(hooks, modifiers, trusted_realms=trusted, resources=shared)
            store = HookCredentialStore(
                hooks, key, credentials_repository(endpoint, repository_info, key, registry_key)
            )
            return _bind(factory, endpoint, store, scope)
        except TransportError as exc:
            log.info("endpoint %s did not answer, trying the next one: %s", endpoint.url, exc)
            failed.append((redact_url(endpoint.url), endpoint.mirror, exc))
    if failed:
        raise AllEndpointsFailedError(failed) from failed[-1][2]
    raise RegistryError(f"no v2 endpoint to reach {hostname}")


def _bind(
    factory: SessionFactory,
    endpoint: APIEndpoint,
    credentials: HookCredentialStore,
    scope: str,
) -> RepositorySession:
    session = factory.open(endpoint, credentials, [scope], RepositorySession)
    session.base_url = endpoint.url.rstrip("/")
    session.endpoint = endpoint
    log.debug("session bound to %s for %s", endpoint.url, scope)
    return session


def list_tags(session: RepositorySession, repository_info: RepositoryInfo) -> list[str]:
    """The repository's tags: ``GET /v2/<path>/tags/list``, following ``Link`` pages.

    :param session: a session from :func:`open_session`.
    :raises RepositoryNotFoundError: the registry does not know the repository.
    :raises AuthenticationError: the credentials do not allow listing it.
    :raises RegistryError: any other failure.
    """
    path = repository_info.name.path
    url = f"{session.base_url}/v2/{path}/tags/list"
    tags: list[str] = []
    for response in follow_pages(session, url, timeout=REQUEST_TIMEOUT, max_pages=_MAX_PAGES):
        body = response.content
        if response.status_code != 200:
            sent = authorization_secrets(response.request.headers.get("Authorization"))
            raise _tags_error(path, response.status_code, body, sent)
        try:
            data = json.loads(body)
        except ValueError:
            raise RegistryError(f"listing tags of {path}: the answer is not JSON") from None
        page = data.get("tags") if isinstance(data, dict) else None
        if page is not None and (
            not isinstance(page, list) or not all(isinstance(tag, str) for tag in page)
        ):
            raise RegistryError(f"listing tags of {path}: tags is not a list of strings")
        tags.extend(page or [])
    return tags


def _tags_error(path: str, status: int, body: bytes, secrets: list[str]) -> RegistryError:
    """The error for a failed tags request; the registry's own text, with the credentials
    the request carried redacted (a registry may echo them)."""
    detail = errcode_text(body) or f"{status} {go_status_text(status)}".rstrip()
    message = redact(f"listing tags of {path}: {detail}", secrets)
    if status == 404:
        return RepositoryNotFoundError(message)
    if status in (401, 403):
        return AuthenticationError(message)
    return RegistryError(message)
