"""The ``registry-core`` command as a user runs it."""

from __future__ import annotations

import json
import subprocess

import pytest

from registry_core.cli import main
from tests.programs import registry_core_command

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_daemon_config(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text("{}")
    return str(path)


def test_resolve_text_for_a_local_registry(capsys, no_daemon_config):
    code, out, err = run(
        capsys, "resolve", "--daemon-config", no_daemon_config, "localhost:5000/team/app:1.2"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert "name:            localhost:5000/team/app" in lines
    assert "reference:       localhost:5000/team/app:1.2" in lines
    assert "auth config key: localhost:5000" in lines
    # localhost is insecure for the reference: https first, then plain http, verification off.
    pull = out.split("pull endpoints:")[1].split("push endpoints:")[0]
    assert pull.index("https://localhost:5000") < pull.index("http://localhost:5000")
    assert "insecure_skip_verify" in pull


def test_resolve_json_puts_mirrors_first_for_pull_and_never_for_push(capsys, tmp_path,
                                                                     loopback_resolver):
    loopback_resolver.add("mirror.example.com", "::1")  # secure, and no DNS query
    config = tmp_path / "daemon.json"
    config.write_text(json.dumps({"registry-mirrors": ["https://mirror.example.com"]}))
    code, out, err = run(capsys, "resolve", "--json", "--daemon-config", str(config), "ubuntu")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["name"] == "docker.io/library/ubuntu"
    assert answer["familiar_name"] == "ubuntu"
    assert answer["official"] is True
    assert answer["auth_config_key"] == "https://index.docker.io/v1/"
    assert answer["index"] == {
        "name": "docker.io",
        "secure": True,
        "official": True,
        "mirrors": ["https://mirror.example.com/"],
    }
    pull_urls = [e["url"] for e in answer["pull_endpoints"]]
    # As the reference answers: the mirror keeps its trailing slash and is not "official".
    assert pull_urls == ["https://mirror.example.com/", "https://registry-1.docker.io"]
    assert answer["pull_endpoints"][0]["mirror"] is True
    assert answer["pull_endpoints"][0]["official"] is False
    assert answer["pull_endpoints"][1]["official"] is True
    assert [e["url"] for e in answer["push_endpoints"]] == ["https://registry-1.docker.io"]


def test_insecure_registry_from_daemon_config(capsys, tmp_path):
    config = tmp_path / "daemon.json"
    config.write_text(json.dumps({"insecure-registries": ["myreg.example:5000"]}))
    code, out, err = run(
        capsys, "resolve", "--json", "--daemon-config", str(config), "myreg.example:5000/app"
    )
    assert code == 0, err
    answer = json.loads(out)
    assert answer["index"]["secure"] is False
    assert [e["url"] for e in answer["push_endpoints"]] == [
        "https://myreg.example:5000",
        "http://myreg.example:5000",
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("UPPER/case", "invalid reference format: repository name must be lowercase"),
        ("", "invalid reference format"),
        ("a" * 40 + "@sha256:" + "0" * 10, "invalid"),
    ],
)
def test_bad_reference_is_one_line_error(capsys, no_daemon_config, name, message):
    code, out, err = run(capsys, "resolve", "--daemon-config", no_daemon_config, name)
    assert code == 1
    assert out == ""
    assert err.startswith("registry-core: error: ")
    assert message in err
    assert "Traceback" not in err


def test_bad_daemon_config_is_a_typed_error(capsys, tmp_path):
    config = tmp_path / "daemon.json"
    config.write_text('{"insecure-registries": ["http://x:5000/path://"]}')
    code, _, err = run(capsys, "resolve", "--daemon-config", str(config), "ubuntu")
    assert code == 1
    assert "insecure registry" in err
    config.write_text("{not json")
    code, _, err = run(capsys, "resolve", "--daemon-config", str(config), "ubuntu")
    assert code == 1
    assert str(config) in err
    code, _, err = run(capsys, "resolve", "--daemon-config", str(tmp_path / "missing"), "ubuntu")
    assert code == 1
    assert "missing" in err


def test_plugins_lists_the_builtins_with_their_hooks(capsys):
    code, out, err = run(capsys, "plugins", "--json")
    assert code == 0, err
    plugins = {p["name"]: p for p in json.loads(out)}
    assert "registry_endpoints" in plugins["registry_core_plugins.mirrors"]["hooks"]
    assert "registry_configure_tls" in plugins["registry_core_plugins.certsd"]["hooks"]
    code, out, _ = run(
        capsys, "plugins", "--json", "--disable-plugin", "registry_core_plugins.mirrors"
    )
    assert "registry_core_plugins.mirrors" not in {p["name"] for p in json.loads(out)}


def test_disabling_the_mirror_policy_removes_mirrors(capsys, tmp_path):
    config = tmp_path / "daemon.json"
    config.write_text(json.dumps({"registry-mirrors": ["https://mirror.example.com"]}))
    argv = ["resolve", "--json", "--daemon-config", str(config), "ubuntu"]
    code, out, _ = run(capsys, *argv, "--disable-plugin", "registry_core_plugins.mirrors")
    assert code == 0
    assert [e["url"] for e in json.loads(out)["pull_endpoints"]] == [
        "https://registry-1.docker.io"
    ]


def test_the_installed_command_runs():
    result = subprocess.run(
        [*registry_core_command(), "resolve", "--json", "busybox"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "docker.io/library/busybox"
