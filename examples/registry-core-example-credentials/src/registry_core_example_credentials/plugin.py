"""Credentials from a directory of per-registry secret files.

This is the shape of many enterprise secret stores once they reach a machine: a Vault agent,
a Kubernetes secret volume or a CI system writes one directory per registry, with one file
per value::

    $REGISTRY_CORE_SECRETS_DIR/
        registry.example.com/username
        registry.example.com/password
        docker.io/username              # Docker Hub
        docker.io/password
        token.example.com:5000/identitytoken

The plugin answers ``registry_credentials`` at normal priority, so it is asked before the
built-in ``auth.json`` and ``config.json`` plugins, and after credentials given explicitly.
A directory name is the registry's auth config key, except that Docker Hub's
``https://index.docker.io/v1/`` is ``docker.io``. Trailing new lines are stripped from the
values, as secret files usually end with one.
"""

from __future__ import annotations

import os
from pathlib import Path

from registry_core.credfiles import CredentialLookup, CredentialSource
from registry_core.errors import CredentialStoreError
from registry_core.hookspecs import hookimpl
from registry_core.types import AuthConfig

#: The environment variable naming the secrets directory; without it the plugin has nothing.
SECRETS_DIR_ENV = "REGISTRY_CORE_SECRETS_DIR"
HUB_KEY = "https://index.docker.io/v1/"
NAME = "registry_core_example_credentials"


def _directory_name(registry: str) -> str | None:
    name = "docker.io" if registry == HUB_KEY else registry
    # An auth config key is host[:port]; anything that could leave the directory is refused.
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        return None
    return name


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except FileNotFoundError:
        return ""
    except OSError as exc:
        # The file's name only: never its contents.
        raise CredentialStoreError(f"cannot read secret file {path}: {exc.strerror}") from None


def explain_credentials(registry: str, repository: str | None = None) -> CredentialLookup:
    """The credentials for ``registry`` and where they came from (for ``resolve --explain``)."""
    root = os.environ.get(SECRETS_DIR_ENV, "")
    if not root:
        return CredentialLookup(None, CredentialSource(NAME, reason=f"${SECRETS_DIR_ENV} unset"))
    name = _directory_name(registry)
    directory = Path(root) / name if name else None
    if directory is None or not directory.is_dir():
        return CredentialLookup(
            None, CredentialSource(NAME, root, name or "", reason="no directory for it")
        )
    config = AuthConfig(
        username=_read(directory / "username"),
        password=_read(directory / "password"),
        identity_token=_read(directory / "identitytoken"),
        server_address=registry,
    )
    source = CredentialSource(NAME, str(directory), name or "", reason="secret files")
    if not (config.password or config.identity_token):
        return CredentialLookup(None, CredentialSource(
            NAME, str(directory), name or "", reason="no password or identitytoken file"))
    return CredentialLookup(config, source)


@hookimpl
def registry_credentials(registry: str) -> AuthConfig | None:
    return explain_credentials(registry).auth_config
