"""The built-in certs.d plugin: per-host CAs and client certificates for secure registries.

As in the reference (``newTLSConfig``), a secure host's TLS configuration gets the material of
``<certs root>/<host[:port]>/`` (see :func:`registry_core.certs.read_certs_directory`); an
insecure host gets nothing from certs.d, since verification is off for it anyway and the
reference presents no client certificate to it either.

The certs root is ``$REGISTRY_CORE_CERTS_DIR``, read on every call, else
``/etc/docker/certs.d``; set the variable to an empty string to turn certs.d off, as an empty
``CertsDir()`` does in the reference. To use another root without the environment, block this
module (``registry_core_plugins.certsd``) and register a :class:`CertsDirectory`.
"""

from __future__ import annotations

import os

from registry_core.certs import host_certs_dir, read_certs_directory
from registry_core.constants import CERTS_DIR
from registry_core.hookspecs import hookimpl
from registry_core.tlsconfig import TLSConfig

__all__ = ["CERTS_DIR_ENV", "CertsDirectory", "registry_configure_tls"]

#: The environment variable that names the certs root (default :data:`CERTS_DIR`).
CERTS_DIR_ENV = "REGISTRY_CORE_CERTS_DIR"


def _configure(root: str | os.PathLike[str], hostname: str, secure: bool,
               tls_config: TLSConfig) -> None:
    if not secure or not os.fspath(root):
        return
    read_certs_directory(tls_config, host_certs_dir(hostname, root))


class CertsDirectory:
    """A certs.d plugin for a given root, for programs that configure it in code.

    Example::

        pm = get_plugin_manager(block=["registry_core_plugins.certsd"])
        pm.register(CertsDirectory("/srv/registry-certs"), name="certs")
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = root

    @hookimpl
    def registry_configure_tls(self, hostname: str, secure: bool, tls_config: TLSConfig) -> None:
        """Read ``<root>/<hostname>/`` into ``tls_config`` for a secure host."""
        _configure(self.root, hostname, secure, tls_config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({os.fspath(self.root)!r})"


@hookimpl
def registry_configure_tls(hostname: str, secure: bool, tls_config: TLSConfig) -> None:
    """Read ``$REGISTRY_CORE_CERTS_DIR/<hostname>/`` (default certs root) for a secure host."""
    _configure(os.environ.get(CERTS_DIR_ENV, CERTS_DIR), hostname, secure, tls_config)
