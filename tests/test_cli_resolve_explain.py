"""``resolve --explain`` answers per image, as a session looks things up: hosts.toml and
registries.conf entries that depend on the reference, and auth.json namespace entries; and
``tags`` lists at the path the endpoint serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry_core.cli import main
from tests.credential_env import CredentialEnv, b64, write_json
from tests.registry_fixtures import RegistryEnv

pytest_plugins = ["tests.credential_env", "tests.registry_fixtures"]

REGISTRY = "r.example:5000"


@pytest.fixture(autouse=True)
def _names_on_loopback(loopback_resolver) -> None:
    """The made-up names resolve to ::1 (secure, as a name that does not resolve), so
    ``resolve`` never sends a DNS query off the host."""
    for name in ("r.example", "internal.example"):
        loopback_resolver.add(name, "::1")
DIGEST = "sha256:" + "a" * 64


def resolve(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str) -> dict[str, Any]:
    daemon = tmp_path / "daemon.json"
    daemon.write_text("{}")
    code = main(["resolve", "--json", "--explain", "--daemon-config", str(daemon), name])
    out, err = capsys.readouterr()
    assert code == 0, err
    answer: dict[str, Any] = json.loads(out)
    return answer


def urls(rows: list[dict[str, Any]]) -> list[str]:
    return [row["url"] for row in rows]


def test_a_hosts_toml_host_for_digests_only_shows_for_a_digest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    isolated_credentials: CredentialEnv,
) -> None:
    root = tmp_path / "hosts"
    (root / REGISTRY).mkdir(parents=True)
    (root / REGISTRY / "hosts.toml").write_text(
        f'server = "https://{REGISTRY}"\n'
        '[host."https://digest-cache.example"]\n  capabilities = ["pull"]\n'
    )
    monkeypatch.setenv("REGISTRY_CORE_HOSTS_DIR", str(root))
    by_tag = resolve(capsys, tmp_path, f"{REGISTRY}/app:1.0")
    assert "https://digest-cache.example" not in urls(by_tag["pull_endpoints"])
    by_digest = resolve(capsys, tmp_path, f"{REGISTRY}/app@{DIGEST}")
    [cache] = [row for row in by_digest["pull_endpoints"]
               if row["url"] == "https://digest-cache.example"]
    assert "hosts.toml" in cache["origin"]


def test_a_registries_conf_prefix_shows_for_its_namespace_with_its_credentials(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    isolated_credentials: CredentialEnv,
) -> None:
    conf = tmp_path / "registries.conf"
    conf.write_text(
        f'[[registry]]\nprefix = "{REGISTRY}/team"\nlocation = "internal.example/mirrored/team"\n'
    )
    monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", str(conf))
    team = resolve(capsys, tmp_path, f"{REGISTRY}/team/app")
    [internal] = [row for row in team["pull_endpoints"]
                  if row["url"] == "https://internal.example"]
    assert internal["credentials_key"] == "internal.example"
    assert internal["credentials_repository"] == "internal.example/mirrored/team/app"
    other = resolve(capsys, tmp_path, f"{REGISTRY}/other/app")
    assert "https://internal.example" not in urls(other["pull_endpoints"])


def used(answer: dict[str, Any]) -> dict[str, Any]:
    [step] = [step for step in answer["credentials"] if step["answered"]]
    return step


def test_credentials_are_explained_for_the_repository(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, isolated_credentials: CredentialEnv,
) -> None:
    write_json(isolated_credentials.runtime_auth_json, {"auths": {
        f"{REGISTRY}/team": {"auth": b64("team-bot:pw")},
        REGISTRY: {"auth": b64("registry-wide:pw")},
    }})
    team = resolve(capsys, tmp_path, f"{REGISTRY}/team/app")
    assert team["credentials_repository"] == f"{REGISTRY}/team/app"
    assert (used(team)["key"], used(team)["username"]) == (f"{REGISTRY}/team", "team-bot")
    assert used(team)["reason"] == "most specific namespace key"
    other = resolve(capsys, tmp_path, f"{REGISTRY}/other/app")
    assert (used(other)["key"], used(other)["username"]) == (REGISTRY, "registry-wide")
    main(["resolve", "--explain", f"{REGISTRY}/team/app"])
    text = capsys.readouterr().out
    assert f"credentials for {REGISTRY}/team/app (registry key {REGISTRY};" in text
    assert f"key '{REGISTRY}/team'): USED: password for team-bot" in text


def test_tags_are_listed_at_the_path_registries_conf_rewrote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    isolated_credentials: CredentialEnv, plain_registry: RegistryEnv,
) -> None:
    host = plain_registry.host
    conf = tmp_path / "registries.conf"
    conf.write_text(f'[[registry]]\nprefix = "{host}/alias"\nlocation = "{host}/team"\n')
    monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", str(conf))
    before = len(plain_registry.registry.access_log())
    assert main(["tags", f"{host}/alias/app"]) == 0
    assert sorted(capsys.readouterr().out.split()) == ["1.0", "2.0"]
    assert ("GET", "/v2/team/app/tags/list", 200) in plain_registry.registry.access_log(
        since=before)
    assert main(["tags", "--json", f"{host}/alias/app"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == f"{host}/alias/app"
