"""The containers tools' auth.json: the file chain, namespace keys, and the real skopeo."""

from __future__ import annotations

import io
import json
import os
import subprocess

import pytest

from registry_core.authfile import AuthFile, auth_file_key, auth_file_paths, lookup_auth_files
from registry_core.constants import INDEX_SERVER
from registry_core.types import AuthConfig
from tests.credential_env import b64, creds
from tests.credential_env import write_json as write
from tests.programs import require_program

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")



def test_the_chain_of_files(isolated_credentials, monkeypatch, tmp_path):
    env = isolated_credentials
    assert auth_file_paths() == [env.runtime_auth_json, env.config_home_auth_json]
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "mine.json"))
    assert auth_file_paths() == [tmp_path / "mine.json", env.config_home_auth_json]
    assert auth_file_paths(tmp_path / "flag.json")[0] == tmp_path / "flag.json"
    monkeypatch.delenv("REGISTRY_AUTH_FILE")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert auth_file_paths()[0] == type(env.home)(f"/run/containers/{os.getuid()}/auth.json")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert auth_file_paths()[1] == env.home / ".config" / "containers" / "auth.json"


def test_the_first_file_with_credentials_wins(isolated_credentials):
    env = isolated_credentials
    write(env.runtime_auth_json, {"auths": {"other.x": {"auth": b64("a:b")}}})
    write(env.config_home_auth_json, {"auths": {"r.x": {"auth": b64("second:pw")}}})
    found = lookup_auth_files("r.x")
    assert creds(found).username == "second"
    assert found.source.path == str(env.config_home_auth_json)
    write(env.runtime_auth_json, {"auths": {"r.x": {"auth": b64("first:pw")}}})
    assert creds(lookup_auth_files("r.x")).username == "first"
    missing = lookup_auth_files("none.x")
    assert missing.auth_config is None and "no entry for none.x" in missing.source.reason


def test_the_most_specific_key_wins_for_a_repository(tmp_path):
    path = tmp_path / "auth.json"
    write(path, {"auths": {
        "r.x": {"auth": b64("registry:pw")},
        "r.x/team": {"auth": b64("team:pw")},
        "r.x/team/app": {"auth": b64("app:pw")},
    }})
    file = AuthFile(path)
    assert creds(file.lookup("r.x", "r.x/team/app")).username == "app"
    assert creds(file.lookup("r.x", "r.x/team/other")).username == "team"
    assert creds(file.lookup("r.x", "r.x/elsewhere/app")).username == "registry"
    assert creds(file.lookup("r.x")).username == "registry"


def test_docker_hub_and_legacy_keys(tmp_path):
    path = tmp_path / "auth.json"
    write(path, {"auths": {"docker.io": {"auth": b64("hub:pw")},
                           "https://legacy.x/v1/": {"auth": b64("old:pw")}}})
    file = AuthFile(path)
    assert creds(file.lookup(INDEX_SERVER)).username == "hub"
    assert creds(file.lookup(INDEX_SERVER, "docker.io/library/ubuntu")).username == "hub"
    assert creds(file.lookup("legacy.x")).username == "old"
    write(path, {"auths": {"https://index.docker.io/v1/": {"auth": b64("v1:pw")}}})
    assert creds(AuthFile(path).lookup(INDEX_SERVER)).username == "v1"


def test_store_and_erase_keep_other_keys(tmp_path):
    path = tmp_path / "auth.json"
    write(path, {"auths": {"keep.x": {"auth": b64("k:k")}}, "unknownTopLevel": [1, 2]})
    AuthFile(path).store(AuthConfig(username="alice", password="pw", server_address="r.x:5000"))
    AuthFile(path).store(AuthConfig(username="hub", password="pw", server_address=""))
    data = json.loads(path.read_text())
    assert data["auths"]["r.x:5000"] == {"auth": b64("alice:pw")}
    assert data["auths"]["docker.io"] == {"auth": b64("hub:pw")}
    assert data["unknownTopLevel"] == [1, 2]
    assert AuthFile(path).erase("r.x:5000") == ["r.x:5000"]
    assert "r.x:5000" not in json.loads(path.read_text())["auths"]
    assert AuthFile(path).erase("r.x:5000") == []
    assert auth_file_key("https://r.x/v2/") == "r.x"


# -- the real skopeo -----------------------------------------------------------------------


def skopeo(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    require_program("skopeo")
    return subprocess.run(
        ["skopeo", *argv], input=stdin, capture_output=True, text=True, timeout=60
    )


def test_what_skopeo_stores_registry_core_uses(htpasswd_registry, tmp_path, capsys, monkeypatch):
    from registry_core.cli import main

    registry, user, password = htpasswd_registry
    authfile = tmp_path / "skopeo-auth.json"
    login = skopeo("login", "--tls-verify=false", "--authfile", str(authfile), "-u", user,
                   "--password-stdin", registry.host, stdin=password + "\n")
    assert login.returncode == 0, login.stderr
    found = AuthFile(authfile).lookup(registry.host)
    assert (creds(found).username, creds(found).password) == (user, password)
    name = f"{registry.host}/team/app"
    # Anonymous is refused, so the tags below prove the stored credentials were used.
    assert main(["tags", name]) == 1
    assert "no basic auth credentials" in capsys.readouterr().err
    assert main(["tags", "--authfile", str(authfile), name]) == 0
    assert sorted(capsys.readouterr().out.split()) == ["1.0", "2.0"]
    # As the containers tools pass it on: $REGISTRY_AUTH_FILE.
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(authfile))
    assert main(["tags", name]) == 0
    assert sorted(capsys.readouterr().out.split()) == ["1.0", "2.0"]


def test_what_registry_core_stores_skopeo_accepts(htpasswd_registry, tmp_path, capsys):
    from registry_core.cli import main

    registry, user, password = htpasswd_registry
    authfile = tmp_path / "rc-auth.json"
    stdin = io.StringIO(password + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", stdin)
        code = main(["login", "--authfile", str(authfile), "-u", user, "--password-stdin",
                     registry.host])
    assert code == 0, capsys.readouterr().err
    image = f"docker://{registry.host}/team/app:1.0"
    inspect = skopeo("inspect", "--tls-verify=false", "--authfile", str(authfile), image)
    assert inspect.returncode == 0, inspect.stderr
    assert json.loads(inspect.stdout)["Name"] == f"{registry.host}/team/app"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"auths": {registry.host: {"auth": b64(f"{user}:nope")}}}))
    refused = skopeo("inspect", "--tls-verify=false", "--authfile", str(wrong), image)
    assert refused.returncode != 0 and "unauthorized" in refused.stderr.lower()
