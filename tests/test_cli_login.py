"""``registry-core login`` / ``logout`` with each credential backend, against the real
registry (TLS + htpasswd, and token auth), and later commands using what was stored."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from registry_core.cli import main

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@dataclass
class Backend:
    name: str
    options: list[str]
    file: Path

    def stored_text(self) -> str:
        return self.file.read_text() if self.file.exists() else ""


@pytest.fixture(params=["config.json", "config.json+pass", "auth.json"])
def backend(request, isolated_credentials, tmp_path) -> Backend:
    if request.param == "config.json":
        return Backend("config.json", [], isolated_credentials.config_json)
    if request.param == "config.json+pass":
        request.getfixturevalue("pass_store")
        path = isolated_credentials.config_json
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"credsStore": "pass"}))
        return Backend("pass", [], path)
    authfile = tmp_path / "containers-auth.json"
    return Backend("auth.json", ["--authfile", str(authfile)], authfile)


@pytest.fixture
def daemon_config(tmp_path) -> str:
    path = tmp_path / "daemon.json"
    path.write_text("{}")
    return str(path)


@pytest.fixture(params=["tls_basic_registry", "token_registry"])
def secured_registry(request, monkeypatch):
    env = request.getfixturevalue(request.param)
    for key, value in env.environ.items():
        monkeypatch.setenv(key, value)
    return env


def test_login_stores_and_later_commands_use_it(
    capsys, monkeypatch, backend, secured_registry, daemon_config
):
    env = secured_registry
    common = ["--daemon-config", daemon_config, *backend.options]
    name = f"{env.host}/{env.repository}"

    code, out, err = run(capsys, monkeypatch, "tags", *common, name)
    assert code == 1, "anonymous access must be refused, or this test proves nothing"

    code, out, err = run(
        capsys, monkeypatch, "login", *common, "-u", env.username, "--password-stdin", env.host,
        stdin=env.password + "\n",
    )
    assert code == 0, err
    assert out.splitlines()[0] == "Login Succeeded"
    stored = backend.stored_text()
    assert env.host in stored
    if backend.name == "pass" or env.issuer is not None:
        # A helper keeps the secret; a token server's refresh token replaces it.
        assert env.password not in stored
    if backend.name == "pass":
        assert json.loads(stored)["auths"][env.host] == {}

    code, out, err = run(capsys, monkeypatch, "tags", *common, name)
    assert code == 0, err
    assert sorted(out.split()) == sorted(env.tags)

    # Logging in again without a user name uses what is stored, and stores nothing new.
    code, out, err = run(capsys, monkeypatch, "login", "--json", *common, env.host)
    assert code == 0, err
    assert json.loads(out)["stored"] is None

    code, out, err = run(capsys, monkeypatch, "logout", *common, env.host)
    assert code == 0, err
    assert out.strip() == f"Removing login credentials for {env.host}"
    code, out, err = run(capsys, monkeypatch, "logout", *common, env.host)
    assert out.strip() == f"Not logged in to {env.host}"
    code, out, err = run(capsys, monkeypatch, "tags", *common, name)
    assert code == 1
    assert env.password not in out + err


def test_a_refused_login_stores_nothing(capsys, monkeypatch, tls_basic_registry, daemon_config,
                                        isolated_credentials):
    for key, value in tls_basic_registry.environ.items():
        monkeypatch.setenv(key, value)
    code, out, err = run(
        capsys, monkeypatch, "login", "--daemon-config", daemon_config, "-u", "alice",
        "--password-stdin", tls_basic_registry.host, stdin="wrong-canary\n",
    )
    assert code == 1
    assert err.startswith("registry-core: error: ") and err.count("\n") == 1
    assert "wrong-canary" not in err
    assert not isolated_credentials.config_json.exists()


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["--password-stdin", "r.example"], "pw\n", "--password-stdin needs --username"),
        (["-u", "", "-p", "pw", "r.example"], "", "user name is empty"),
        (["-u", "alice", "--password-stdin", "r.example"], "\n", "password is empty"),
        (["-u", "alice", "-p", "x", "--password-stdin", "r.example"], "", "mutually exclusive"),
    ],
)
def test_bad_login_options_are_usage_errors_before_any_request(
    capsys, monkeypatch, argv, stdin, message, daemon_config
):
    code, out, err = run(capsys, monkeypatch, "login", "--daemon-config", daemon_config, *argv,
                         stdin=stdin)
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_no_credentials_and_no_terminal_says_what_to_give(capsys, monkeypatch, daemon_config):
    code, out, err = run(capsys, monkeypatch, "login", "--daemon-config", daemon_config,
                         "r.example:5000")
    assert code == 1
    assert "no stored credentials for r.example:5000" in err
    assert "--password-stdin" in err


def _read_until(fd: int, wanted: bytes, seen: bytearray) -> None:
    """Read the terminal until ``wanted`` shows up (a guard of a minute, not a timing)."""
    import os
    import select

    for _ in range(600):
        if wanted in seen:
            return
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen.extend(chunk)
    assert wanted in seen, bytes(seen)


def test_login_asks_on_a_terminal(htpasswd_registry, isolated_credentials, daemon_config):
    import os
    import pty
    import sys

    registry, user, password = htpasswd_registry
    script = Path(sys.executable).parent / "registry-core"
    argv = [str(script), "login", "--daemon-config", daemon_config, registry.host]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command on a terminal of its own
        os.execve(argv[0], argv, dict(os.environ))
    seen = bytearray()
    try:
        _read_until(fd, b"Username: ", seen)
        os.write(fd, user.encode() + b"\n")
        _read_until(fd, b"Password: ", seen)
        os.write(fd, password.encode() + b"\n")
        _read_until(fd, b"Login Succeeded", seen)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert password.encode() not in seen  # getpass does not echo it
    stored = json.loads(isolated_credentials.config_json.read_text())
    assert registry.host in stored["auths"]
