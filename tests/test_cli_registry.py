"""``registry-core tags`` and ``registry-core login`` against the real registry."""

from __future__ import annotations

import io
import json

import pytest

from registry_core.cli import main

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")


@pytest.fixture
def no_daemon_config(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text("{}")
    return str(path)


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def use_registry_env(monkeypatch, env) -> None:
    for key, value in env.environ.items():
        monkeypatch.setenv(key, value)


def test_tags_of_an_open_registry(capsys, monkeypatch, plain_registry, no_daemon_config):
    name = f"{plain_registry.host}/{plain_registry.repository}"
    code, out, err = run(capsys, monkeypatch, "tags", "--daemon-config", no_daemon_config, name)
    assert code == 0, err
    assert sorted(out.split()) == sorted(plain_registry.tags)
    code, out, err = run(
        capsys, monkeypatch, "tags", "--json", "--daemon-config", no_daemon_config, name
    )
    assert code == 0, err
    answer = json.loads(out)
    assert answer["name"] == name
    assert sorted(answer["tags"]) == sorted(plain_registry.tags)


def test_tags_through_token_auth(capsys, monkeypatch, token_registry, no_daemon_config):
    use_registry_env(monkeypatch, token_registry)
    name = f"{token_registry.host}/{token_registry.repository}"
    argv = ["tags", "--daemon-config", no_daemon_config, "-u", token_registry.username]
    code, out, err = run(
        capsys, monkeypatch, *argv, "--password-stdin", name, stdin=token_registry.password + "\n"
    )
    assert code == 0, err
    assert sorted(out.split()) == sorted(token_registry.tags)
    assert token_registry.password not in out + err


def test_tags_with_a_wrong_password_is_a_one_line_error(
    capsys, monkeypatch, token_registry, no_daemon_config
):
    use_registry_env(monkeypatch, token_registry)
    name = f"{token_registry.host}/{token_registry.repository}"
    code, out, err = run(
        capsys,
        monkeypatch,
        "tags",
        "--daemon-config",
        no_daemon_config,
        "-u",
        token_registry.username,
        "--password-stdin",
        name,
        stdin="wrong-password-canary\n",
    )
    assert code == 1
    assert out == ""
    assert err.startswith("registry-core: error: ")
    assert err.count("\n") == 1
    assert "wrong-password-canary" not in err


def test_login_with_basic_auth_over_verified_tls(
    capsys, monkeypatch, tls_basic_registry, no_daemon_config
):
    use_registry_env(monkeypatch, tls_basic_registry)
    argv = ["login", "--daemon-config", no_daemon_config, "-u", tls_basic_registry.username]
    code, out, err = run(
        capsys,
        monkeypatch,
        *argv,
        "--password-stdin",
        tls_basic_registry.host,
        stdin=tls_basic_registry.password + "\n",
    )
    assert code == 0, err
    assert out.strip() == "Login Succeeded"

    code, out, err = run(
        capsys,
        monkeypatch,
        *argv,
        "--password-stdin",
        tls_basic_registry.host,
        stdin="not-the-password\n",
    )
    assert code == 1
    assert "login attempt to" in err or "unauthorized" in err
    assert "not-the-password" not in err


def test_login_without_the_ca_in_certs_d_fails(
    capsys, monkeypatch, tls_basic_registry, no_daemon_config, tmp_path
):
    monkeypatch.setenv("REGISTRY_CORE_CERTS_DIR", str(tmp_path / "empty-certs.d"))
    code, out, err = run(
        capsys,
        monkeypatch,
        "login",
        "--daemon-config",
        no_daemon_config,
        "-u",
        tls_basic_registry.username,
        "--password-stdin",
        tls_basic_registry.host,
        stdin=tls_basic_registry.password + "\n",
    )
    assert code == 1
    assert "certificate" in err.lower()
    assert tls_basic_registry.password not in err


def test_login_reports_an_identity_token_without_printing_it(
    capsys, monkeypatch, token_registry, no_daemon_config
):
    use_registry_env(monkeypatch, token_registry)
    code, out, err = run(
        capsys,
        monkeypatch,
        "login",
        "--json",
        "--daemon-config",
        no_daemon_config,
        "-u",
        token_registry.username,
        "--password-stdin",
        token_registry.host,
        stdin=token_registry.password + "\n",
    )
    assert code == 0, err
    answer = json.loads(out)
    assert answer["status"] == "Login Succeeded"
    assert answer["identity_token"] is True
