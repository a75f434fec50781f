"""The built-in registries.conf plugin: containers' prefixes, mirrors and blocked registries.

For a pull of an image whose name matches a ``[[registry]]`` prefix, this plugin decides the
endpoints (``registry_endpoints``): the mirrors first (``pull-from-mirror`` and
``mirror-by-digest-only`` honoured: a digest-only mirror is skipped for a tag), then the
registry's location, each endpoint carrying the repository path the reference is rewritten to
(``APIEndpoint.repository_path``). An ``insecure`` location or mirror is tried with TLS
verification off and then over plain http, as containers/image allows both.

Mirrors serve pulls only. A push goes to the image's own registry host, with the matching
entry's ``insecure`` setting (containers/image does not rewrite pushes either). A ``blocked``
registry fails the lookup, pull or push, with a
:class:`~registry_core.endpoint_lookup.BlockedRegistryError` naming the file.

Without a reference (a lookup by host alone), the entry whose prefix is the host applies as for
a pull by tag, and mirrors or locations with a repository path are left out (there is no
repository to rewrite).

A mirror or rewritten location on another host gets that host's credentials, not the
registry's (:mod:`registry_core.endpoint_session`). registries.conf decides after hosts.toml
and before the daemon's options (:mod:`registry_core.endpoint_lookup`).

The files are ``$CONTAINERS_REGISTRIES_CONF`` (the variable podman, skopeo and buildah honour)
with the drop-in directories; else containers/image's default search
(:func:`registry_core.registriesconf.default_search`). To use other files in code, block this
module (``registry_core_plugins.registries_conf``) and register a :class:`RegistriesConf`.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

from registry_core.config import host_endpoint_url
from registry_core.constants import (
    DEFAULT_NAMESPACE,
    DEFAULT_V2_REGISTRY,
    INDEX_HOSTNAME,
    INDEX_SERVER,
)
from registry_core.endpoint_lookup import (
    REGISTRIES_CONF_PRIORITY,
    BlockedRegistryError,
    ConfiguredEndpoints,
)
from registry_core.hookspecs import Action, hookimpl
from registry_core.reference import Named, Repository
from registry_core.registriesconf import (
    SYSTEM_REGISTRIES_CONF_DIR,
    USER_REGISTRIES_CONF_DIR,
    RegistriesConfFiles,
    Registry,
    default_search,
)
from registry_core.tlsconfig import TLSConfig
from registry_core.types import APIEndpoint, APIVersion, ServiceConfig

# choose_endpoints is this module's registry_endpoints wrapper hook, registered with it.
from registry_core_plugins.configured_files import ConfigFilePlugin
from registry_core_plugins.configured_files import choose_endpoints as choose_endpoints

if TYPE_CHECKING:
    from registry_core.service import Service

__all__ = ["CONF_ENV", "RegistriesConf", "registries_conf_endpoints", "registry_endpoints"]

#: The environment variable naming the registries.conf file.
CONF_ENV = "CONTAINERS_REGISTRIES_CONF"


def _hub(host: str) -> bool:
    return host in (DEFAULT_NAMESPACE, INDEX_HOSTNAME)


def _host_endpoints(
    service: Service, host: str, insecure: bool, *, mirror: bool, own: bool, origin: str,
    repository_path: str, share_credentials: bool,
) -> list[APIEndpoint]:
    """The endpoints of one registries.conf location on ``host``."""
    key = None if own or share_credentials else (INDEX_SERVER if _hub(host) else host)
    common: dict[str, Any] = {
        "version": APIVersion.V2, "mirror": mirror, "trim_hostname": True, "origin": origin,
        "repository_path": repository_path, "auth_config_key": key,
    }
    if _hub(host):
        return [APIEndpoint(url=DEFAULT_V2_REGISTRY, official=not mirror,
                            tls_config=TLSConfig(insecure_skip_verify=insecure), **common)]
    tls = service.tls_config(host)
    if insecure:
        tls.insecure_skip_verify = True
    endpoints = [APIEndpoint(url=host_endpoint_url("https", host), tls_config=tls, **common)]
    if tls.insecure_skip_verify:
        endpoints.append(
            APIEndpoint(url=host_endpoint_url("http", host), tls_config=tls.copy(), **common)
        )
    return endpoints


def _origin(registry: Registry, mirror: str | None) -> str:
    where = f'{registry.source}: [[registry]] prefix="{registry.prefix}"'
    if mirror is not None:
        return f'{where} mirror location="{mirror}"'
    return f'{where} location="{registry.location}"'


def registries_conf_endpoints(
    files: RegistriesConfFiles, service: Service, hostname: str, action: Action,
    reference: Named | None, *, share_credentials: bool = False,
) -> ConfiguredEndpoints | None:
    """The endpoints registries.conf decides for ``hostname`` (and ``reference``), or
    ``None`` when no ``[[registry]]`` matches.

    :raises BlockedRegistryError: the matching entry is blocked.
    :raises RegistriesConfError: the files do not load, or the reference cannot be rewritten.
    """
    registry_host = DEFAULT_NAMESPACE if _hub(hostname) else hostname
    registry = files.find_registry(str(reference) if reference is not None else registry_host)
    if registry is None:
        return None
    if registry.blocked:
        raise BlockedRegistryError(f"registry {registry.prefix} is blocked in {registry.source}")
    found: list[APIEndpoint] = []
    options = {"share_credentials": share_credentials}
    if action == "push":
        found += _host_endpoints(service, registry_host, registry.insecure, mirror=False,
                                 own=True, origin=_origin(registry, None), repository_path="",
                                 **options)
    elif reference is not None:
        for source in registry.pull_sources(reference):
            host = source.reference.domain
            path = source.reference.path if source.reference.path != reference.path else ""
            found += _host_endpoints(
                service, host, source.insecure, mirror=source.mirror,
                own=host == registry_host or (_hub(host) and _hub(registry_host)),
                origin=_origin(registry, source.location if source.mirror else None),
                repository_path=path, **options,
            )
    else:
        probe = Repository(registry_host, "x")  # a tag pull of a repository on the host
        for source in registry.pull_sources(probe):
            if source.reference.path != "x":  # a location with a path needs a reference
                continue
            host = source.reference.domain
            found += _host_endpoints(
                service, host, source.insecure, mirror=source.mirror,
                own=host == registry_host, repository_path="",
                origin=_origin(registry, source.location if source.mirror else None), **options,
            )
    return ConfiguredEndpoints(found, priority=REGISTRIES_CONF_PRIORITY, source=registry.source)


class RegistriesConf(ConfigFilePlugin):
    """The registries.conf plugin for given files, for programs that configure it in code.

    Example::

        pm = get_plugin_manager(block=["registry_core_plugins.registries_conf"])
        pm.register(RegistriesConf("/srv/registries.conf", "/srv/registries.conf.d"))

    :param path: the registries.conf file; it must exist.
    :param conf_dir: a drop-in directory, or ``None`` for none.
    :param share_credentials: let mirrors and rewritten locations have the registry's
        credentials.
    """

    def __init__(self, path: str | os.PathLike[str],
                 conf_dir: str | os.PathLike[str] | None = None, *,
                 share_credentials: bool = False) -> None:
        self.files = RegistriesConfFiles(path, [] if conf_dir is None else [conf_dir])
        self.share_credentials = share_credentials

    @hookimpl(tryfirst=True)
    def registry_endpoints(
        self, service: Service, config: ServiceConfig, hostname: str, action: Action,
        reference: Named | None,
    ) -> list[APIEndpoint] | None:
        """The endpoints registries.conf decides for ``hostname``; ``None`` if none."""
        return registries_conf_endpoints(self.files, service, hostname, action, reference,
                                         share_credentials=self.share_credentials)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.files.describe()!r})"


@functools.lru_cache(maxsize=8)
def _files_for(path: str, dirs: tuple[str, ...], missing_ok: bool) -> RegistriesConfFiles:
    """One loader per set of files: it re-reads them only when one changes on disk."""
    return RegistriesConfFiles(path, dirs, missing_ok=missing_ok)


def _files() -> RegistriesConfFiles:
    """The files podman would read now: ``$CONTAINERS_REGISTRIES_CONF`` or the default
    search (looked up on every call, so a changed environment or home takes effect)."""
    explicit = os.environ.get(CONF_ENV, "")
    if explicit:
        home = os.path.expanduser("~")
        dirs = (SYSTEM_REGISTRIES_CONF_DIR, os.path.join(home, USER_REGISTRIES_CONF_DIR))
        return _files_for(explicit, dirs, False)
    path, found, missing_ok = default_search()
    return _files_for(path, tuple(found), missing_ok)


@hookimpl(tryfirst=True)
def registry_endpoints(
    service: Service, config: ServiceConfig, hostname: str, action: Action,
    reference: Named | None,
) -> list[APIEndpoint] | None:
    """The endpoints the user's registries.conf decides for ``hostname``, if any."""
    return registries_conf_endpoints(_files(), service, hostname, action, reference)

