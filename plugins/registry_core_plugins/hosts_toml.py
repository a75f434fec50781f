"""The built-in hosts.toml plugin: containerd's per-host mirrors and TLS for any registry.

For a registry host with a host directory under the root (``<root>/<host>/``,
``<root>/host_port_/`` or ``<root>/_default/``; see
:func:`registry_core.hostsconfig.configure_hosts`), this plugin decides the host's endpoints
(``registry_endpoints``), in containerd's order:

* a pull gets the hosts with the ``pull`` capability (and, for a tag, ``resolve`` too: a host
  that cannot resolve tags is kept for digests); a push gets the hosts with ``push`` only. A
  host that lists no capabilities has all three, as containerd gives it.
* each host becomes one endpoint at its scheme, host and API root; its TLS is its
  ``skip_verify``, ``ca`` and ``client`` settings (the system roots plus its CAs), its headers
  go with requests to it, and a host that is not the registry's own gets its own credentials,
  not the registry's (:mod:`registry_core.endpoint_session`).
* a host that cannot push is marked ``mirror`` (no ``allow_nondistributable_artifacts``).

hosts.toml decides before registries.conf and the daemon's options
(:mod:`registry_core.endpoint_lookup`). The plugin also answers ``registry_configure_tls``
with the settings of the entry for the host itself, so logins and the built-in endpoints use
them too.

The root is ``$REGISTRY_CORE_HOSTS_DIR``, read on every call, else ``/etc/containerd/certs.d``;
an empty value turns the plugin off. To use another root in code, block this module
(``registry_core_plugins.hosts_toml``) and register a :class:`HostsDirectory`.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from registry_core.config import host_endpoint_url
from registry_core.constants import DEFAULT_NAMESPACE, INDEX_HOSTNAME
from registry_core.endpoint_lookup import (
    HOSTS_TOML_PRIORITY,
    ConfiguredEndpoints,
)
from registry_core.hookspecs import Action, hookimpl
from registry_core.hostsconfig import DEFAULT_HOSTS_DIR, HostConfig, configure_hosts, host_directory
from registry_core.reference import Digested, Named
from registry_core.tlsconfig import TLSConfig
from registry_core.types import APIEndpoint, APIVersion, ServiceConfig

# choose_endpoints is this module's registry_endpoints wrapper hook, registered with it.
from registry_core_plugins.configured_files import ConfigFilePlugin
from registry_core_plugins.configured_files import choose_endpoints as choose_endpoints

if TYPE_CHECKING:
    from registry_core.service import Service

__all__ = ["HOSTS_DIR_ENV", "HostsDirectory", "hosts_toml_endpoints", "registry_endpoints",
           "registry_configure_tls"]

log = logging.getLogger(__name__)

#: The environment variable naming the hosts root (default ``/etc/containerd/certs.d``).
HOSTS_DIR_ENV = "REGISTRY_CORE_HOSTS_DIR"

_HUB_UPSTREAM = "registry-1.docker.io"


def _registry_host(hostname: str) -> str:
    """The name containerd knows the registry by (``docker.io`` for Docker Hub)."""
    return DEFAULT_NAMESPACE if hostname == INDEX_HOSTNAME else hostname


def _configurable(root: str | os.PathLike[str], host: str) -> bool:
    """Whether ``host`` could have a host directory under ``root``: the root is set and is a
    directory, and the host is a name a directory can have (no ``/``, not ``..``)."""
    if not os.fspath(root) or not os.path.isdir(root):
        return False
    return host not in ("", ".", "..") and "/" not in host and "\x00" not in host


def _wanted(host: HostConfig, action: Action, reference: Named | None) -> bool:
    if action == "push":
        return "push" in host.capabilities
    if "pull" not in host.capabilities:
        return False
    by_tag = reference is not None and not isinstance(reference, Digested)
    return "resolve" in host.capabilities or not by_tag


def _endpoint(host: HostConfig, registry: str) -> APIEndpoint | None:
    if host.scheme not in ("http", "https") or not host.host or not host.path.endswith("/v2"):
        log.warning(
            "skipping %s: %s://%s%s is not a registry API root ending in /v2",
            host.source, host.scheme, host.host, host.path,
        )
        return None
    own = host.host == registry or (registry == DEFAULT_NAMESPACE and host.host == _HUB_UPSTREAM)
    tls = host.tls_config()
    if host.scheme == "http":
        tls.insecure_skip_verify = True  # as the reference marks its plain-http endpoints
    return APIEndpoint(
        url=host_endpoint_url(host.scheme, host.host) + host.path[: -len("/v2")],
        version=APIVersion.V2,
        mirror="push" not in host.capabilities,
        official=own and registry == DEFAULT_NAMESPACE,
        trim_hostname=True,
        tls_config=tls,
        origin=host.source or f"hosts.toml default for {registry}",
        auth_config_key=None if own else host.host,
        headers={name: list(values) for name, values in host.header.items()},
    )


def hosts_toml_endpoints(
    root: str | os.PathLike[str], hostname: str, action: Action, reference: Named | None,
    *, strict: bool = False, share_credentials: bool = False
) -> ConfiguredEndpoints | None:
    """The endpoints hosts.toml under ``root`` decides for ``hostname``, or ``None`` when no
    host directory applies to it.

    :param share_credentials: give every host the registry's credentials (the configuration
        saying otherwise than :mod:`registry_core.endpoint_session`'s rule).
    """
    registry = _registry_host(hostname)
    if not _configurable(root, registry):
        return None
    directory = host_directory(root, registry)
    if directory is None:
        return None
    endpoints = []
    for host in configure_hosts(registry, root, strict=strict):
        if not _wanted(host, action, reference):
            continue
        endpoint = _endpoint(host, registry)
        if endpoint is not None:
            if share_credentials:
                endpoint.auth_config_key = None
            endpoints.append(endpoint)
    return ConfiguredEndpoints(endpoints, priority=HOSTS_TOML_PRIORITY, source=directory)


def configure_tls(root: str | os.PathLike[str], hostname: str, tls_config: TLSConfig,
                  *, strict: bool = False) -> None:
    """Apply the hosts.toml settings of ``hostname``'s own entry to ``tls_config``."""
    if not _configurable(root, hostname) or host_directory(root, hostname) is None:
        return
    for host in configure_hosts(hostname, root, strict=strict):
        if host.host == hostname:
            host.apply_tls(tls_config)
            return


class HostsDirectory(ConfigFilePlugin):
    """The hosts.toml plugin for a given root, for programs that configure it in code.

    Example::

        pm = get_plugin_manager(block=["registry_core_plugins.hosts_toml"])
        pm.register(HostsDirectory("/srv/containerd/certs.d"), name="hosts")

    :param strict: a broken hosts.toml fails the lookup (naming file and line) instead of
        being logged and skipped as containerd does.
    :param share_credentials: let mirrors have the registry's credentials.
    """

    def __init__(self, root: str | os.PathLike[str], *, strict: bool = False,
                 share_credentials: bool = False) -> None:
        self.root = root
        self.strict = strict
        self.share_credentials = share_credentials

    @hookimpl(tryfirst=True)
    def registry_endpoints(
        self, service: Service, config: ServiceConfig, hostname: str, action: Action,
        reference: Named | None,
    ) -> list[APIEndpoint] | None:
        """The endpoints hosts.toml decides for ``hostname``; ``None`` if it has none."""
        return hosts_toml_endpoints(self.root, hostname, action, reference, strict=self.strict,
                                    share_credentials=self.share_credentials)

    @hookimpl
    def registry_configure_tls(self, hostname: str, secure: bool, tls_config: TLSConfig) -> None:
        """hosts.toml's ``skip_verify``, ``ca`` and ``client`` for ``hostname`` itself."""
        configure_tls(self.root, hostname, tls_config, strict=self.strict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({os.fspath(self.root)!r})"


def _root() -> str:
    return os.environ.get(HOSTS_DIR_ENV, DEFAULT_HOSTS_DIR)


@hookimpl(tryfirst=True)
def registry_endpoints(
    service: Service, config: ServiceConfig, hostname: str, action: Action,
    reference: Named | None,
) -> list[APIEndpoint] | None:
    """The endpoints ``$REGISTRY_CORE_HOSTS_DIR`` decides for ``hostname``, if any."""
    return hosts_toml_endpoints(_root(), hostname, action, reference)



@hookimpl
def registry_configure_tls(hostname: str, secure: bool, tls_config: TLSConfig) -> None:
    """hosts.toml's TLS settings for ``hostname`` under ``$REGISTRY_CORE_HOSTS_DIR``."""
    configure_tls(_root(), hostname, tls_config)

