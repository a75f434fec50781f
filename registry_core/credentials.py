"""Credential stores: where the authorizer gets user names, passwords and refresh tokens.

Both classes implement :class:`registry_core.interfaces.CredentialStore` (distribution's
``auth.CredentialStore``). :class:`LoginCredentialStore` is the reference's
``loginCredentialStore``: it reads and writes one :class:`~registry_core.types.AuthConfig`, so a
login can hand back the identity token a token server issued. :class:`HookCredentialStore`
asks the ``registry_credentials`` hook, so credentials come from whatever plugins are
installed (a static configuration, a credential helper, a vault) rather than from the caller.

Like the reference's stores, both ignore the URL and service they are asked about: a store
is made for one registry, and the authorizer only asks it about that registry and its realm.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING

from .errors import InvalidArgumentError, PluginError, RegistryError
from .interfaces import CredentialStore
from .types import AuthConfig

if TYPE_CHECKING:
    from .manager import Hooks

__all__ = ["LoginCredentialStore", "HookCredentialStore"]


class LoginCredentialStore(CredentialStore):
    """The store a login uses (Go ``loginCredentialStore``).

    It reads ``auth_config`` live and writes a refresh token the token server issues into
    ``auth_config.identity_token``: that is how a login learns the identity token to return.
    The reference logs in with a copy of the caller's config for that reason; pass a copy
    (:func:`dataclasses.replace`) if the caller's object must stay as it was.
    """

    def __init__(self, auth_config: AuthConfig) -> None:
        if not isinstance(auth_config, AuthConfig):
            raise InvalidArgumentError(
                f"auth_config must be an AuthConfig, not {type(auth_config).__name__}"
            )
        self.auth_config = auth_config
        # Guards identity_token, the one field this store writes, so that a reader never
        # sees a half-finished update from another thread's token exchange.
        self._lock = threading.Lock()

    def basic(self, url: str) -> tuple[str, str]:
        with self._lock:
            return self.auth_config.username, self.auth_config.password

    def refresh_token(self, url: str, service: str) -> str:
        with self._lock:
            return self.auth_config.identity_token

    def set_refresh_token(self, url: str, service: str, token: str) -> None:
        with self._lock:
            self.auth_config.identity_token = token

    def __repr__(self) -> str:
        return f"{type(self).__name__}(username={self.auth_config.username!r})"


class HookCredentialStore(CredentialStore):
    """Credentials for one registry, from the ``registry_credentials`` hook.

    The hook is asked once, on first use, and its answer (``None`` included) is kept for
    the store's lifetime: a credential helper may prompt or call out, and one pull makes many
    requests. Make a new store to pick up changed credentials.

    A refresh token the token server issues is kept in this store only; it is not written
    back into the plugin's :class:`~registry_core.types.AuthConfig`, so one store's session
    never leaks into another's.

    :param hooks: the typed hook facade of the plugin manager to ask.
    :param registry: the registry's auth config key: ``https://index.docker.io/v1/`` for
        Docker Hub, else ``host[:port]`` such as ``localhost:5000``.
    :param repository: the repository the store's session is for, as ``host/path``
        (``localhost:5000/team/app``), passed on to the hook so that stores keyed by
        namespace (``auth.json``'s ``localhost:5000/team``) answer with their most specific
        entry; ``None`` for credentials that are the registry's as a whole (a login).
    """

    def __init__(self, hooks: Hooks, registry: str, repository: str | None = None) -> None:
        self.hooks = hooks
        self.registry = registry
        self.repository = repository
        self._lock = threading.Lock()
        self._fetched = False
        self._auth_config: AuthConfig | None = None
        self._refresh_token: str | None = None

    def auth_config(self) -> AuthConfig | None:
        """The credentials the hook gave (a copy of them), or ``None`` if no plugin had any.

        The first call asks the hook; later calls return the kept answer.

        :raises PluginError: a plugin answered with something other than an ``AuthConfig``
            (:class:`~registry_core.manager.Hooks` checks), or failed with an exception that is
            not a :class:`~registry_core.errors.RegistryError`.
        """
        with self._lock:
            return self._fetch_locked()

    def _fetch_locked(self) -> AuthConfig | None:
        # Called with the lock held, so concurrent first uses ask the hook only once.
        if self._fetched:
            return self._auth_config
        try:
            answer = self.hooks.credentials(self.registry, self.repository)
        except RegistryError:
            raise
        except Exception as exc:
            # A plugin's own failure becomes a typed error naming the hook and registry. Its
            # message is the plugin's; ours adds no credential material.
            raise PluginError(
                f"registry_credentials hook failed for {self._target()!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        # A copy: the plugin may hand the same object to every caller, or change it later.
        self._auth_config = None if answer is None else dataclasses.replace(answer)
        self._fetched = True
        return self._auth_config

    def basic(self, url: str) -> tuple[str, str]:
        with self._lock:
            config = self._fetch_locked()
        if config is None:
            return "", ""
        return config.username, config.password

    def refresh_token(self, url: str, service: str) -> str:
        with self._lock:
            config = self._fetch_locked()
            if self._refresh_token is not None:
                return self._refresh_token
        return "" if config is None else config.identity_token

    def set_refresh_token(self, url: str, service: str, token: str) -> None:
        with self._lock:
            self._refresh_token = token

    def _target(self) -> str:
        return self.repository or self.registry

    def __repr__(self) -> str:
        if self.repository is None:
            return f"{type(self).__name__}(registry={self.registry!r})"
        return (
            f"{type(self).__name__}(registry={self.registry!r}, "
            f"repository={self.repository!r})"
        )
