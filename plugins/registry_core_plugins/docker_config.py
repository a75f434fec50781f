"""Built-in plugin: credentials from the Docker CLI's ``config.json``.

It answers ``registry_credentials`` ``trylast``, after every third-party plugin and after the
``auth.json`` plugin (:mod:`registry_core_plugins.containers_auth`), with what
:meth:`registry_core.dockerconfig.DockerConfigFile.lookup` finds: an ``auths`` entry, or the
answer of the ``credHelpers``/``credsStore`` helper. The file is read on every call, so a
``docker login`` in another terminal is seen at once; a helper's answer is cached briefly (see
:mod:`registry_core.credhelpers`). The Docker CLI keys credentials by registry only, so the
repository a session is for does not change the answer.

Registered as a module, it reads ``$DOCKER_CONFIG`` (default ``~/.docker``). A program that
wants another directory registers :class:`DockerConfigCredentials` with ``config_dir`` in its
place (the command line's ``--config`` does).
"""

from __future__ import annotations

import os

from registry_core.credfiles import CredentialLookup
from registry_core.credplugin import FileCredentialsPlugin, module_hooks
from registry_core.dockerconfig import DockerConfigFile

__all__ = ["DockerConfigCredentials", "explain_credentials", "registry_credentials"]


class DockerConfigCredentials(FileCredentialsPlugin):
    """The plugin as an object, bound to one configuration directory.

    :param config_dir: the directory holding ``config.json``; ``None`` for
        ``$DOCKER_CONFIG``, else ``~/.docker``, decided at each lookup.
    """

    def __init__(self, config_dir: str | os.PathLike[str] | None = None) -> None:
        self.config_dir = config_dir

    def __repr__(self) -> str:
        return f"DockerConfigCredentials(config_dir={self.config_dir!r})"

    def explain_credentials(self, registry: str, repository: str | None = None) -> CredentialLookup:
        """The credentials for ``registry`` and where they came from; ``repository`` is not
        used (config.json has no namespace keys)."""
        return DockerConfigFile.default(self.config_dir).lookup(registry)


explain_credentials, registry_credentials = module_hooks(DockerConfigCredentials)
