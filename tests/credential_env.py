"""A fixture that points every credential store at the test's own temp directory.

``HOME``, ``DOCKER_CONFIG``, ``XDG_RUNTIME_DIR``, ``XDG_CONFIG_HOME`` and
``REGISTRY_AUTH_FILE`` all move into ``tmp_path``, so nothing a test stores (a login, a
``pass`` store, a GnuPG key) lands in the user's own files, and nothing the user has (a
``~/.docker/config.json``) changes what a test sees. The credential helpers' answer cache is
emptied before and after.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from registry_core.credfiles import CredentialLookup
from registry_core.credhelpers import default_cache
from registry_core.types import AuthConfig
from tests.programs import require_program
from tests.registry_fixtures import RunningRegistry, _storage_copy, start_registry


def creds(found: CredentialLookup | AuthConfig | None) -> AuthConfig:
    """The credentials a lookup found; fails the test when it found none."""
    config = found.auth_config if isinstance(found, CredentialLookup) else found
    assert config is not None
    return config


def b64(text: str) -> str:
    """An ``auth`` field: base64 of ``user:password``."""
    return base64.b64encode(text.encode()).decode()


def write_json(path: Path, data: Any) -> None:
    """Write a credentials file (and its directory) as another program would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@dataclass
class CredentialEnv:
    home: Path
    docker_config: Path
    runtime_dir: Path
    config_home: Path

    @property
    def config_json(self) -> Path:
        return self.docker_config / "config.json"

    @property
    def runtime_auth_json(self) -> Path:
        return self.runtime_dir / "containers" / "auth.json"

    @property
    def config_home_auth_json(self) -> Path:
        return self.config_home / "containers" / "auth.json"


@pytest.fixture
def isolated_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CredentialEnv]:
    root = tmp_path / "credential-env"
    env = CredentialEnv(
        home=root / "home",
        docker_config=root / "home" / ".docker",
        runtime_dir=root / "run",
        config_home=root / "home" / ".config",
    )
    for directory in (env.home, env.runtime_dir):
        directory.mkdir(parents=True, mode=0o700)
    monkeypatch.setenv("HOME", str(env.home))
    monkeypatch.setenv("DOCKER_CONFIG", str(env.docker_config))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(env.runtime_dir))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(env.config_home))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    monkeypatch.delenv("PASSWORD_STORE_DIR", raising=False)
    monkeypatch.delenv("GNUPGHOME", raising=False)
    default_cache().clear()
    yield env
    default_cache().clear()


@dataclass
class PassStore:
    """A throwaway GnuPG key and ``pass`` store, for the real ``docker-credential-pass``."""

    gnupg_home: Path
    store_dir: Path
    key_id: str


@pytest.fixture
def pass_store(
    isolated_credentials: CredentialEnv, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PassStore]:
    """``pass`` initialised with a fresh passphrase-less GnuPG key in the test's own HOME.

    GnuPG's home is a short directory of its own under the system temp directory (removed
    afterwards): the agent's socket path must fit in 108 bytes, which pytest's temp paths
    may not.
    """
    require_program("docker-credential-pass")
    require_program("pass")
    require_program("gpg")
    gnupg_home = Path(tempfile.mkdtemp(prefix="rc-gpg-"))
    gnupg_home.chmod(0o700)
    monkeypatch.setenv("GNUPGHOME", str(gnupg_home))
    store_dir = isolated_credentials.home / ".password-store"
    monkeypatch.setenv("PASSWORD_STORE_DIR", str(store_dir))
    try:
        subprocess.run(
            ["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
             "registry-core test <test@registry-core.test>", "default", "default", "never"],
            check=True, capture_output=True,
        )
        listing = subprocess.run(
            ["gpg", "--batch", "--with-colons", "--list-keys"],
            check=True, capture_output=True, text=True,
        ).stdout
        key_id = next(line.split(":")[9] for line in listing.splitlines()
                      if line.startswith("fpr:"))
        subprocess.run(["pass", "init", key_id], check=True, capture_output=True)
        yield PassStore(gnupg_home=gnupg_home, store_dir=store_dir, key_id=key_id)
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], capture_output=True,
                       env={**os.environ, "GNUPGHOME": str(gnupg_home)})
        shutil.rmtree(gnupg_home, ignore_errors=True)


def write_helper(directory: Path, name: str, body: str) -> Path:
    """``docker-credential-<name>``, a shell script, on a PATH of the test's own."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"docker-credential-{name}"
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory put first on PATH, for the tests' own helper scripts."""
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")
    return directory


# A helper that keeps its credentials in files next to it and logs every call, as a real
# store would (one entry per server URL).
FILE_HELPER = """
    NOT_FOUND="credentials not found in native keychain"
    dir="$(dirname "$0")/store"; mkdir -p "$dir"
    echo "$1" >> "$(dirname "$0")/calls"
    case "$1" in
      get) read -r url || true; f="$dir/$(echo "$url" | md5sum | cut -c1-32)"
           if [ -f "$f" ]; then cat "$f"; else echo "$NOT_FOUND"; exit 1; fi ;;
      store) input=$(cat); url=$(echo "$input" | sed 's/.*"ServerURL": *"\\([^"]*\\)".*/\\1/')
             echo "$input" > "$dir/$(echo "$url" | md5sum | cut -c1-32)" ;;
      erase) read -r url || true; f="$dir/$(echo "$url" | md5sum | cut -c1-32)"
             if [ -f "$f" ]; then rm "$f"; else echo "$NOT_FOUND"; exit 1; fi ;;
      list) echo '{}' ;;
    esac
"""


@pytest.fixture
def htpasswd_registry(
    tmp_path: Path, _seeded_storage: tuple[Path, dict[str, str]]
) -> Iterator[tuple[RunningRegistry, str, str]]:
    """A plain-http registry on 127.0.0.1 serving team/app:1.0 and :2.0 that wants basic
    auth (skopeo needs --tls-verify=false for it; registry-core treats loopback as
    insecure and falls back to http)."""
    require_program("docker-registry")
    password = "skopeo-pw-" + secrets.token_urlsafe(8)
    storage = _storage_copy(_seeded_storage, tmp_path)
    with start_registry(tmp_path, htpasswd={"alice": password}, storage_dir=storage) as registry:
        yield registry, "alice", password
