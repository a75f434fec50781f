"""The registry service: configuration, resolution and endpoint lookup behind one lock.

This is the port of moby's ``registry/service.go`` and ``service_v2.go``. :class:`Service` is the
reference's ``Service`` interface; :class:`DefaultService` is its ``DefaultService``.

Where the reference hard-codes policy, the service asks the plugins:

* TLS for a host: the service decides ``secure`` from its configuration and builds
  ``TLSConfig(insecure_skip_verify=not secure)``, then every ``registry_configure_tls``
  implementation may add to it (the built-in certs.d plugin reads ``/etc/docker/certs.d``).
* Endpoints for a host: every ``registry_endpoints`` implementation offers endpoints (the
  built-in mirror policy first, the built-in host policy last). The service then applies what
  the reference applies whatever the policy: ``allow_nondistributable_artifacts`` comes from the
  configuration, and a push never goes to a mirror.
"""

from __future__ import annotations

import abc
import copy
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .config import (
    LookupIP,
    ServiceOptions,
    allow_nondistributable_artifacts,
    default_lookup_ip,
    is_secure_index,
    load_allow_nondistributable_artifacts,
    load_insecure_registries,
    load_mirrors,
    new_repository_info,
    new_service_config,
)
from .errors import RegistryError
from .hookspecs import Action
from .manager import Hooks, get_plugin_manager
from .tlsconfig import TLSConfig
from .types import APIEndpoint, AuthConfig, RepositoryInfo, SearchResults, ServiceConfig

if TYPE_CHECKING:
    import pluggy

    from .client import RepositorySession
    from .reference import Named

__all__ = ["Service", "DefaultService", "new_service"]


class Service(abc.ABC):
    """What a registry service provides (Go ``registry.Service``)."""

    @abc.abstractmethod
    def auth(self, auth_config: AuthConfig, user_agent: str) -> tuple[str, str]:
        """Log in to the registry ``auth_config.server_address`` names (Docker Hub when
        empty); returns ``(status, identity_token)``."""

    @abc.abstractmethod
    def lookup_pull_endpoints(self, hostname: str) -> list[APIEndpoint]:
        """The endpoints to pull from ``hostname``, in order of preference."""

    @abc.abstractmethod
    def lookup_push_endpoints(self, hostname: str) -> list[APIEndpoint]:
        """The endpoints to push to ``hostname``, in order of preference; never a mirror."""

    @abc.abstractmethod
    def resolve_repository(self, name: Named) -> RepositoryInfo:
        """Break ``name`` down into its repository and the index it lives on."""

    @abc.abstractmethod
    def search(
        self,
        term: str,
        limit: int,
        auth_config: AuthConfig | None,
        user_agent: str,
        headers: Mapping[str, Sequence[str]] | None,
    ) -> SearchResults:
        """Search the index ``term`` names for repositories."""

    @abc.abstractmethod
    def service_config(self) -> ServiceConfig:
        """A copy of the service's configuration."""

    @abc.abstractmethod
    def tls_config(self, hostname: str) -> TLSConfig:
        """The TLS configuration for connections to ``hostname`` (a ``host[:port]``)."""

    @abc.abstractmethod
    def load_allow_nondistributable_artifacts(self, registries: Iterable[str]) -> None:
        """Replace the ``allow-nondistributable-artifacts`` registries."""

    @abc.abstractmethod
    def load_mirrors(self, mirrors: Iterable[str]) -> None:
        """Replace the registry mirrors."""

    @abc.abstractmethod
    def load_insecure_registries(self, registries: Iterable[str]) -> None:
        """Replace the insecure registries."""


class DefaultService(Service):
    """The registry service (Go ``DefaultService``): one configuration, one lock, and the
    plugins that decide TLS and endpoints.

    Every method is safe to call from several threads. The lock is re-entrant because hook
    implementations run while it is held and may call back into the service (the endpoint
    plugins call :meth:`tls_config`).

    :param options: the daemon's registry options; none by default.
    :param plugin_manager: the plugins to ask; by default
        :func:`registry_core.manager.get_plugin_manager` builds one.
    :param lookup_ip: how host names are resolved for matching them against CIDR ranges;
        :func:`registry_core.config.default_lookup_ip` by default.
    :raises InvalidIndexNameError, InvalidMirrorError, InvalidRegistryOptionError: a bad
        option (where the reference's ``NewService`` returns an error).
    """

    def __init__(
        self,
        options: ServiceOptions | None = None,
        *,
        plugin_manager: pluggy.PluginManager | None = None,
        lookup_ip: LookupIP | None = None,
    ) -> None:
        self.lookup_ip: LookupIP = lookup_ip if lookup_ip is not None else default_lookup_ip
        self._config = new_service_config(options)
        self._lock = threading.RLock()
        self.plugin_manager = plugin_manager if plugin_manager is not None else get_plugin_manager()
        self.hooks = Hooks(self.plugin_manager)

    def service_config(self) -> ServiceConfig:
        """A deep copy of the configuration: changing it does not change the service."""
        with self._lock:
            return copy.deepcopy(self._config)

    def load_allow_nondistributable_artifacts(self, registries: Iterable[str]) -> None:
        """See :func:`registry_core.config.load_allow_nondistributable_artifacts`."""
        with self._lock:
            load_allow_nondistributable_artifacts(self._config, registries)

    def load_mirrors(self, mirrors: Iterable[str]) -> None:
        """See :func:`registry_core.config.load_mirrors`."""
        with self._lock:
            load_mirrors(self._config, mirrors)

    def load_insecure_registries(self, registries: Iterable[str]) -> None:
        """See :func:`registry_core.config.load_insecure_registries`."""
        with self._lock:
            load_insecure_registries(self._config, registries)

    def resolve_repository(self, name: Named) -> RepositoryInfo:
        """See :func:`registry_core.config.new_repository_info`."""
        with self._lock:
            return new_repository_info(self._config, name, self.lookup_ip)

    def is_secure(self, hostname: str) -> bool:
        """Whether the service treats ``hostname`` (a ``host[:port]``) as a secure registry."""
        with self._lock:
            return is_secure_index(self._config, hostname, self.lookup_ip)

    def tls_config(self, hostname: str) -> TLSConfig:
        """The TLS configuration for ``hostname``: verification off for an insecure registry,
        then whatever the ``registry_configure_tls`` plugins add.

        :raises CertificateError: a plugin found broken TLS material for the host.
        """
        with self._lock:
            secure = is_secure_index(self._config, hostname, self.lookup_ip)
            config = TLSConfig(insecure_skip_verify=not secure)
            self.hooks.configure_tls(hostname, secure, config)
            return config

    def lookup_pull_endpoints(self, hostname: str) -> list[APIEndpoint]:
        """The endpoints to pull from ``hostname``: for Docker Hub the mirrors first, then the
        registry itself; https before http.

        :raises CertificateError: a plugin found broken TLS material for an endpoint's host.
        :raises InvalidMirrorError: a configured mirror that the reference cannot parse back.
        :raises PluginError: a plugin answered with something other than endpoints.
        """
        with self._lock:
            return self._lookup_endpoints(hostname, "pull")

    def lookup_push_endpoints(self, hostname: str) -> list[APIEndpoint]:
        """The endpoints to push to ``hostname``; https before http; never a mirror, whatever
        the plugins offer. Raises as :meth:`lookup_pull_endpoints`."""
        with self._lock:
            endpoints = self._lookup_endpoints(hostname, "push")
        return [endpoint for endpoint in endpoints if not endpoint.mirror]

    def _lookup_endpoints(self, hostname: str, action: Action) -> list[APIEndpoint]:
        endpoints = self.hooks.endpoints(self, self._config, hostname, action)
        allowed = allow_nondistributable_artifacts(self._config, hostname, self.lookup_ip)
        for endpoint in endpoints:
            # As the reference: a registry's own endpoints take the configured answer;
            # mirrors are for pulls and never get it.
            endpoint.allow_nondistributable_artifacts = allowed and not endpoint.mirror
        return endpoints

    def auth(self, auth_config: AuthConfig, user_agent: str) -> tuple[str, str]:
        """See :func:`registry_core.login.auth`."""
        from .login import auth

        status, token = auth(self, auth_config, user_agent)
        return status, token

    def search(
        self,
        term: str,
        limit: int,
        auth_config: AuthConfig | None,
        user_agent: str,
        headers: Mapping[str, Sequence[str]] | None,
    ) -> SearchResults:
        """Not implemented yet: always raises :class:`RegistryError`."""
        raise RegistryError("search is not implemented yet")

    def session(
        self, repository_info: RepositoryInfo, actions: Sequence[str] = ("pull",)
    ) -> RepositorySession:
        """A session on ``repository_info``'s registry, authorized for ``actions``; see
        :func:`registry_core.client.open_session`."""
        from .client import open_session

        return open_session(self, repository_info, actions)


def new_service(options: ServiceOptions | None = None, **kwargs: Any) -> DefaultService:
    """Go ``NewService``: a :class:`DefaultService`; ``kwargs`` are its keyword arguments."""
    return DefaultService(options, **kwargs)
