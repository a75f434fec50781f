"""``--password-stdin`` reads bytes and decodes them as UTF-8, whatever the locale: a password
that is not UTF-8 is a one-line error that quotes none of it; one that is logs in."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry_core.cli.common import PasswordEncodingError, read_password_stdin
from tests.credential_env import CredentialEnv
from tests.registry_fixtures import start_registry

pytest_plugins = ["tests.credential_env"]

CANARY = "stdin-canary-Zq7"
#: Not UTF-8: a Latin-1 "é" and a lone continuation byte around the canary.
NOT_UTF8 = b"\xe9" + CANARY.encode() + b"\x80\n"
NON_ASCII = "p\u00e4ssw\u00f6rd-\u20ac-" + CANARY


def login(
    stdin: bytes, server: str, tmp_path: Path, *options: str, **env: str
) -> subprocess.CompletedProcess[bytes]:
    """``registry-core login`` in a child process, as a shell runs it."""
    daemon = tmp_path / "daemon.json"
    daemon.write_text("{}")
    return subprocess.run(
        [sys.executable, "-m", "registry_core", "login", *options, "--daemon-config",
         str(daemon), "-u", "alice", "--password-stdin", server],
        input=stdin, capture_output=True, timeout=60, env={**os.environ, **env},
    )


def assert_no_password(process: subprocess.CompletedProcess[bytes]) -> None:
    for stream in (process.stdout, process.stderr):
        assert CANARY.encode() not in stream
        assert b"\xe9" not in stream and b"\x80" not in stream
        assert b"0xe9" not in stream and b"can't decode" not in stream


@pytest.mark.parametrize(
    "env",
    [{"PYTHONIOENCODING": "utf-8:strict"}, {"LC_ALL": "C", "LANG": "C"}],
    ids=["PYTHONIOENCODING=utf-8:strict", "LC_ALL=C"],
)
def test_a_password_that_is_not_utf8_is_a_one_line_error(
    env: dict[str, str], tmp_path: Path, isolated_credentials: CredentialEnv
) -> None:
    # The registry is never contacted: the password is refused before any request.
    process = login(NOT_UTF8, "r.example:5000", tmp_path, **env)
    assert process.returncode == 1
    assert process.stderr.decode().splitlines() == [
        "registry-core: error: the password on standard input is not valid UTF-8; "
        "give it in UTF-8"
    ]
    assert_no_password(process)
    # Even the traceback --debug prints has no chained decode error quoting the bytes.
    debug = login(NOT_UTF8, "r.example:5000", tmp_path, "--debug", **env)
    assert debug.returncode == 1 and b"Traceback" in debug.stderr
    assert b"During handling" not in debug.stderr
    assert_no_password(debug)


def test_the_error_holds_no_password_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(NOT_UTF8)))
    with pytest.raises(PasswordEncodingError) as caught:
        read_password_stdin()
    error = caught.value
    assert error.__cause__ is None and error.__context__ is None
    for text in (str(error), repr(error)):
        assert CANARY not in text and "\\xe9" not in text and "\\x80" not in text


def test_a_utf8_password_is_read_as_utf8_in_any_locale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A text stdin in another encoding would mis-decode these bytes; the buffer is read.
    stdin = io.TextIOWrapper(io.BytesIO(NON_ASCII.encode() + b"\r\n"), encoding="latin-1")
    monkeypatch.setattr("sys.stdin", stdin)
    assert read_password_stdin() == NON_ASCII
    monkeypatch.setattr("sys.stdin", io.StringIO("as text\nsecond line\n"))
    assert read_password_stdin() == "as text"


@pytest.mark.parametrize("env", [{"LC_ALL": "C", "LANG": "C"},
                                 {"PYTHONIOENCODING": "utf-8:strict"}])
def test_a_non_ascii_password_logs_in_to_a_real_registry(
    env: dict[str, str], tmp_path: Path, isolated_credentials: CredentialEnv
) -> None:
    with start_registry(tmp_path, htpasswd={"alice": NON_ASCII}) as registry:
        process = login(NON_ASCII.encode() + b"\n", registry.host, tmp_path, **env)
        assert process.returncode == 0, process.stderr
        assert process.stdout.decode().strip() == "Login Succeeded"
        wrong = login(b"wrong-" + CANARY.encode() + b"\n", registry.host, tmp_path, **env)
        assert wrong.returncode == 1
