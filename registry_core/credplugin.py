"""What the built-in file-backed credential plugins share: a plugin object whose
``registry_credentials`` is its ``explain_credentials`` without the explanation, and the
module-level pair of functions that let the plugin module itself be registered.

``resolve --explain`` (:mod:`registry_core.credexplain`) calls ``explain_credentials`` to show
where credentials came from; sessions call ``registry_credentials``. Deriving one from the other
keeps the two answers the same by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .credfiles import CredentialLookup
from .hookspecs import hookimpl
from .types import AuthConfig

__all__ = ["FileCredentialsPlugin", "module_hooks"]



class Explain(Protocol):
    def __call__(self, registry: str, repository: str | None = None) -> CredentialLookup: ...


class Answer(Protocol):
    def __call__(self, registry: str, repository: str | None) -> AuthConfig | None: ...


class FileCredentialsPlugin:
    """A credential plugin bound to one place on disk; subclasses say how to look up.

    Registered ``trylast``, after every third-party plugin: a file the user keeps for other
    tools is the fallback, never an override of a store a program installed on purpose.
    """

    def explain_credentials(self, registry: str, repository: str | None = None) -> CredentialLookup:
        """The credentials and where they came from (what ``resolve --explain`` shows)."""
        raise NotImplementedError

    # No default for ``repository``: pluggy passes only the arguments without one.
    @hookimpl(trylast=True)
    def registry_credentials(self, registry: str, repository: str | None) -> AuthConfig | None:
        return self.explain_credentials(registry, repository).auth_config


def module_hooks(plugin: Callable[[], FileCredentialsPlugin]) -> tuple[Explain, Answer]:
    """``explain_credentials`` and the ``registry_credentials`` hook implementation for a
    plugin module, each asking a fresh ``plugin()`` (so ``$DOCKER_CONFIG`` and friends are
    read at every lookup, and the module holds no state)."""

    def explain_credentials(registry: str, repository: str | None = None) -> CredentialLookup:
        """The module plugin's lookup, with its source."""
        return plugin().explain_credentials(registry, repository)

    @hookimpl(trylast=True)
    def registry_credentials(registry: str, repository: str | None) -> AuthConfig | None:
        return explain_credentials(registry, repository).auth_config

    return explain_credentials, registry_credentials
