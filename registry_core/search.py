"""Searching an index (the reference's ``DefaultService.Search``).

The term names the index (``registry.example.com/name`` searches that registry; a term
whose first part has no ``.`` or ``:`` and is not ``localhost`` searches Docker Hub). The
index's v1 endpoint is found and pinged (https first; http only for an insecure index), and
then the search goes one of two ways:

* with an auth config holding both a user name and an identity token, a v2 client: the
  endpoint's ``/v2/`` is pinged, and if it confirms v2 the search request is authorized by
  its challenges (a bearer token for ``registry:catalog:search`` bought with the identity
  token, or basic auth). A ping that does not confirm v2 (a fallback) is logged and the v1
  session is used; any other error is raised;
* otherwise the v1 session, with the v1 auth layer (basic auth on the ``X-Docker-Token``
  request when there is a user name).

Official repositories are searched without ``library/``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .authorizer import registry_scope
from .authsession import SessionFactory
from .config import new_index_info, split_repos_search_term, validate_no_scheme
from .errors import FallbackError, PingResponseError, TransportError
from .ping import confirms_v2
from .transport import RegistrySession, headers
from .types import APIEndpoint
from .v1endpoint import V1Endpoint, new_v1_endpoint
from .v1session import Session, authorize_client

if TYPE_CHECKING:
    from .service import DefaultService
    from .types import AuthConfig, SearchResults

__all__ = ["search", "v2_auth_client"]

log = logging.getLogger(__name__)

def v2_auth_client(
    endpoint: V1Endpoint,
    user_agent: str,
    meta_headers: Mapping[str, str | Sequence[str]] | None,
    auth_config: AuthConfig,
    scopes: Sequence[str],
) -> tuple[RegistrySession | None, bool]:
    """A client authorized by the endpoint's v2 challenges (Go ``v2AuthHTTPClient``).

    Returns ``(client, found_v2)``; ``client`` is ``None`` when v2 was not confirmed.

    :raises FallbackError: the ping failed, or its answer cannot be read, and did not
        confirm v2.
    :raises PingResponseError: v2 was confirmed but its challenges cannot be read.
    """
    from registry_core_plugins.static_credentials import new_static_credential_store

    api = APIEndpoint(url=endpoint.url, tls_config=endpoint.tls_config)
    factory = SessionFactory(endpoint.hooks, headers(user_agent, meta_headers))
    # The endpoint's transport, as the reference hands v2AuthHTTPClient the endpoint's own.
    session = factory.session(api, transport=endpoint.client.get_adapter("https://"))
    try:
        try:
            response = factory.ping(session, api)
        except TransportError as exc:
            raise FallbackError(exc) from exc
        found_v2 = confirms_v2(response)
        try:
            challenges = factory.challenges(response)
        except PingResponseError as exc:
            raise (exc if found_v2 else FallbackError(exc)) from exc
        if not found_v2:
            session.close()
            return None, False
        credentials = new_static_credential_store(auth_config)
        factory.authorize(session, api, challenges, credentials, scopes)
    except BaseException:
        session.close()
        raise
    return session, True


def search(
    service: DefaultService,
    term: str,
    limit: int,
    auth_config: AuthConfig | None,
    user_agent: str,
    meta_headers: Mapping[str, str | Sequence[str]] | None,
) -> SearchResults:
    """Search the index ``term`` names (Go ``DefaultService.Search``); see the module.

    :raises InvalidRepositoryNameError: the term holds a scheme.
    :raises InvalidIndexNameError: the term's index name is invalid.
    :raises InvalidArgumentError: ``Limit <n> is outside the range of [1, 100]`` (after the
        endpoint's ping, as in the reference).
    :raises RegistryError: the endpoint could not be validated, or the search failed.
    """
    validate_no_scheme(term)
    index_name, remote_name = split_repos_search_term(term)
    from .hostcheck import guarded_lookup  # only domain names reach the resolver

    index = new_index_info(service.service_config(), index_name, guarded_lookup(service.lookup_ip))
    endpoint = new_v1_endpoint(index, user_agent, meta_headers, hooks=service.hooks)
    client: RegistrySession | None = None
    try:
        if auth_config is not None and auth_config.identity_token and auth_config.username:
            try:
                client, found_v2 = v2_auth_client(
                    endpoint, user_agent, meta_headers, auth_config,
                    [registry_scope("catalog", ["search"])],
                )
            except FallbackError as exc:
                log.error("Cannot use identity token for search, v2 auth not supported: %s",
                          exc)
            else:
                if found_v2:
                    log.debug("using v2 client for search to %s", endpoint.url)
        if client is None:
            client = endpoint.new_client()
            authorize_client(client, auth_config, endpoint)
        session = Session(client, auth_config, endpoint)
        if index.official:
            local_name = remote_name
            if local_name.startswith("library/"):
                local_name = local_name.split("/", 1)[1]
            return session.search_repositories(local_name, limit)
        return session.search_repositories(remote_name, limit)
    finally:
        if client is not None:
            client.close()
        endpoint.close()
