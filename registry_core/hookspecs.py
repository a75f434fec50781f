"""The hook specifications: the public API for plugin authors.

Every hook is prefixed ``registry_`` and belongs to the project ``registry_core``. Implement a
hook with the exported marker::

    from registry_core import hookimpl

    @hookimpl
    def registry_credentials(registry):
        if registry == "registry.example.com":
            return AuthConfig(username="ci", password=os.environ["CI_TOKEN"])
        return None

An implementation may take fewer arguments than its specification, and hooks are always
called with keyword arguments, so specifications can gain arguments without breaking plugins.

Frameworks built on registry-core add hooks of their own by subclassing :class:`RegistrySpecs`
and passing the subclass to :func:`registry_core.manager.get_plugin_manager`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import pluggy

if TYPE_CHECKING:
    import requests

    from .interfaces import RequestModifier
    from .service import Service
    from .tlsconfig import TLSConfig
    from .types import APIEndpoint, AuthConfig, ServiceConfig

__all__ = ["PROJECT_NAME", "hookspec", "hookimpl", "RegistrySpecs"]

#: The pluggy project name; it is also the entry-point group third-party plugins use.
PROJECT_NAME = "registry_core"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

#: Which way an endpoint is used; mirrors are for ``pull`` only.
Action = Literal["pull", "push"]

#: Sends one prepared request and returns the response, with no hooks around it.
SendFunction = Callable[["requests.PreparedRequest"], "requests.Response"]


class RegistrySpecs:
    """The hooks of registry-core.

    Subclass this to add hooks of your own; keep the existing ones as they are.
    """

    @hookspec(firstresult=True)
    def registry_credentials(self, registry: str) -> AuthConfig | None:
        """Return the credentials for ``registry``, or ``None`` if this plugin has none.

        ``registry`` is the registry's auth config key: ``https://index.docker.io/v1/`` for
        Docker Hub, else the host and port, such as ``localhost:5000`` (see
        :func:`registry_core.get_auth_config_key`).

        ``None`` means "not mine": the next plugin is asked. Stops at the first non-``None``
        result, so the plugin asked first wins; use ``tryfirst``/``trylast`` to take a place.

        Example::

            @hookimpl
            def registry_credentials(registry):
                if registry == "localhost:5000":
                    return AuthConfig(username="admin", password=read_secret())
                return None

        :param registry: the auth config key of the registry being contacted.
        :returns: an :class:`~registry_core.AuthConfig`, or ``None``.
        """

    @hookspec
    def registry_request_modifiers(self, host: str) -> Sequence[RequestModifier] | None:
        """Return the request modifiers every request to ``host`` gets.

        All plugins are asked; their modifiers are applied in the order the plugins are
        called, before the authorizer adds credentials. ``None`` (or an empty list) adds
        nothing. Typical modifiers set ``User-Agent`` or meta headers
        (:func:`registry_core.headers` builds those).

        Example::

            @hookimpl
            def registry_request_modifiers(host):
                return headers("my-tool/1.0", {"X-Meta-Team": ["build"]})

        :param host: the host (and port) the request goes to.
        :returns: a sequence of :class:`~registry_core.RequestModifier`, or ``None``.
        """

    @hookspec
    def registry_configure_tls(self, hostname: str, secure: bool, tls_config: TLSConfig) -> None:
        """Add to the TLS configuration of ``hostname``.

        The core starts from the reference's default (verification on for a secure registry,
        ``insecure_skip_verify`` for an insecure one) and lets every plugin change
        ``tls_config`` in place: add CAs, client certificate pairs. All plugins are called;
        the return value is ignored. The built-in certs.d plugin answers here and, as the
        reference does, reads nothing for an insecure host.

        Raise :class:`~registry_core.CertificateError` for material that is broken: the
        lookup that asked fails with that error.

        Example::

            @hookimpl
            def registry_configure_tls(hostname, secure, tls_config):
                if secure and hostname.endswith(".corp.example"):
                    tls_config.add_root_ca(CORP_CA_PEM)

        :param hostname: the host (and port) being configured, as in an image reference.
        :param secure: whether the service treats the host as a secure registry.
        :param tls_config: the :class:`~registry_core.TLSConfig` being built; change it.
        """

    @hookspec
    def registry_endpoints(
        self, service: Service, config: ServiceConfig, hostname: str, action: Action
    ) -> Sequence[APIEndpoint] | None:
        """Return endpoints to try for ``hostname``, for ``action`` (``pull`` or ``push``).

        All plugins are asked and their endpoints are concatenated in call order: the
        built-in mirror policy runs ``tryfirst`` and offers the daemon's ``registry-mirrors``
        for Docker Hub pulls; the built-in host policy runs ``trylast`` and offers the
        registry's own endpoints (https, then http for an insecure registry). ``None`` adds
        nothing.

        To stack a policy, add a plugin that returns more endpoints. To replace one, block the
        built-in by name (see :func:`registry_core.manager.get_plugin_manager`) and register
        yours. To reorder or filter everything, implement this hook with ``wrapper=True``:
        ``answers = yield`` gives the plugins' answers (one sequence or ``None`` each, in call
        order), and the list you return is used instead.

        Example::

            @hookimpl(tryfirst=True)
            def registry_endpoints(service, config, hostname, action):
                if action == "pull" and hostname == "docker.io":
                    return [APIEndpoint(url="https://cache.corp.example", mirror=True,
                                        official=True, trim_hostname=True,
                                        tls_config=service.tls_config("cache.corp.example"))]
                return None

        :param service: the service asking; use it for ``tls_config(host)``.
        :param config: the service's live configuration; read it, do not change it.
        :param hostname: the registry host, as in an image reference (``docker.io`` for Hub).
        :param action: ``"pull"`` or ``"push"``.
        :returns: a sequence of :class:`~registry_core.APIEndpoint`, or ``None``.
        """

    @hookspec(firstresult=True)
    def registry_trust_realm(self, realm: str, registry: str, secure: bool) -> bool | None:
        """Decide whether credentials may be sent to the token realm ``realm``.

        Beyond the reference, registry-core sends credentials only to a realm that uses
        https (unless the registry itself is insecure) and that is the registry's own host
        or shares its registrable domain. Return ``True`` to allow another realm (a
        separate auth server you trust), ``False`` to refuse one the default rule would
        allow, or ``None`` to leave the decision to the default rule. Stops at the first
        non-``None`` result.

        Example::

            @hookimpl
            def registry_trust_realm(realm, registry):
                return True if realm.startswith("https://auth.corp.example/") else None

        :param realm: the realm URL from the registry's ``WWW-Authenticate`` challenge.
        :param registry: the registry host (and port) that sent the challenge.
        :param secure: whether the registry is a secure one.
        :returns: ``True``, ``False`` or ``None``.
        """

    @hookspec(firstresult=True)
    def registry_send_request(
        self, request: requests.PreparedRequest, send: SendFunction
    ) -> requests.Response | None:
        """Send ``request`` and return its response: the seam for logging, metrics, retries.

        The core's own implementation runs last and calls ``send(request)``. Wrap it with
        ``wrapper=True``: ``response = yield`` sends the request (through the plugins
        further in), and what you return is the response the caller sees. A retry wrapper
        may call ``send(request)`` again itself. Stops at the first non-``None`` result,
        so a plain implementation that returns a response answers the request itself
        (a cache, a test double); return ``None`` to pass.

        Example::

            @hookimpl(wrapper=True)
            def registry_send_request(request, send):
                started = time.monotonic()
                response = yield
                log.info("%s %s -> %s in %.3fs", request.method, request.url,
                         response.status_code, time.monotonic() - started)
                return response

        :param request: the fully prepared request, credentials included; never log
            its ``Authorization`` header.
        :param send: sends a request with no hooks around it.
        :returns: a :class:`requests.Response`, or ``None``.
        """
