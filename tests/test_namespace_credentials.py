"""Namespace-keyed credentials in sessions: the ``registry_credentials`` hook is asked with
the repository, so an ``auth.json`` entry for ``registry/team`` wins over ``registry`` for
``registry/team/app``, as podman and skopeo use it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry_core.client import list_tags
from registry_core.config import parse_repository_info
from registry_core.credentials import HookCredentialStore
from registry_core.endpoint_session import credentials_key, credentials_repository
from registry_core.errors import AuthenticationError
from registry_core.hookspecs import hookimpl
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.types import APIEndpoint, AuthConfig
from tests.credential_env import CredentialEnv, b64
from tests.registry_fixtures import RunningRegistry, _storage_copy, start_registry

pytest_plugins = ["tests.credential_env", "tests.registry_fixtures"]

TEAM_PASSWORD = "team-namespace-pw"


@pytest.fixture
def team_only_registry(
    tmp_path: Path, _seeded_storage: tuple[Path, dict[str, str]]
) -> Iterator[RunningRegistry]:
    """The real registry serving ``team/app``, whose htpasswd knows only ``team-bot``: a
    request succeeds only with the team's credentials, so the registry's answer shows which
    ``auth.json`` entry a session used."""
    storage = _storage_copy(_seeded_storage, tmp_path)
    with start_registry(tmp_path, htpasswd={"team-bot": TEAM_PASSWORD},
                        storage_dir=storage) as registry:
        yield registry


def write_auth_json(path: Path, entries: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"auths": {key: {"auth": b64(user_password)}
                                          for key, user_password in entries.items()}}))


def tags_of(service: DefaultService, name: str) -> list[str]:
    info = service.resolve_repository(parse_normalized_named(name))
    session = service.session(info)
    try:
        return sorted(list_tags(session, info))
    finally:
        session.close()


def test_a_session_uses_the_most_specific_auth_json_key(
    team_only_registry: RunningRegistry, isolated_credentials: CredentialEnv
) -> None:
    host = team_only_registry.host
    write_auth_json(isolated_credentials.runtime_auth_json, {
        f"{host}/team": f"team-bot:{TEAM_PASSWORD}",
        host: "registry-wide:not-a-password-this-registry-knows",
    })
    with DefaultService() as service:
        # Only team-bot gets in: the tags prove the namespace entry was used.
        assert tags_of(service, f"{host}/team/app") == ["1.0", "2.0"]
        # Outside the namespace the registry-wide entry answers, and the registry refuses it.
        with pytest.raises(AuthenticationError):
            tags_of(service, f"{host}/elsewhere/app")
    log = team_only_registry.access_log()
    assert ("GET", "/v2/team/app/tags/list", 200) in log
    assert ("GET", "/v2/elsewhere/app/tags/list", 401) in log


def test_the_registry_wide_key_still_serves_every_repository(
    team_only_registry: RunningRegistry, isolated_credentials: CredentialEnv
) -> None:
    host = team_only_registry.host
    write_auth_json(isolated_credentials.runtime_auth_json, {
        host: f"team-bot:{TEAM_PASSWORD}",
        f"{host}/other-team": "someone-else:wrong",
    })
    with DefaultService() as service:
        assert tags_of(service, f"{host}/team/app") == ["1.0", "2.0"]


class Recorder:
    """A third-party store that keys by namespace, recording what it is asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None]] = []

    @hookimpl
    def registry_credentials(self, registry: str, repository: str | None) -> AuthConfig | None:
        self.asked.append((registry, repository))
        if repository is not None and repository.startswith("r.example/team/"):
            return AuthConfig(username="team")
        return None


class RegistryOnly:
    """A plugin written against the hook before ``repository`` was added."""

    @hookimpl
    def registry_credentials(self, registry: str) -> AuthConfig | None:
        return AuthConfig(username="registry-wide") if registry == "r.example" else None


def test_the_hook_store_asks_with_its_repository() -> None:
    recorder = Recorder()
    hooks = Hooks(get_plugin_manager(plugins=[recorder], load_entrypoints=False))
    store = HookCredentialStore(hooks, "r.example", "r.example/team/app")
    assert store.basic("https://r.example/v2/") == ("team", "")
    assert recorder.asked == [("r.example", "r.example/team/app")]
    assert "r.example/team/app" in repr(store)
    login = HookCredentialStore(hooks, "r.example")
    assert login.basic("https://r.example/v2/") == ("", "")
    assert recorder.asked[-1] == ("r.example", None)


def test_a_plugin_without_the_repository_argument_keeps_working() -> None:
    hooks = Hooks(get_plugin_manager(plugins=[RegistryOnly(), Recorder()],
                                     load_entrypoints=False))
    assert hooks.credentials("r.example", "r.example/team/app") == AuthConfig(username="team")
    assert hooks.credentials("r.example", "r.example/x/app") == AuthConfig(
        username="registry-wide")
    assert hooks.credentials("r.example") == AuthConfig(username="registry-wide")


@pytest.mark.parametrize(
    ("name", "endpoint", "repository"),
    [
        # The registry's own endpoint: the repository under the registry's name.
        ("r.example:5000/team/app", APIEndpoint("https://r.example:5000"),
         "r.example:5000/team/app"),
        ("ubuntu", APIEndpoint("https://registry-1.docker.io"), "docker.io/library/ubuntu"),
        # A rewritten location on the registry's own host: the path it is served at.
        ("r.example/alias/app", APIEndpoint("https://r.example", repository_path="team/app"),
         "r.example/team/app"),
        # A mirror with its own credentials: its host and the path there.
        ("r.example/team/app",
         APIEndpoint("https://mirror.example:5000", repository_path="cache/team/app",
                     auth_config_key="mirror.example:5000"),
         "mirror.example:5000/cache/team/app"),
        ("ubuntu",
         APIEndpoint("https://mirror.example", auth_config_key="mirror.example"),
         "mirror.example/library/ubuntu"),
    ],
)
def test_the_repository_is_named_on_the_host_whose_credentials_are_used(
    name: str, endpoint: APIEndpoint, repository: str
) -> None:
    from registry_core.config import get_auth_config_key

    info = parse_repository_info(parse_normalized_named(name), lambda host: [])  # no DNS
    registry_key = get_auth_config_key(info.index)
    key = credentials_key(endpoint, registry_key)
    assert credentials_repository(endpoint, info, key, registry_key) == repository
