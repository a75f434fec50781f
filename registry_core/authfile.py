"""The containers tools' ``auth.json`` (podman, skopeo, buildah: containers/image).

Which files, in order (containers/image ``getAuthFilePaths``), the first that yields
credentials winning:

1. ``$REGISTRY_AUTH_FILE`` (what the tools pass on as ``--authfile``), else
   ``$XDG_RUNTIME_DIR/containers/auth.json``, else ``/run/containers/$UID/auth.json``;
2. ``$XDG_CONFIG_HOME/containers/auth.json`` (default ``~/.config``).

containers/image then reads the Docker config; registry-core leaves that file to the
``config.json`` backend (:mod:`registry_core.dockerconfig`), which reads it with the Docker
CLI's rules (``credsStore`` included, which containers/image ignores).

Within a file: a ``credHelpers`` entry for the registry wins; then ``auths`` keys from the most
specific to the registry (``registry.example.com/team/app``, ``registry.example.com/team``,
``registry.example.com``); then keys with a scheme or a path whose host is the registry. Docker
Hub is ``docker.io`` here (``index.docker.io`` and ``registry-1.docker.io`` match too). An
entry holds ``auth`` (base64 ``user:password``) and perhaps ``identitytoken``.

A login writes ``{"auth": ...}`` under the registry's host (``docker.io`` for Docker Hub) in
the first file of the chain, as ``podman login`` does.
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import convert_to_hostname
from .constants import INDEX_SERVER
from .credfiles import (
    CredentialFile,
    CredentialLookup,
    CredentialSource,
    encode_auth,
)
from .errors import CredentialStoreError
from .types import AuthConfig

__all__ = [
    "AUTH_FILE_ENV",
    "AuthFile",
    "auth_file_key",
    "auth_file_paths",
    "lookup_auth_files",
]

AUTH_FILE_ENV = "REGISTRY_AUTH_FILE"
BACKEND = "registry_core_plugins.containers_auth"
_HUB_ALIASES = ("docker.io", "index.docker.io", "registry-1.docker.io")


def auth_file_paths(authfile: str | os.PathLike[str] | None = None) -> list[Path]:
    """The ``auth.json`` files to read, in order; ``authfile`` (``--authfile``) replaces the
    first, as ``$REGISTRY_AUTH_FILE`` does."""
    first = authfile or os.environ.get(AUTH_FILE_ENV)
    if first:
        primary = Path(first)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        primary = Path(os.environ["XDG_RUNTIME_DIR"]) / "containers" / "auth.json"
    else:
        primary = Path(f"/run/containers/{os.getuid()}/auth.json")
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    second = Path(config_home) / "containers" / "auth.json"
    return [primary] if second == primary else [primary, second]


def auth_file_key(server: str) -> str:
    """The key a login to ``server`` writes: ``docker.io`` for Docker Hub, else the host
    and port (a namespace such as ``registry.example.com/team`` is kept as given)."""
    if server in ("", INDEX_SERVER, *_HUB_ALIASES):
        return "docker.io"
    if server.startswith(("http://", "https://")):
        return convert_to_hostname(server)
    return server.rstrip("/")


def _registry_of(registry: str) -> str:
    """The containers tools' name for a registry auth config key."""
    return "docker.io" if registry == INDEX_SERVER else registry


def _normalized(registry: str) -> str:
    return "index.docker.io" if registry in _HUB_ALIASES else registry


def _normalize_key(key: str) -> str:
    """containers/image ``normalizeAuthFileKey``: a key with a scheme loses it and its path."""
    stripped = key.removeprefix("http://").removeprefix("https://")
    if stripped != key:
        stripped = stripped.split("/", 1)[0]
    return _normalized(stripped)


def _keys_for(registry: str, repository: str | None) -> list[str]:
    """``a/b/c``, ``a/b``, ``a``: the most specific key first (``authKeysForKey``). A
    repository on another host than ``registry`` is not looked at: its namespace keys are
    another registry's."""
    key = repository if repository and repository.startswith(registry + "/") else registry
    keys = [key]
    while "/" in key:
        key = key.rsplit("/", 1)[0]
        keys.append(key)
    return keys


class AuthFile(CredentialFile):
    """One ``auth.json``, read when made (:class:`~registry_core.credfiles.CredentialFile`).

    :raises CredentialStoreError: the file exists but is not a JSON object.
    """

    def lookup(self, registry: str, repository: str | None = None) -> CredentialLookup:
        """The credentials for ``registry`` (an auth config key), and for ``repository``
        (``host/path``, such as ``docker.io/library/ubuntu``) when given.

        :raises CredentialHelperError: the ``credHelpers`` helper failed.
        :raises CredentialStoreError: the entry cannot be decoded.
        """
        name = _registry_of(registry)
        where = str(self.path)
        helper_name = self._section("credHelpers").get(name)
        if isinstance(helper_name, str) and helper_name:
            helper = self.helper_factory(helper_name)
            answer = helper.get(name)
            source = CredentialSource(BACKEND, where, name, helper.program, "credHelpers entry")
            config = None if answer is None else answer.auth_config(name)
            return CredentialLookup(config, source)
        auths = self._section("auths")
        exact = [key for key in _keys_for(name, repository) if key in auths]
        if exact:
            key = exact[0]
            reason = "exact key" if key == name else "most specific namespace key"
        else:
            wanted = _normalized(name)
            legacy = [key for key in auths if _normalize_key(key) == wanted]
            if not legacy:
                return CredentialLookup(
                    None, CredentialSource(BACKEND, where, "", "", f"no entry for {name}")
                )
            key, reason = legacy[0], "key with this host"
        entry = auths[key]
        if not isinstance(entry, dict):
            raise CredentialStoreError(f"auths[{key!r}] in {self.path} must be a JSON object")
        auth = entry.get("auth") or ""
        if not isinstance(auth, str):
            raise CredentialStoreError(f"auths[{key!r}].auth in {self.path} must be a string")
        username, password = self._decode_entry_auth(key, auth)
        token = entry.get("identitytoken") or ""
        source = CredentialSource(BACKEND, where, key, "", reason)
        if not ((username and password) or token):
            return CredentialLookup(None, CredentialSource(
                BACKEND, where, key, "", "the entry holds no credentials"))
        return CredentialLookup(
            AuthConfig(username=username, password=password, identity_token=str(token),
                       server_address=key),
            source,
        )

    def store(self, auth_config: AuthConfig) -> CredentialSource:
        """Store ``auth_config`` under :func:`auth_file_key` of its ``server_address``, through
        the ``credHelpers`` helper for that registry if there is one; write the file.

        :raises CredentialHelperError: the helper failed; the file is not changed then.
        :raises CredentialStoreError: the file cannot be written.
        """
        key = auth_file_key(auth_config.server_address)
        helper_name = self._section("credHelpers").get(key)
        if isinstance(helper_name, str) and helper_name:
            helper = self.helper_factory(helper_name)
            helper.store_auth_config(key, auth_config)
            return CredentialSource(BACKEND, str(self.path), key, helper.program,
                                    "stored by the credHelpers helper")
        entry = self._kept_entry(key, ("auth", "identitytoken"))
        entry["auth"] = encode_auth(auth_config.username, auth_config.password)
        if auth_config.identity_token:
            entry["identitytoken"] = auth_config.identity_token
        self._put_entry(key, entry)
        return CredentialSource(BACKEND, str(self.path), key, "", "stored in the file")

    def erase(self, server: str) -> list[str]:
        """Forget ``server``'s entry (and its ``credHelpers`` helper's); returns the keys
        erased, empty when not logged in.

        :raises CredentialHelperError: the helper failed.
        :raises CredentialStoreError: the file cannot be written.
        """
        key = auth_file_key(server)
        erased: list[str] = []
        helper_name = self._section("credHelpers").get(key)
        if (
            isinstance(helper_name, str)
            and helper_name
            and self.helper_factory(helper_name).erase(key)
        ):
            erased.append(key)
        auths = self._section("auths")
        if key in auths:
            del auths[key]
            if key not in erased:
                erased.append(key)
            self.save()
        return erased


def lookup_auth_files(
    registry: str, repository: str | None = None, authfile: str | os.PathLike[str] | None = None
) -> CredentialLookup:
    """The first credentials the ``auth.json`` chain (:func:`auth_file_paths`) yields for
    ``registry``; ``None`` credentials with the files that were looked at otherwise."""
    looked: list[str] = []
    for path in auth_file_paths(authfile):
        if not path.is_file():
            looked.append(f"{path} (absent)")
            continue
        found = AuthFile(path).lookup(registry, repository)
        if found.auth_config is not None:
            return found
        looked.append(f"{path} ({found.source.reason})")
    return CredentialLookup(
        None, CredentialSource(BACKEND, "", "", "", "nothing in " + "; ".join(looked))
    )
