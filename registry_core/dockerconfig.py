"""The Docker CLI's ``config.json``: the credentials ``docker login`` stored.

The file is ``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``. What registry-core
reads and writes of it, as the Docker CLI (v19.03 ``cli/config``) does:

- ``auths``: one entry per registry, keyed ``https://index.docker.io/v1/`` for Docker Hub
  and ``host[:port]`` for others. An entry holds ``auth`` (base64 of ``user:password``), or
  ``username`` and ``password``, and perhaps ``identitytoken``, ``registrytoken``, ``email``.
  A key not found exactly is looked for among legacy keys with a scheme or a path
  (``https://registry.example.com/v1/``) through
  :func:`~registry_core.config.convert_to_hostname`.
- ``credHelpers``: a credential helper per registry key; else ``credsStore``: one for every
  registry. When a helper is configured for a registry, its credentials come from the
  helper only, and a login stores them there, leaving an entry with no secret in ``auths``.

Writes change only the entry being stored or erased; every other key of the file, and of
the entry, stays as it was (the Docker CLI decodes the file into a struct and drops the keys
it does not know). Writes are atomic; the file keeps its mode, a new one gets 0600.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
    "CONFIG_FILE_NAME",
    "DOCKER_CONFIG_ENV",
    "CredentialLookup",
    "DockerConfigFile",
    "docker_config_dir",
    "docker_config_key",
]

DOCKER_CONFIG_ENV = "DOCKER_CONFIG"
CONFIG_FILE_NAME = "config.json"
BACKEND = "registry_core_plugins.docker_config"

#: The keys of an ``auths`` entry that registry-core owns; the others are kept.
_ENTRY_KEYS = (
    "auth",
    "username",
    "password",
    "email",
    "serveraddress",
    "identitytoken",
    "registrytoken",
)


def docker_config_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The Docker CLI's configuration directory: ``explicit`` (``--config``), else
    ``$DOCKER_CONFIG``, else ``~/.docker``."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(DOCKER_CONFIG_ENV)
    if from_env:
        return Path(from_env)
    return Path.home() / ".docker"


def docker_config_key(server: str) -> str:
    """The ``auths`` key a login to ``server`` uses: Docker Hub's ``https://index.docker.io/v1/``
    (for ``""``, ``docker.io`` and the Hub's own addresses), else the host and port of
    ``server`` (the Docker CLI's ``ConvertToHostname``)."""
    if server in ("", INDEX_SERVER, "docker.io", "index.docker.io", "registry-1.docker.io"):
        return INDEX_SERVER
    return convert_to_hostname(server)


class DockerConfigFile(CredentialFile):
    """One ``config.json``, read when made; :meth:`store` and :meth:`erase` write it back
    (:class:`~registry_core.credfiles.CredentialFile`).

    :raises CredentialStoreError: the file exists but is not a JSON object.
    """

    @classmethod
    def default(cls, config_dir: str | os.PathLike[str] | None = None) -> DockerConfigFile:
        """The file in :func:`docker_config_dir` (``config_dir`` is ``--config``)."""
        return cls(docker_config_dir(config_dir) / CONFIG_FILE_NAME)

    # -- reading ----------------------------------------------------------------------------

    @property
    def auths(self) -> dict[str, Any]:
        """The raw ``auths`` object."""
        return self._section("auths")

    @property
    def creds_store(self) -> str:
        value = self.data.get("credsStore") or ""
        if not isinstance(value, str):
            raise CredentialStoreError(f"'credsStore' in {self.path} must be a string")
        return value

    @property
    def cred_helpers(self) -> dict[str, str]:
        helpers = self._section("credHelpers")
        for key, value in helpers.items():
            if not isinstance(value, str):
                raise CredentialStoreError(
                    f"credHelpers[{key!r}] in {self.path} must be a string"
                )
        return helpers

    def helper_name(self, key: str) -> tuple[str, str]:
        """The helper configured for ``key`` and the setting that named it
        (``credHelpers`` or ``credsStore``); ``("", "")`` when none is."""
        helper = self.cred_helpers.get(key) if key else None
        if helper:
            return helper, "credHelpers"
        if self.creds_store:
            return self.creds_store, "credsStore"
        return "", ""

    def find_entry(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """The ``auths`` entry for ``key``: the exact key, else the first legacy key whose
        host is ``key`` (the Docker CLI's file store; it walks a Go map, so which of several
        legacy keys wins is random there, the first in the file here)."""
        auths = self.auths
        entry = auths.get(key)
        if entry is None:
            for candidate, value in auths.items():
                if key == convert_to_hostname(candidate):
                    key, entry = candidate, value
                    break
        if entry is None:
            return None
        if not isinstance(entry, dict):
            raise CredentialStoreError(f"auths[{key!r}] in {self.path} must be a JSON object")
        return key, entry

    def _entry_config(self, key: str, entry: dict[str, Any]) -> AuthConfig:
        config = AuthConfig.from_json(entry)
        if config.auth:
            config.username, config.password = self._decode_entry_auth(key, config.auth)
        config.auth = ""
        config.server_address = key
        return config

    def lookup(self, registry: str) -> CredentialLookup:
        """The credentials for the registry key ``registry``, as the Docker CLI's
        ``GetAuthConfig`` finds them.

        :raises CredentialHelperError: the configured helper failed.
        :raises CredentialStoreError: the entry cannot be decoded.
        """
        where = str(self.path)
        helper_name, setting = self.helper_name(registry)
        found = self.find_entry(registry)
        if helper_name:
            helper = self.helper_factory(helper_name)
            answer = helper.get(registry)
            source = CredentialSource(
                BACKEND, where, registry, helper.program, f"{setting} names this helper"
            )
            if answer is None:
                return CredentialLookup(
                    None, _with_reason(source, f"{setting} names this helper; it has none")
                )
            config = answer.auth_config(registry)
            if found is not None:  # the file keeps the e-mail address beside a helper
                config.email = self._entry_config(*found).email
            return CredentialLookup(config, source)
        if found is None:
            return CredentialLookup(
                None, CredentialSource(BACKEND, where, "", "", f"no auths entry for {registry}")
            )
        key, entry = found
        config = self._entry_config(key, entry)
        reason = "exact auths key" if key == registry else "legacy auths key with this host"
        source = CredentialSource(BACKEND, where, key, "", reason)
        if not (config.username or config.password or config.identity_token
                or config.registry_token):
            return CredentialLookup(None, _with_reason(source, "the entry holds no credentials"))
        return CredentialLookup(config, source)

    # -- writing ----------------------------------------------------------------------------

    def store(self, auth_config: AuthConfig) -> CredentialSource:
        """Store ``auth_config`` under :func:`docker_config_key` of its ``server_address``,
        through the configured helper if there is one (the file then gets an entry without
        a secret), and write the file. An identity token replaces the password, as the
        Docker CLI stores what a token server issued.

        :raises CredentialHelperError: the helper failed; the file is not changed then.
        :raises CredentialStoreError: the file cannot be written.
        """
        key = docker_config_key(auth_config.server_address)
        helper_name, setting = self.helper_name(key)
        entry = self._kept_entry(key, _ENTRY_KEYS)
        if auth_config.email:
            entry["email"] = auth_config.email
        source = CredentialSource(BACKEND, str(self.path), key)
        if helper_name:
            helper = self.helper_factory(helper_name)
            helper.store_auth_config(key, auth_config)
            source = CredentialSource(
                BACKEND, str(self.path), key, helper.program, f"stored by the {setting} helper"
            )
        else:
            password = "" if auth_config.identity_token else auth_config.password
            auth = encode_auth(auth_config.username, password)
            if auth:
                entry["auth"] = auth
            if auth_config.identity_token:
                entry["identitytoken"] = auth_config.identity_token
            source = CredentialSource(BACKEND, str(self.path), key, "", "stored in the file")
        self._put_entry(key, entry)
        return source

    def erase(self, server: str) -> list[str]:
        """Forget the credentials for ``server``, as ``docker logout`` does: the entries under
        its key and under the legacy forms ``http://host``, ``https://host`` that the file has,
        each through its helper if one is configured, and the helper's credentials for the key
        even without an entry. Returns the keys erased; empty when not logged in.

        :raises CredentialHelperError: a helper failed.
        :raises CredentialStoreError: the file cannot be written.
        """
        key = docker_config_key(server)
        candidates = [server, key] if server else [key]
        if key != INDEX_SERVER:
            candidates += [f"http://{key}", f"https://{key}"]
        auths = self.auths
        erased: list[str] = []
        for candidate in dict.fromkeys(candidates):
            helper_name, _ = self.helper_name(candidate)
            helper = self.helper_factory(helper_name) if helper_name else None
            if candidate in auths:
                # As the Docker CLI: a key in the file is erased through its helper too.
                if helper is not None:
                    helper.erase(candidate)
                del auths[candidate]
                erased.append(candidate)
            elif candidate == key and helper is not None and helper.get(key) is not None:
                # Beyond the Docker CLI: credentials another program left in the helper
                # without an entry in the file are erased as well.
                helper.erase(key)
                erased.append(key)
        if erased and self.exists:
            self.save()
        return erased


def _with_reason(source: CredentialSource, reason: str) -> CredentialSource:
    return CredentialSource(source.backend, source.path, source.key, source.helper, reason)
