"""Who is calling: the ``User-Agent`` and meta headers of every request, as the real registry
logs them and the token issuer sees them."""

from __future__ import annotations

import re
from typing import Any

import pytest

import registry_core
from registry_core.client import list_tags
from registry_core.ping import ping_v2_registry
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.types import AuthConfig
from tests.registry_fixtures import RegistryEnv
from tests.registry_services import env_credentials, registry_service

pytest_plugins = ["tests.registry_fixtures"]

DEFAULT_AGENT = f"registry-core/{registry_core.__version__}"
# The agent is the last quoted field of the registry's combined-format access log.
_AGENT = re.compile(r'"(?P<agent>(?:[^"\\]|\\.)*)"\s*$')
_FIXTURE_AGENT = "registry-fixtures-probe"


def _agents(env: RegistryEnv) -> list[str]:
    """The ``User-Agent`` of every request the registry logged, the fixtures' own left out."""
    env.registry.access_log()  # waits until every answered request is in the log
    agents = []
    for line in env.registry.access_log_path.read_text(errors="replace").splitlines():
        match = _AGENT.search(line)
        if match is not None and match["agent"] != _FIXTURE_AGENT:
            agents.append(match["agent"])
    return agents


def _list(service: DefaultService, env: RegistryEnv, **kwargs: Any) -> list[str]:
    info = service.resolve_repository(parse_normalized_named(f"{env.host}/{env.repository}"))
    with service.session(info, **kwargs) as session:
        return list_tags(session, info)


def test_service_defaults_reach_ping_token_and_reads(
    token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = token_registry
    assert env.issuer is not None
    service = registry_service(env, monkeypatch, env_credentials(env), user_agent="acme-pull/2.1",
                               meta_headers={"X-Meta-Source": ["ci", "nightly"]})
    assert sorted(_list(service, env)) == ["1.0", "2.0"]
    agents = _agents(env)
    assert len(agents) >= 2  # the ping and the tags read
    assert set(agents) == {"acme-pull/2.1"}
    [fetch] = env.issuer.requests
    assert fetch.header_values("User-Agent") == ["acme-pull/2.1"]
    assert fetch.header_values("X-Meta-Source") == ["ci, nightly"]


def test_session_overrides_the_service_defaults(
    token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = token_registry
    assert env.issuer is not None
    service = registry_service(env, monkeypatch, env_credentials(env), user_agent="acme-pull/2.1",
                               meta_headers={"X-Meta-Source": ["ci"]})
    _list(service, env, user_agent="one-off/0.1", meta_headers={"X-Meta-Run": "42"})
    assert set(_agents(env)) == {"one-off/0.1"}
    [fetch] = env.issuer.requests
    assert fetch.header_values("User-Agent") == ["one-off/0.1"]
    assert fetch.header_values("X-Meta-Run") == ["42"]
    assert fetch.header_values("X-Meta-Source") == []


def test_without_a_user_agent_the_library_names_itself(
    token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = token_registry
    assert env.issuer is not None
    service = registry_service(env, monkeypatch, env_credentials(env))
    _list(service, env)
    assert service.auth(
        AuthConfig(username="alice", password=env.password or "", server_address=env.host), ""
    )[0] == "Login Succeeded"
    ping_v2_registry(service.lookup_pull_endpoints(env.host)[0])
    assert set(_agents(env)) == {DEFAULT_AGENT}
    assert {seen.header("User-Agent") for seen in env.issuer.requests} == {DEFAULT_AGENT}
    assert all(seen.header("X-Meta-Source") is None for seen in env.issuer.requests)


def test_login_sends_the_callers_agent_and_no_meta_headers(
    token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reference's loginV2 builds its client with Headers(userAgent, nil).
    env = token_registry
    assert env.issuer is not None
    service = registry_service(env, monkeypatch, env_credentials(env), user_agent="acme/1",
                               meta_headers={"X-Meta-A": "b"})
    config = AuthConfig(username="alice", password=env.password or "", server_address=env.host)
    assert service.auth(config, "docker-cli/20.10")[0] == "Login Succeeded"
    assert service.auth(config, "")[0] == "Login Succeeded"
    assert _agents(env) == ["docker-cli/20.10"] * 2 + ["acme/1"] * 2
    assert [seen.header("User-Agent") for seen in env.issuer.requests] == [
        "docker-cli/20.10", "acme/1"
    ]
    assert all(seen.header("X-Meta-A") is None for seen in env.issuer.requests)
