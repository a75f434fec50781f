"""The registry service: configuration, resolution and endpoint lookup, safe between threads.

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
import contextlib
import copy
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .config import (
    LookupIP,
    ServiceOptions,
    allow_nondistributable_artifacts,
    is_secure_index,
    load_allow_nondistributable_artifacts,
    load_insecure_registries,
    load_mirrors,
    new_repository_info,
    new_service_config,
)
from .hookspecs import Action
from .hostcheck import check_hostname, check_type, guarded_lookup
from .hostlookup import CachingLookup
from .manager import Hooks, get_plugin_manager
from .reference import Named as _Named
from .reference import parse_normalized_named
from .tlsconfig import TLSConfig
from .types import APIEndpoint, AuthConfig, RepositoryInfo, SearchResults, ServiceConfig

if TYPE_CHECKING:
    import pluggy

    from . import content
    from .authsession import SessionResources
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
    def lookup_pull_endpoints(
        self, hostname: str, reference: Named | str | None = None
    ) -> list[APIEndpoint]:
        """The endpoints to pull from ``hostname`` (``reference`` from), in order of
        preference."""

    @abc.abstractmethod
    def lookup_push_endpoints(
        self, hostname: str, reference: Named | str | None = None
    ) -> list[APIEndpoint]:
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
    """The registry service (Go ``DefaultService``): one configuration, and the plugins that
    decide TLS and endpoints.

    Every method is safe to call from several threads. The configuration is never changed in
    place: the ``load_*`` methods build a new one and swap it in, one writer at a time, under
    a lock. Readers take the current configuration (a snapshot) and work on it without
    holding any lock, so lookups, and the name resolution they may need, run in parallel.
    While a lookup runs, every call it makes back into the service from the same thread (the
    endpoint plugins call :meth:`tls_config`) sees the same snapshot, so one lookup never mixes
    two configurations, even if a ``load_*`` call completes meanwhile. A plugin that hands
    such calls to other threads (a pool building endpoints) gets the current configuration
    there instead: read what it needs from the ``config`` the hook is given.

    :param options: the daemon's registry options; none by default.
    :param plugin_manager: the plugins to ask; by default
        :func:`registry_core.manager.get_plugin_manager` builds one.
    :param lookup_ip: how host names are resolved for matching them against CIDR ranges;
        by default a :class:`~registry_core.hostlookup.CachingLookup` of this service around
        :func:`registry_core.config.default_lookup_ip` (beyond the reference, which asks the
        system every time). A function given here is called as it is.
    :param user_agent: the ``User-Agent`` of the service's requests when a call names none;
        ``None`` for :func:`~registry_core.modifiers.default_user_agent`
        (``registry-core/<version>``).
    :param meta_headers: headers added to every request of the service's sessions when a
        call names none (the reference's ``metaHeaders``); logins send none, as the
        reference's.
    :raises InvalidIndexNameError, InvalidMirrorError, InvalidRegistryOptionError: a bad
        option (where the reference's ``NewService`` returns an error).
    """

    def __init__(
        self,
        options: ServiceOptions | None = None,
        *,
        plugin_manager: pluggy.PluginManager | None = None,
        lookup_ip: LookupIP | None = None,
        user_agent: str | None = None,
        meta_headers: Mapping[str, str | Sequence[str]] | None = None,
    ) -> None:
        self.user_agent = user_agent
        self.meta_headers = meta_headers
        check_type(options, (ServiceOptions, type(None)), "options", "DefaultService")
        if lookup_ip is not None and not callable(lookup_ip):
            check_type(lookup_ip, type(None), "lookup_ip", "DefaultService")
        check_type(user_agent, (str, type(None)), "user_agent", "DefaultService")
        check_type(meta_headers, (Mapping, type(None)), "meta_headers", "DefaultService")
        self.lookup_ip: LookupIP = lookup_ip if lookup_ip is not None else CachingLookup()
        self._config = new_service_config(options)
        self._write_lock = threading.Lock()
        self._pinned = threading.local()  # the snapshot a lookup in this thread works on
        self.plugin_manager = plugin_manager if plugin_manager is not None else get_plugin_manager()
        self.hooks = Hooks(self.plugin_manager)
        self._session_resources: SessionResources | None = None

    def _snapshot(self) -> ServiceConfig:
        """The configuration to read: the one pinned by a lookup running in this thread,
        else the current one. Nobody changes it, so it is read without a lock."""
        pinned: ServiceConfig | None = getattr(self._pinned, "config", None)
        return pinned if pinned is not None else self._config

    @contextlib.contextmanager
    def _pin(self) -> Iterator[ServiceConfig]:
        """Pin a snapshot for the calls back into the service made by this thread."""
        previous = getattr(self._pinned, "config", None)
        config = self._snapshot()
        self._pinned.config = config
        try:
            yield config
        finally:
            self._pinned.config = previous

    def _replace(self, load: Callable[[ServiceConfig], None]) -> None:
        """Apply ``load`` to a copy of the configuration and publish the copy; on error the
        configuration is left as it was."""
        with self._write_lock:
            config = copy.deepcopy(self._config)
            load(config)
            self._config = config

    def service_config(self) -> ServiceConfig:
        """A deep copy of the configuration: changing it does not change the service."""
        return copy.deepcopy(self._snapshot())

    def load_allow_nondistributable_artifacts(self, registries: Iterable[str]) -> None:
        """See :func:`registry_core.config.load_allow_nondistributable_artifacts`."""
        self._replace(lambda config: load_allow_nondistributable_artifacts(config, registries))

    def load_mirrors(self, mirrors: Iterable[str]) -> None:
        """See :func:`registry_core.config.load_mirrors`."""
        self._replace(lambda config: load_mirrors(config, mirrors))

    def load_insecure_registries(self, registries: Iterable[str]) -> None:
        """See :func:`registry_core.config.load_insecure_registries`."""
        self._replace(lambda config: load_insecure_registries(config, registries))

    @property
    def _resolve(self) -> LookupIP:
        """:attr:`lookup_ip`, asked only about domain names (see
        :mod:`registry_core.hostcheck`): nothing else is sent to a resolver."""
        return guarded_lookup(self.lookup_ip)

    def resolve_repository(self, name: Named) -> RepositoryInfo:
        """See :func:`registry_core.config.new_repository_info`.

        :raises InvalidArgumentError: ``name`` is not a parsed reference.
        """
        check_type(name, _Named, "name", "DefaultService.resolve_repository")
        return new_repository_info(self._snapshot(), name, self._resolve)

    def is_secure(self, hostname: str) -> bool:
        """Whether the service treats ``hostname`` (a ``host[:port]``) as a secure registry.

        :raises InvalidHostnameError: ``hostname`` holds user info (``user:password@``).
        """
        hostname = check_hostname(hostname, "DefaultService.is_secure")
        return is_secure_index(self._snapshot(), hostname, self._resolve)

    def tls_config(self, hostname: str) -> TLSConfig:
        """The TLS configuration for ``hostname``: verification off for an insecure registry,
        then whatever the ``registry_configure_tls`` plugins add.

        :raises CertificateError: a plugin found broken TLS material for the host.
        :raises InvalidHostnameError: ``hostname`` holds user info (``user:password@``).
        """
        hostname = check_hostname(hostname, "DefaultService.tls_config")
        with self._pin() as config:
            secure = is_secure_index(config, hostname, self._resolve)
            tls = TLSConfig(insecure_skip_verify=not secure)
            self.hooks.configure_tls(hostname, secure, tls)
            return tls

    def lookup_pull_endpoints(
        self, hostname: str, reference: Named | str | None = None
    ) -> list[APIEndpoint]:
        """The endpoints to pull from ``hostname``: for Docker Hub the mirrors first, then the
        registry itself; https before http.

        With ``reference`` (the image, tag or digest included; a string is normalized), the
        plugins can tell a tag from a digest and rewrite the repository: hosts.toml and
        registries.conf answer per image (see :mod:`registry_core.endpoint_lookup` for which
        file decides). Without it, the answers are the reference's for the host.

        :raises CertificateError: a plugin found broken TLS material for an endpoint's host.
        :raises InvalidMirrorError: a configured mirror that the reference cannot parse back.
        :raises PluginError: a plugin answered with something other than endpoints.
        :raises BlockedRegistryError: registries.conf blocks the registry.
        :raises InvalidHostnameError: ``hostname`` holds user info (``user:password@``),
            which the reference would resolve and put in the endpoint's URL.
        """
        return self._lookup_endpoints(hostname, "pull", reference)

    def lookup_push_endpoints(
        self, hostname: str, reference: Named | str | None = None
    ) -> list[APIEndpoint]:
        """The endpoints to push to ``hostname``; https before http; never a mirror, whatever
        the plugins offer.

        As in the reference, the endpoints are first looked up as for a pull (for Docker Hub,
        the built-in mirror policy builds the mirrors' endpoints too) and the mirrors are then
        dropped, so a mirror that fails the lookup (one that does not parse back, or whose
        certs.d material is broken) fails a push, and a login, to Docker Hub as well. Raises
        as :meth:`lookup_pull_endpoints`.
        """
        endpoints = self._lookup_endpoints(hostname, "push", reference)
        return [endpoint for endpoint in endpoints if not endpoint.mirror]

    def _lookup_endpoints(
        self, hostname: str, action: Action, reference: Named | str | None = None
    ) -> list[APIEndpoint]:
        method = f"DefaultService.lookup_{action}_endpoints"
        hostname = check_hostname(hostname, method)
        check_type(reference, (str, _Named, type(None)), "reference", method)
        named = parse_normalized_named(reference) if isinstance(reference, str) else reference
        with self._pin() as config:
            endpoints = self.hooks.endpoints(self, config, hostname, action, named)
            allowed = allow_nondistributable_artifacts(config, hostname, self._resolve)
        for endpoint in endpoints:
            # As the reference: a registry's own endpoints take the configured answer;
            # mirrors are for pulls and never get it.
            endpoint.allow_nondistributable_artifacts = allowed and not endpoint.mirror
        return endpoints

    def auth(self, auth_config: AuthConfig, user_agent: str) -> tuple[str, str]:
        """See :func:`registry_core.login.auth`; the login tries only the endpoints that get
        the registry's own credentials (:class:`registry_core.endpoint_session.LoginView`)."""
        from .endpoint_session import LoginView
        from .login import auth

        check_type(auth_config, AuthConfig, "auth_config", "DefaultService.auth")
        check_type(user_agent, (str, type(None)), "user_agent", "DefaultService.auth")
        status, token = auth(LoginView(self), auth_config, user_agent or self.user_agent or "")
        return status, token

    def search(
        self,
        term: str,
        limit: int,
        auth_config: AuthConfig | None,
        user_agent: str,
        headers: Mapping[str, Sequence[str]] | None,
    ) -> SearchResults:
        """See :func:`registry_core.search.search`."""
        from .search import search

        method = "DefaultService.search"
        check_type(term, str, "term", method)
        if isinstance(limit, bool):  # a bool is an int to isinstance, never a limit
            check_type(limit, (), "limit", method)
        check_type(limit, int, "limit", method)
        check_type(auth_config, (AuthConfig, type(None)), "auth_config", method)
        check_type(user_agent, (str, type(None)), "user_agent", method)
        check_type(headers, (Mapping, type(None)), "headers", method)

        return search(self, term, limit, auth_config, user_agent, headers)

    def session(
        self,
        repository_info: RepositoryInfo,
        actions: Sequence[str] = ("pull",),
        *,
        reference: Named | None = None,
        user_agent: str | None = None,
        meta_headers: Mapping[str, str | Sequence[str]] | None = None,
    ) -> RepositorySession:
        """A session on ``repository_info``'s registry, authorized for ``actions``; see
        :func:`registry_core.client.open_session` (each endpoint gets only its own host's
        credentials). ``user_agent`` and ``meta_headers`` replace the service's defaults for
        this session's requests."""
        from .client import open_session

        _check_session_arguments(
            "DefaultService.session", repository_info, actions, reference, user_agent, meta_headers
        )
        return open_session(
            self,
            repository_info,
            actions,
            reference=reference,
            user_agent=user_agent or self.user_agent,
            meta_headers=meta_headers if meta_headers is not None else self.meta_headers,
        )

    def repository(
        self, name: str | Named, actions: Sequence[str] = ("pull",), **options: Any
    ) -> content.Repository:
        """A :class:`~registry_core.content.Repository` for reading (and, with ``"push"``
        in ``actions``, writing) content; see
        :func:`registry_core.content.open_repository`."""
        from .content.repository import open_repository

        method = "DefaultService.repository"
        check_type(name, (str, _Named), "name", method)
        _check_actions(method, actions)
        return open_repository(self, name, actions, **options)

    @property
    def session_resources(self) -> SessionResources:
        """What the sessions of this service share: transports, pings, tokens (a
        :class:`~registry_core.sharing.SharedResources`, made on first use). Beyond the
        reference, which shares nothing; assign an
        :class:`~registry_core.authsession.FreshResources` to have every session build its
        own."""
        if self._session_resources is None:
            from .sharing import SharedResources

            with self._write_lock:
                if self._session_resources is None:
                    self._session_resources = SharedResources()
        return self._session_resources

    @session_resources.setter
    def session_resources(self, resources: SessionResources) -> None:
        self._session_resources = resources

    def close(self) -> None:
        """Close the connections the service's sessions shared (they reopen when needed)."""
        close = getattr(self._session_resources, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> DefaultService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _check_actions(method: str, actions: object) -> None:
    if isinstance(actions, (str, bytes)) or not isinstance(actions, (list, tuple, set, frozenset)):
        check_type(actions, (list, tuple), "actions", method)
    for action in actions:  # type: ignore[attr-defined]
        check_type(action, str, "actions entries", method)


def _check_session_arguments(
    method: str,
    repository_info: object,
    actions: object,
    reference: object,
    user_agent: object,
    meta_headers: object,
) -> None:
    check_type(repository_info, RepositoryInfo, "repository_info", method)
    _check_actions(method, actions)
    check_type(reference, (_Named, type(None)), "reference", method)
    check_type(user_agent, (str, type(None)), "user_agent", method)
    check_type(meta_headers, (Mapping, type(None)), "meta_headers", method)


def new_service(options: ServiceOptions | None = None, **kwargs: Any) -> DefaultService:
    """Go ``NewService``: a :class:`DefaultService`; ``kwargs`` are its keyword arguments."""
    return DefaultService(options, **kwargs)
