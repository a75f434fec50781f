"""The one factory that builds authorized sessions, against the real registry."""

from __future__ import annotations

from typing import Any

import pytest

from registry_core.authsession import FreshResources, SessionFactory
from registry_core.credentials import HookCredentialStore
from registry_core.errors import TransportError
from registry_core.manager import Hooks, get_plugin_manager
from tests.http_stub import free_port
from tests.registry_fixtures import RegistryEnv
from tests.registry_services import env_credentials, registry_service

pytest_plugins = ["tests.registry_fixtures"]


class CountingResources(FreshResources):
    """Builds as the default does, and counts what the factory asks for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.transports: list[Any] = []

    def transport(self, endpoint):
        self.asked.append("transport")
        adapter = super().transport(endpoint)
        self.transports.append(adapter)
        return adapter

    def ping(self, session, endpoint):
        self.asked.append("ping")
        return super().ping(session, endpoint)

    def token_handler(self, session, credentials, *, scopes, realm_policy):
        self.asked.append("token_handler")
        handler = super().token_handler(
            session, credentials, scopes=scopes, realm_policy=realm_policy
        )
        # Token requests go over the registry's own transport: its TLS, its pools.
        assert session.get_adapter("https://x/") is self.transports[0]
        return handler


def test_factory_takes_what_may_be_shared_from_its_resources(
    token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = token_registry
    service = registry_service(env, monkeypatch, env_credentials(env))
    [endpoint, *_] = service.lookup_pull_endpoints(env.host)
    resources = CountingResources()
    factory = SessionFactory(service.hooks, resources=resources)
    credentials = HookCredentialStore(service.hooks, env.host)
    with factory.open(endpoint, credentials, ["repository:team/app:pull"]) as session:
        response = session.get(f"{env.url}/v2/team/app/tags/list")
        assert response.status_code == 200
        assert sorted(response.json()["tags"]) == ["1.0", "2.0"]
    assert resources.asked == ["transport", "ping", "token_handler"]
    assert env.issuer is not None
    [fetch] = env.issuer.requests
    assert fetch.scopes == ["repository:team/app:pull"]


def test_factory_closes_the_session_when_the_ping_fails() -> None:
    from registry_core.tlsconfig import TLSConfig
    from registry_core.types import APIEndpoint, APIVersion

    closed: list[bool] = []

    class Closing(FreshResources):
        def transport(self, endpoint):
            adapter = super().transport(endpoint)
            original = adapter.close

            def close() -> None:
                closed.append(True)
                original()

            adapter.close = close  # type: ignore[method-assign]
            return adapter

    endpoint = APIEndpoint(
        url=f"http://127.0.0.1:{free_port()}", version=APIVersion.V2, tls_config=TLSConfig()
    )
    factory = SessionFactory(Hooks(get_plugin_manager(load_entrypoints=False)),
                             resources=Closing())
    with pytest.raises(TransportError):
        factory.open(endpoint, None)
    assert closed


def test_open_session_passes_its_resources_to_the_factory(
    token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry_core.client import list_tags, open_session
    from registry_core.reference import parse_normalized_named

    env = token_registry
    service = registry_service(env, monkeypatch, env_credentials(env))
    info = service.resolve_repository(parse_normalized_named(f"{env.host}/{env.repository}"))
    resources = CountingResources()
    with open_session(service, info, resources=resources) as session:
        assert sorted(list_tags(session, info)) == ["1.0", "2.0"]
    assert resources.asked == ["transport", "ping", "token_handler"]
