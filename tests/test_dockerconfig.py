"""The Docker CLI's config.json: lookups as the Docker CLI does them, writes that keep what
they do not own, and docker-py reading what registry-core wrote."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest

from registry_core.constants import INDEX_SERVER
from registry_core.dockerconfig import DockerConfigFile, docker_config_dir, docker_config_key
from registry_core.errors import CredentialHelperError, CredentialStoreError
from registry_core.types import AuthConfig
from tests.credential_env import FILE_HELPER, b64, creds, write_helper
from tests.credential_env import write_json as write_config

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")

PASSWORD = "config-json-canary-3x"



def test_config_dir_follows_the_docker_cli(isolated_credentials, monkeypatch, tmp_path):
    assert docker_config_dir() == isolated_credentials.docker_config
    assert docker_config_dir(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("DOCKER_CONFIG")
    assert docker_config_dir() == isolated_credentials.home / ".docker"


@pytest.mark.parametrize(
    ("server", "key"),
    [
        ("", INDEX_SERVER),
        ("docker.io", INDEX_SERVER),
        ("index.docker.io", INDEX_SERVER),
        ("https://index.docker.io/v1/", INDEX_SERVER),
        ("localhost:5000", "localhost:5000"),
        ("https://registry.example.com/v2/", "registry.example.com"),
    ],
)
def test_login_keys(server, key):
    assert docker_config_key(server) == key


def test_lookup_exact_legacy_and_hub_keys(isolated_credentials):
    write_config(
        isolated_credentials.config_json,
        {
            "auths": {
                INDEX_SERVER: {"auth": b64(f"hubuser:{PASSWORD}")},
                "https://legacy.example.com/v1/": {"auth": b64("old:pw:with:colons")},
                "plain.example.com": {"username": "u", "password": "p"},
                "token.example.com": {"auth": b64("t:"), "identitytoken": "refresh"},
            }
        },
    )
    config = DockerConfigFile.default()
    hub = config.lookup(INDEX_SERVER)
    assert hub.auth_config is not None
    assert (creds(hub).username, creds(hub).password) == ("hubuser", PASSWORD)
    assert hub.source.key == INDEX_SERVER and hub.source.reason == "exact auths key"
    legacy = config.lookup("legacy.example.com")
    assert creds(legacy).password == "pw:with:colons"
    assert legacy.source.key == "https://legacy.example.com/v1/"
    assert creds(config.lookup("plain.example.com")).username == "u"
    assert creds(config.lookup("token.example.com")).identity_token == "refresh"
    assert config.lookup("unknown.example.com").auth_config is None
    assert PASSWORD not in repr(hub)


def test_bad_files_are_typed_errors_without_secrets(isolated_credentials):
    path = isolated_credentials.config_json
    path.parent.mkdir(parents=True)
    path.write_text('{"auths": {"r.example": {"auth": "' + PASSWORD + '!!"}}}')
    with pytest.raises(CredentialStoreError) as caught:
        DockerConfigFile(path).lookup("r.example")
    assert "r.example" in str(caught.value) and str(path) in str(caught.value)
    assert PASSWORD not in str(caught.value)
    path.write_text('{"auths": {"r.example": {"auth": "' + PASSWORD)
    with pytest.raises(CredentialStoreError, match="not valid JSON") as caught:
        DockerConfigFile(path)
    assert PASSWORD not in str(caught.value)
    path.write_text("[]")
    with pytest.raises(CredentialStoreError, match="JSON object"):
        DockerConfigFile(path)


def test_store_keeps_every_key_it_does_not_own_and_the_mode(isolated_credentials):
    path = isolated_credentials.config_json
    original: dict[str, Any] = {
        "auths": {"other.example": {"auth": b64("o:p"), "x-note": "kept"}},
        "psFormat": "table {{.ID}}",
        "proxies": {"default": {"httpProxy": "http://proxy:3128"}},
        "plugins": {"x": {"y": "z"}},
    }
    write_config(path, original)
    path.chmod(0o640)
    DockerConfigFile(path).store(
        AuthConfig(username="alice", password=PASSWORD, server_address="r.example:5000")
    )
    written = json.loads(path.read_text())
    assert written["psFormat"] == original["psFormat"]
    assert written["proxies"] == original["proxies"]
    assert written["plugins"] == original["plugins"]
    assert written["auths"]["other.example"] == original["auths"]["other.example"]
    assert written["auths"]["r.example:5000"] == {"auth": b64(f"alice:{PASSWORD}")}
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.json"]  # no temporary left


def test_a_new_file_is_private(isolated_credentials):
    path = isolated_credentials.config_json
    DockerConfigFile(path).store(AuthConfig(username="a", password="b", server_address="r.x"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_identity_token_replaces_the_password(isolated_credentials):
    path = isolated_credentials.config_json
    DockerConfigFile(path).store(
        AuthConfig(username="alice", password=PASSWORD, identity_token="refresh",
                   server_address="r.x")
    )
    entry = json.loads(path.read_text())["auths"]["r.x"]
    assert entry == {"auth": b64("alice:"), "identitytoken": "refresh"}


def test_helpers_store_the_secret_and_the_file_only_an_entry(isolated_credentials, bin_dir):
    write_helper(bin_dir, "files", FILE_HELPER)
    write_helper(bin_dir, "other", FILE_HELPER.replace('/store"', '/store2"'))
    path = isolated_credentials.config_json
    write_config(path, {"credsStore": "files", "credHelpers": {"special.example": "other"}})
    config = DockerConfigFile(path)
    source = config.store(AuthConfig(username="alice", password=PASSWORD, server_address="r.x"))
    assert source.helper == "docker-credential-files"
    config.store(AuthConfig(username="bob", password=PASSWORD, server_address="special.example"))
    text = path.read_text()
    assert PASSWORD not in text
    assert json.loads(text)["auths"] == {"r.x": {}, "special.example": {}}
    fresh = DockerConfigFile(path)
    found = fresh.lookup("r.x")
    assert creds(found).username == "alice" and creds(found).password == PASSWORD
    assert found.source.helper == "docker-credential-files"
    special = fresh.lookup("special.example")
    assert creds(special).username == "bob"
    assert special.source.helper == "docker-credential-other"
    assert "credHelpers" in special.source.reason
    # With a helper configured, its answer is the only one: the file's secret is ignored.
    assert fresh.lookup("unknown.example").auth_config is None


def test_a_broken_helper_is_an_error_not_anonymous(isolated_credentials, bin_dir):
    write_helper(bin_dir, "broken", 'echo "keychain locked"; exit 1\n')
    write_config(isolated_credentials.config_json, {"credsStore": "broken"})
    with pytest.raises(CredentialHelperError, match="docker-credential-broken"):
        DockerConfigFile.default().lookup("r.x")


def test_erase_removes_the_key_and_its_legacy_forms(isolated_credentials):
    path = isolated_credentials.config_json
    write_config(
        path,
        {"auths": {"r.x": {"auth": b64("a:b")}, "https://r.x": {"auth": b64("a:b")},
                   "keep.x": {"auth": b64("c:d")}}, "psFormat": "kept"},
    )
    assert DockerConfigFile(path).erase("r.x") == ["r.x", "https://r.x"]
    written = json.loads(path.read_text())
    assert written == {"auths": {"keep.x": {"auth": b64("c:d")}}, "psFormat": "kept"}
    assert DockerConfigFile(path).erase("r.x") == []


def test_docker_py_reads_what_registry_core_wrote(isolated_credentials):
    import docker.auth as docker_auth  # type: ignore[import-untyped]  # the test extra has it
    path = isolated_credentials.config_json
    write_config(path, {"credHelpers": {"helped.example": "pass"}, "psFormat": "x"})
    config = DockerConfigFile(path)
    config.store(AuthConfig(username="alice", password=PASSWORD, server_address="r.x:5000"))
    config.store(AuthConfig(username="hub", password="hubpw", email="a@b.c", server_address=""))
    config.store(AuthConfig(username="t", identity_token="refresh", server_address="tok.x"))
    loaded = docker_auth.load_config(config_path=str(path))
    assert loaded.auths["r.x:5000"]["username"] == "alice"
    assert loaded.auths["r.x:5000"]["password"] == PASSWORD
    assert loaded.auths[INDEX_SERVER]["username"] == "hub"
    assert loaded.auths[INDEX_SERVER]["email"] == "a@b.c"
    assert loaded.auths["tok.x"]["IdentityToken"] == "refresh"
    assert loaded.cred_helpers == {"helped.example": "pass"}
    assert docker_auth.resolve_authconfig(loaded, "r.x:5000")["password"] == PASSWORD


def test_lookup_through_the_real_docker_credential_pass(isolated_credentials, pass_store):
    path = isolated_credentials.config_json
    write_config(path, {"credsStore": "pass"})
    DockerConfigFile(path).store(
        AuthConfig(username="alice", password=PASSWORD, server_address="r.x:5000")
    )
    assert PASSWORD not in path.read_text()
    found = DockerConfigFile(path).lookup("r.x:5000")
    assert creds(found).password == PASSWORD
    assert DockerConfigFile(path).erase("r.x:5000") == ["r.x:5000"]
    assert DockerConfigFile(path).lookup("r.x:5000").auth_config is None
