"""Credentials that cannot be sent are typed errors that name the field, never the value.

A lone surrogate is what a byte that is not UTF-8 becomes when Python reads text with
``surrogateescape`` (standard input under ``LC_ALL=C``); it cannot be encoded for basic auth
or a form body. A token with CR or LF would split the header it is sent in.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import traceback

import pytest

from registry_core.config import IPAddress
from registry_core.errors import InvalidArgumentError, InvalidCredentialsError, RegistryError
from registry_core.types import AuthConfig

SECRET = "s3cr3t-\ud800-tail"
FIELDS = ["username", "password", "auth", "identity_token", "registry_token"]


def _leaks(error: BaseException, secret: str) -> bool:
    """Whether ``secret`` (or its start, which survives an encoding error) appears in the
    error, its repr, its chain or its formatted traceback."""
    text = "".join(traceback.format_exception(error)) + repr(error)
    chained = error.__cause__ or error.__context__
    if chained is not None:
        text += repr(chained)
    return secret in text or "s3cr3t" in text


@pytest.mark.parametrize("name", FIELDS)
def test_a_lone_surrogate_is_a_typed_error_without_the_value(name: str) -> None:
    with pytest.raises(InvalidCredentialsError) as caught:
        AuthConfig(**{name: SECRET})
    assert isinstance(caught.value, InvalidArgumentError)
    assert f"AuthConfig.{name} cannot be encoded as UTF-8" in str(caught.value)
    assert not _leaks(caught.value, SECRET)


@pytest.mark.parametrize("name", FIELDS)
def test_a_field_set_later_is_checked_too(name: str) -> None:
    config = AuthConfig(username="u", password="p")
    with pytest.raises(InvalidCredentialsError) as caught:
        setattr(config, name, SECRET)
    assert not _leaks(caught.value, SECRET)
    with pytest.raises(InvalidCredentialsError):
        dataclasses.replace(config, **{name: SECRET})


@pytest.mark.parametrize("token", ["s3cr3t\r\nX-Injected: 1", "s3cr3t\ntail", "s3cr3t\x00tail",
                                   "é-s3cr3t\rtail"])
def test_a_registry_token_with_control_characters_is_refused(token: str) -> None:
    with pytest.raises(InvalidCredentialsError, match="control character") as caught:
        AuthConfig(registry_token=token)
    assert not _leaks(caught.value, token)


@pytest.mark.parametrize("value", ["pässwörd", "密码", "p\r\nw", "\t x"])
def test_any_encodable_password_is_kept(value: str) -> None:
    """Passwords and identity tokens travel base64- or form-encoded: anything UTF-8 can
    encode is allowed, control characters included."""
    config = AuthConfig(username="ü", password=value, identity_token=value)
    assert config.password == value and config.identity_token == value
    assert AuthConfig(registry_token="tøken-é").registry_token == "tøken-é"


def test_a_value_that_is_not_a_string_is_typed() -> None:
    with pytest.raises(InvalidCredentialsError, match="must be a string, not NoneType"):
        AuthConfig(password=None)  # type: ignore[arg-type]
    assert AuthConfig.from_json({"password": 5}).password == "5"


@pytest.mark.parametrize("command", ["login", "tags"])
def test_cli_with_a_password_that_is_not_utf8_under_c_locale(command: str, tmp_path) -> None:
    """``--password-stdin`` with a byte that is not UTF-8, under ``LC_ALL=C``: one line on
    stderr, exit status 1, no traceback, the password nowhere."""
    secret = b"s3cr3t-\xff-tail"
    args = ["127.0.0.1:9/team/app"] if command == "tags" else ["127.0.0.1:9"]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LC_ALL": "C",
        "HOME": str(tmp_path),
        "DOCKER_CONFIG": str(tmp_path),
        "REGISTRY_CORE_CERTS_DIR": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "registry_core", command, "-u", "bob", "--password-stdin", *args],
        input=secret + b"\n", capture_output=True, env=env, timeout=60, check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert b"Traceback" not in output
    assert len(done.stderr.strip().splitlines()) == 1
    assert b"s3cr3t" not in output
    # Refused where it is read (registry_core.cli.common.read_password_stdin), before any
    # AuthConfig holds it.
    assert b"the password on standard input is not valid UTF-8" in done.stderr


def test_credentials_from_a_plugin_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A credentials plugin that builds its AuthConfig by hand, bypassing the check, gets a
    typed error when the store copies it, not a leak later."""
    from registry_core.credentials import HookCredentialStore

    class Hooks:
        def credentials(self, registry: str) -> AuthConfig:
            config = AuthConfig(username="u")
            object.__setattr__(config, "password", SECRET)
            return config

    store = HookCredentialStore(Hooks(), "reg.example")  # type: ignore[arg-type]
    with pytest.raises(RegistryError) as caught:
        store.basic("https://reg.example/")
    assert not _leaks(caught.value, SECRET)


@pytest.mark.parametrize("address", ["http://bob:s3cr3t@[::1/v2/", "https://bob:s3cr3t@h:port/",
                                     "bob:s3cr3t@[::1"])
def test_a_server_address_with_a_password_is_never_quoted(address: str, tmp_path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from registry_core.service import DefaultService

    monkeypatch.setenv("REGISTRY_CORE_CERTS_DIR", str(tmp_path))
    asked: list[str] = []

    def lookup_ip(host: str) -> list[IPAddress]:
        asked.append(host)
        return []

    service = DefaultService(lookup_ip=lookup_ip)
    config = AuthConfig(username="bob", password="pw", server_address=address)
    with pytest.raises(RegistryError) as caught:
        service.auth(config, "ua")
    assert not _leaks(caught.value, "s3cr3t")
    for call in (service.lookup_pull_endpoints, service.tls_config):
        with pytest.raises(RegistryError) as refused:  # user info in a host name is refused
            call(address)
        assert not _leaks(refused.value, "s3cr3t")
    # Nor is the password ever handed to the resolver.
    assert not [host for host in asked if "@" in host or "s3cr3t" in host]
