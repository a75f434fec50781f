"""Built-in plugin: credentials from the containers tools' ``auth.json`` (podman, skopeo,
buildah).

It answers ``registry_credentials`` ``trylast`` but before the ``config.json`` plugin (it is
registered before it, and pluggy asks the ``trylast`` plugins in registration order), with the
first credentials the chain of :func:`registry_core.authfile.auth_file_paths` yields:
``$REGISTRY_AUTH_FILE`` or ``$XDG_RUNTIME_DIR/containers/auth.json``, then
``$XDG_CONFIG_HOME/containers/auth.json``.

Sessions ask the hook with the repository they are for, so entries keyed by a namespace
(``registry.example.com/team``) answer as containers/image uses them: the most specific key
for the repository wins, and a registry-wide key (``registry.example.com``) is the fallback.
"""

from __future__ import annotations

import os

from registry_core.authfile import lookup_auth_files
from registry_core.credfiles import CredentialLookup
from registry_core.credplugin import FileCredentialsPlugin, module_hooks

__all__ = ["ContainersAuthCredentials", "explain_credentials", "registry_credentials"]


class ContainersAuthCredentials(FileCredentialsPlugin):
    """The plugin as an object, bound to one ``--authfile``.

    :param authfile: the first file of the chain; ``None`` for ``$REGISTRY_AUTH_FILE`` and
        the containers tools' defaults, decided at each lookup.
    """

    def __init__(self, authfile: str | os.PathLike[str] | None = None) -> None:
        self.authfile = authfile

    def __repr__(self) -> str:
        return f"ContainersAuthCredentials(authfile={self.authfile!r})"

    def explain_credentials(self, registry: str, repository: str | None = None) -> CredentialLookup:
        """The credentials for ``repository`` (most specific key first) or ``registry``, and
        where they came from."""
        return lookup_auth_files(registry, repository, self.authfile)


explain_credentials, registry_credentials = module_hooks(ContainersAuthCredentials)
