"""Which source wins when several know a registry, through the hook and as
``registry-core resolve --explain`` shows it."""

from __future__ import annotations

import json

import pytest

from registry_core.cli import main
from registry_core.credexplain import explain_credentials
from registry_core.hookspecs import hookimpl
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.types import AuthConfig
from tests.credential_env import b64, creds, write_json

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")


@pytest.fixture(autouse=True)
def _registry_name_on_loopback(loopback_resolver) -> None:
    """The registry's name resolves to ::1 (secure, as a name that does not resolve), so
    ``resolve`` never sends a DNS query off the host."""
    loopback_resolver.add(REGISTRY.split(":")[0], "::1")

REGISTRY = "r.example:5000"



def write(path, user: str) -> None:
    write_json(path, {"auths": {REGISTRY: {"auth": b64(f"{user}:pw")}}})


class TeamVault:
    """A third-party credential plugin."""

    @hookimpl
    def registry_credentials(self, registry):
        return AuthConfig(username="vault", password="pw") if registry == REGISTRY else None


@pytest.fixture
def both_files(isolated_credentials):
    write(isolated_credentials.config_json, "from-config-json")
    write(isolated_credentials.runtime_auth_json, "from-auth-json")
    return isolated_credentials


def test_plugins_then_auth_json_then_config_json(both_files):
    pm = get_plugin_manager(load_entrypoints=False)
    hooks = Hooks(pm)
    assert creds(hooks.credentials(REGISTRY)).username == "from-auth-json"
    both_files.runtime_auth_json.unlink()
    assert creds(hooks.credentials(REGISTRY)).username == "from-config-json"
    pm.register(TeamVault(), "vault")
    assert creds(hooks.credentials(REGISTRY)).username == "vault"
    steps = explain_credentials(pm, REGISTRY)
    assert [(s.plugin, s.answered) for s in steps] == [("vault", True)]
    pm.unregister(name="vault")
    steps = explain_credentials(pm, REGISTRY)
    assert [(s.plugin, s.answered) for s in steps] == [
        ("registry_core_plugins.containers_auth", False),
        ("registry_core_plugins.docker_config", True),
    ]
    assert steps[1].source.path == str(both_files.config_json)
    assert steps[1].source.key == REGISTRY
    assert steps[1].kind == "password" and steps[1].username == "from-config-json"


def test_resolve_explain_names_the_source(both_files, capsys):
    code = main(["resolve", "--explain", "--json", f"{REGISTRY}/team/app"])
    out, err = capsys.readouterr()
    assert code == 0, err
    answer = json.loads(out)
    [first] = [step for step in answer["credentials"] if step["answered"]]
    assert first["plugin"] == "registry_core_plugins.containers_auth"
    assert first["path"] == str(both_files.runtime_auth_json)
    assert first["key"] == REGISTRY
    assert "pw" not in json.dumps(answer["credentials"])  # never the secret
    endpoint = answer["pull_endpoints"][0]
    assert "origin" in endpoint
    assert endpoint["tls"]["verify"] is True
    assert endpoint["tls"]["certs_d"].endswith(REGISTRY)

    code = main(["resolve", "--explain", f"{REGISTRY}/team/app"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"credentials for {REGISTRY}" in out
    assert "USED: password for from-auth-json; exact key" in out
    assert "decided by:" in out and "TLS:" in out


def test_explain_shows_a_failing_helper(isolated_credentials, capsys):
    path = isolated_credentials.config_json
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"credsStore": "missing-rc-test-helper"}))
    code = main(["resolve", "--explain", f"{REGISTRY}/team/app"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "fails: credential helper docker-credential-missing-rc-test-helper" in out


def test_explain_says_when_nothing_answers(isolated_credentials, capsys):
    assert main(["resolve", "--explain", "localhost:5000/app"]) == 0
    out = capsys.readouterr().out
    assert "no credentials: requests go out anonymously" in out
    assert "insecure registry" in out


def test_config_option_chooses_the_docker_config(isolated_credentials, tmp_path, capsys):
    other = tmp_path / "other-docker"
    write(other / "config.json", "from-other-dir")
    code = main(["resolve", "--explain", "--json", "--config", str(other), f"{REGISTRY}/app"])
    out, _ = capsys.readouterr()
    assert code == 0
    [used] = [s for s in json.loads(out)["credentials"] if s["answered"]]
    assert used["username"] == "from-other-dir"
