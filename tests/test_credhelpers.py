"""The docker-credential-<name> protocol: the real docker-credential-pass, and a helper script
per failure mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry_core.credhelpers import (
    CACHE_ENV,
    TIMEOUT_ENV,
    TOKEN_USERNAME,
    CredentialHelper,
    HelperCredentials,
)
from registry_core.errors import CredentialHelperError, CredentialStoreError, RegistryError
from tests.credential_env import FILE_HELPER, write_helper

pytest_plugins = ["tests.credential_env"]

pytestmark = pytest.mark.usefixtures("isolated_credentials")

SECRET = "helper-secret-canary-7Q"


def _get(helper: CredentialHelper, server: str) -> HelperCredentials:
    found = helper.get(server)
    assert found is not None
    return found


def calls(bin_dir: Path) -> list[str]:
    path = bin_dir / "calls"
    return path.read_text().split() if path.exists() else []


def test_store_get_erase_round_trip_through_a_helper(bin_dir):
    write_helper(bin_dir, "files", FILE_HELPER)
    helper = CredentialHelper("files", cache_seconds=0)
    assert helper.get("registry.example.com") is None
    helper.store("registry.example.com", "alice", SECRET)
    found = helper.get("registry.example.com")
    assert found is not None
    assert (found.username, found.secret, found.is_identity_token) == ("alice", SECRET, False)
    assert SECRET not in repr(found)
    assert helper.erase("registry.example.com") is True
    assert helper.get("registry.example.com") is None
    assert helper.erase("registry.example.com") is False


def test_token_user_name_marks_an_identity_token(bin_dir):
    write_helper(bin_dir, "files", FILE_HELPER)
    helper = CredentialHelper("files", cache_seconds=0)
    helper.store("r.example", TOKEN_USERNAME, "refresh-token")
    found = helper.get("r.example")
    assert found is not None and found.is_identity_token and found.secret == "refresh-token"


def test_answers_are_cached_briefly_and_store_forgets_them(bin_dir, monkeypatch):
    write_helper(bin_dir, "files", FILE_HELPER)
    helper = CredentialHelper("files", cache_seconds=300)
    helper.store("r.example", "alice", SECRET)
    assert _get(helper, "r.example").username == "alice"
    assert _get(helper, "r.example").username == "alice"
    assert calls(bin_dir).count("get") == 1
    helper.store("r.example", "bob", SECRET)  # a store drops the cached answer
    assert _get(helper, "r.example").username == "bob"
    assert calls(bin_dir).count("get") == 2


def test_cache_seconds_come_from_the_environment(bin_dir, monkeypatch):
    write_helper(bin_dir, "files", FILE_HELPER)
    monkeypatch.setenv(CACHE_ENV, "0")
    helper = CredentialHelper("files")
    helper.get("r.example")
    helper.get("r.example")
    assert calls(bin_dir).count("get") == 2
    monkeypatch.setenv(CACHE_ENV, "soon")
    with pytest.raises(CredentialHelperError, match=CACHE_ENV):
        CredentialHelper("files")


def test_a_missing_helper_is_an_error_naming_it(bin_dir):
    with pytest.raises(CredentialHelperError) as caught:
        CredentialHelper("nonexistent-rc-test").get("r.example")
    assert "docker-credential-nonexistent-rc-test" in str(caught.value)
    assert "PATH" in str(caught.value)
    assert caught.value.helper == "docker-credential-nonexistent-rc-test"


def test_a_failing_helper_is_an_error_with_its_message(bin_dir):
    write_helper(bin_dir, "broken", 'echo "keychain locked"; exit 1\n')
    with pytest.raises(CredentialHelperError) as caught:
        CredentialHelper("broken", cache_seconds=0).get("r.example")
    message = str(caught.value)
    assert "docker-credential-broken" in message and "keychain locked" in message
    assert "exit status 1" in message


def test_garbage_is_an_error_and_is_not_echoed(bin_dir):
    write_helper(bin_dir, "garbage", f'echo "Username={SECRET}"\n')
    with pytest.raises(CredentialHelperError) as caught:
        CredentialHelper("garbage", cache_seconds=0).get("r.example")
    assert "not a JSON object" in str(caught.value)
    assert SECRET not in str(caught.value)
    write_helper(bin_dir, "wrongtypes", 'echo \'{"Username": 1, "Secret": []}\'\n')
    with pytest.raises(CredentialHelperError, match="not a string"):
        CredentialHelper("wrongtypes", cache_seconds=0).get("r.example")


def test_a_hanging_helper_is_killed_after_the_timeout(bin_dir, tmp_path, monkeypatch):
    marker = tmp_path / "still-running"
    # The helper starts a child that would outlive it: the timeout kills both.
    write_helper(bin_dir, "hang", f"(sleep 30; touch {marker}) & sleep 30\n")
    monkeypatch.setenv(TIMEOUT_ENV, "0.5")
    with pytest.raises(CredentialHelperError) as caught:
        CredentialHelper("hang", cache_seconds=0).get("r.example")
    assert "did not answer within 0.5 seconds" in str(caught.value)
    assert TIMEOUT_ENV in str(caught.value)


def test_a_store_that_fails_does_not_echo_the_secret(bin_dir):
    write_helper(bin_dir, "echoer", 'cat; exit 1\n')
    with pytest.raises(CredentialHelperError) as caught:
        CredentialHelper("echoer").store("r.example", "alice", SECRET)
    assert SECRET not in str(caught.value)


def test_not_found_is_none_and_never_an_error(bin_dir):
    write_helper(bin_dir, "empty", 'echo "credentials not found in native keychain"; exit 1\n')
    assert CredentialHelper("empty", cache_seconds=0).get("r.example") is None


def test_helper_errors_are_registry_errors():
    assert issubclass(CredentialHelperError, CredentialStoreError)
    assert issubclass(CredentialStoreError, RegistryError)
    with pytest.raises(CredentialHelperError):
        CredentialHelper("../evil")


def test_list(bin_dir):
    write_helper(bin_dir, "lister", """echo '{"https://index.docker.io/v1/": "alice"}'\n""")
    assert CredentialHelper("lister").list() == {"https://index.docker.io/v1/": "alice"}
    write_helper(bin_dir, "badlist", "echo '[1]'\n")
    with pytest.raises(CredentialHelperError, match="list answered"):
        CredentialHelper("badlist").list()


# -- the real docker-credential-pass ---------------------------------------------------------


def test_docker_credential_pass_round_trips(pass_store):
    helper = CredentialHelper("pass", cache_seconds=0)
    server = "registry-core.test:5000"
    assert helper.get(server) is None
    helper.store(server, "alice", SECRET)
    found = helper.get(server)
    assert found is not None and (found.username, found.secret) == ("alice", SECRET)
    assert helper.list() == {server: "alice"}
    # pass keeps it encrypted under the test's own store, never in clear.
    files = [p for p in pass_store.store_dir.rglob("*") if p.is_file()]
    assert files and all(SECRET.encode() not in p.read_bytes() for p in files)
    helper.store(server, TOKEN_USERNAME, "an-identity-token")
    token = helper.get(server)
    assert token is not None and token.is_identity_token and token.secret == "an-identity-token"
    assert helper.erase(server) is True
    assert helper.get(server) is None
    assert json.dumps(helper.list()) == "{}"
