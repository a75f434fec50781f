"""Fixed credentials: the reference's static credential store, and a plugin that hands out one
:class:`~registry_core.types.AuthConfig` through the ``registry_credentials`` hook.

This is not a default plugin: it needs the credentials as an argument, so a user registers an
instance::

    pm.register(StaticCredentials(AuthConfig(username="ci", password=token),
                                  registries=["localhost:5000"]))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from registry_core.constants import INDEX_SERVER
from registry_core.errors import InvalidArgumentError
from registry_core.hookspecs import hookimpl
from registry_core.interfaces import CredentialStore
from registry_core.types import AuthConfig

__all__ = ["StaticCredentialStore", "new_static_credential_store", "StaticCredentials"]


class StaticCredentialStore(CredentialStore):
    """A store that always answers the same (Go ``staticCredentialStore``).

    It reads ``auth_config`` live and never writes it: a refresh token issued during a pull is
    dropped, as the engine does with the credentials a client sent for one operation.
    ``None`` means no credentials: empty user name, password and refresh token.
    """

    def __init__(self, auth_config: AuthConfig | None) -> None:
        self.auth_config = auth_config

    def basic(self, url: str) -> tuple[str, str]:
        if self.auth_config is None:
            return "", ""
        return self.auth_config.username, self.auth_config.password

    def refresh_token(self, url: str, service: str) -> str:
        if self.auth_config is None:
            return ""
        return self.auth_config.identity_token

    def set_refresh_token(self, url: str, service: str, token: str) -> None:
        """Do nothing: the store is static by design (the reference drops the token too)."""

    def __repr__(self) -> str:
        username = None if self.auth_config is None else self.auth_config.username
        return f"{type(self).__name__}(username={username!r})"


def new_static_credential_store(auth_config: AuthConfig | None) -> CredentialStore:
    """A credential store that always returns ``auth_config``'s values (Go
    ``NewStaticCredentialStore``)."""
    return StaticCredentialStore(auth_config)


def _check_registry_key(entry: object) -> str:
    """Reject entries that can never equal an auth config key, so a typo fails loudly
    instead of silently sending no credentials."""
    if not isinstance(entry, str) or not entry:
        raise InvalidArgumentError(f"registries entries must be non-empty strings, not {entry!r}")
    if entry != INDEX_SERVER and "/" in entry:
        raise InvalidArgumentError(
            f"registries entry {entry!r} is not an auth config key: use host[:port] "
            f"(such as 'localhost:5000'), or {INDEX_SERVER!r} for Docker Hub"
        )
    return entry


class StaticCredentials:
    """A plugin that answers ``registry_credentials`` with one fixed ``AuthConfig``.

    :param auth_config: the credentials to hand out.
    :param registries: the auth config keys (``host[:port]``, or
        ``https://index.docker.io/v1/`` for Docker Hub) to answer for, compared exactly.
        ``None`` answers for every registry, which sends these credentials to any registry
        that asks, including one an image name points at by mistake or by an attacker's
        choice: list the registries whenever you can.
    :raises InvalidArgumentError: ``auth_config`` is not an ``AuthConfig``, ``registries`` is a
        single string, or an entry is not an auth config key.
    """

    def __init__(self, auth_config: AuthConfig, registries: Iterable[str] | None = None) -> None:
        if not isinstance(auth_config, AuthConfig):
            raise InvalidArgumentError(
                f"auth_config must be an AuthConfig, not {type(auth_config).__name__}"
            )
        if isinstance(registries, str):
            # A bare string would be read as a set of one-letter registries.
            raise InvalidArgumentError(
                f"registries must be a list of auth config keys, not the string {registries!r}"
            )
        self._auth_config = dataclasses.replace(auth_config)
        self.registries: frozenset[str] | None = (
            None
            if registries is None
            else frozenset(_check_registry_key(entry) for entry in registries)
        )

    @hookimpl
    def registry_credentials(self, registry: str) -> AuthConfig | None:
        if self.registries is not None and registry not in self.registries:
            return None
        # A fresh copy each time: a login store writes identity tokens into the config it
        # is given, and that must not change what the next caller gets.
        return dataclasses.replace(self._auth_config)

    def __repr__(self) -> str:
        registries = None if self.registries is None else sorted(self.registries)
        return (
            f"{type(self).__name__}(username={self._auth_config.username!r}, "
            f"registries={registries!r})"
        )
