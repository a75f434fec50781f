"""Built-in plugin: credentials from the containers tools' ``auth.json`` (podman, skopeo,
buildah).

It answers ``registry_credentials`` ``trylast`` but before the ``config.json`` plugin (it is
registered before it, and pluggy asks the ``trylast`` plugins in registration order), with the
first credentials the chain of :func:`registry_core.authfile.auth_file_paths` yields:
``$REGISTRY_AUTH_FILE`` or ``$XDG_RUNTIME_DIR/containers/auth.json``, then
``$XDG_CONFIG_HOME/containers/auth.json``.

The hook is asked for a registry, not a repository, so only registry-wide entries
(``registry.example.com``) answer it; entries for a namespace (``registry.example.com/team``)
are used by :meth:`ContainersAuthCredentials.explain_credentials` when given a repository.
"""

from __future__ import annotations

import os

from registry_core.authfile import lookup_auth_files
from registry_core.credfiles import CredentialLookup
from registry_core.hookspecs import hookimpl
from registry_core.types import AuthConfig

__all__ = ["ContainersAuthCredentials", "explain_credentials", "registry_credentials"]


class ContainersAuthCredentials:
    """The plugin as an object, bound to one ``--authfile``.

    :param authfile: the first file of the chain; ``None`` for ``$REGISTRY_AUTH_FILE`` and
        the containers tools' defaults, decided at each lookup.
    """

    def __init__(self, authfile: str | os.PathLike[str] | None = None) -> None:
        self.authfile = authfile

    def __repr__(self) -> str:
        return f"ContainersAuthCredentials(authfile={self.authfile!r})"

    def explain_credentials(self, registry: str, repository: str | None = None) -> CredentialLookup:
        """The credentials and where they came from (what ``resolve --explain`` shows)."""
        return lookup_auth_files(registry, repository, self.authfile)

    @hookimpl(trylast=True)
    def registry_credentials(self, registry: str) -> AuthConfig | None:
        return self.explain_credentials(registry).auth_config


def explain_credentials(registry: str, repository: str | None = None) -> CredentialLookup:
    """The module plugin's lookup, with its source."""
    return ContainersAuthCredentials().explain_credentials(registry, repository)


@hookimpl(trylast=True)
def registry_credentials(registry: str) -> AuthConfig | None:
    return explain_credentials(registry).auth_config
