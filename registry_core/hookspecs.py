"""The hook specifications: the public API for plugin authors.

Every hook is prefixed ``registry_`` and belongs to the pluggy project ``registry_core``.
Implement a hook with the :data:`hookimpl` marker::

    from registry_core.hookspecs import hookimpl
    from registry_core.types import AuthConfig

    @hookimpl
    def registry_credentials(registry):
        if registry == "registry.example.com":
            return AuthConfig(username="ci", password=os.environ["CI_TOKEN"])
        return None

The core always calls hooks with keyword arguments, and an implementation may take fewer
arguments than its specification, so a specification can gain an argument without breaking
any plugin. Arguments are never renamed or reordered; new ones are appended.

Frameworks built on registry-core add hooks of their own by subclassing :class:`RegistrySpecs`
and passing the subclass to :func:`registry_core.manager.get_plugin_manager`.

Every hook's docstring follows one template, which ``tests/test_docs.py`` enforces: a summary,
what ``None`` means, whether the first answer wins ("Stops at first non-None result") or all
plugins are called, an example, ``:param:`` lines and ``.. versionadded::``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import pluggy

if TYPE_CHECKING:
    import requests
    from requests.adapters import BaseAdapter

    from .handlers import AuthenticationHandler
    from .interfaces import CredentialStore, RequestModifier
    from .realm import RealmPolicy
    from .reference import Named
    from .service import Service
    from .tlsconfig import TLSConfig
    from .types import APIEndpoint, AuthConfig, ServiceConfig

__all__ = ["PROJECT_NAME", "Action", "SendFunction", "hookspec", "hookimpl", "RegistrySpecs"]

#: The pluggy project name. It is also the entry-point group that third-party plugin packages
#: register under, and the marker attribute pluggy looks for (``registry_core_impl``).
PROJECT_NAME = "registry_core"

#: Marks a hook specification; only :class:`RegistrySpecs` and its subclasses use it.
hookspec = pluggy.HookspecMarker(PROJECT_NAME)

#: Marks a hook implementation in a plugin. Takes pluggy's options: ``tryfirst``,
#: ``trylast``, ``wrapper``, ``optionalhook``, ``specname``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

#: Which way an endpoint is used; mirrors are for ``pull`` only.
Action = Literal["pull", "push"]

#: Sends one prepared request and returns the response, with no hooks around it.
SendFunction = Callable[["requests.PreparedRequest"], "requests.Response"]


class RegistrySpecs:
    """The hooks of registry-core.

    A framework subclasses this to add hooks of its own, and passes the subclass to
    :func:`~registry_core.manager.get_plugin_manager`. The hooks defined here must stay as
    they are in a subclass: plugins written against them are called with these arguments.
    """

    @hookspec(firstresult=True)
    def registry_credentials(
        self, registry: str, repository: str | None
    ) -> AuthConfig | None:
        """Return the credentials for ``registry``, or for ``repository`` on it.

        Credential stores (a password manager, a CI secret, a cloud provider's token
        exchange) answer here. A session that was not given credentials asks this hook
        (through :class:`~registry_core.credentials.HookCredentialStore`) for the registry it
        authenticates to.

        Return ``None`` when this plugin has no credentials for ``registry``: the next plugin
        is asked, and when nobody answers the request goes out anonymously. Stops at first
        non-None result. The plugin asked first wins; use ``tryfirst``/``trylast`` to take a
        place in the order.

        Example::

            @hookimpl
            def registry_credentials(registry):
                if registry == "localhost:5000":
                    return AuthConfig(username="admin", password=read_secret())
                return None

        A store that keys credentials by repository namespace (the containers tools'
        ``auth.json`` accepts ``registry.example.com/team``) takes ``repository`` too and lets
        the most specific key win; a store keyed by registry only leaves it out of its
        signature and never sees it (``repository`` was appended to the specification, so
        implementations written before it keep working)::

            @hookimpl
            def registry_credentials(registry, repository):
                if repository and repository.startswith("localhost:5000/team/"):
                    return AuthConfig(username="team-bot", password=read_secret())
                return None

        :param registry: the auth config key of the registry being contacted:
            ``https://index.docker.io/v1/`` for Docker Hub, otherwise the host and port,
            such as ``localhost:5000``.
        :param repository: the repository the session is for, as ``host/path`` on the host
            ``registry`` names (``docker.io/library/ubuntu``, ``localhost:5000/team/app``);
            on a mirror or rewritten location that gets its own host's credentials, the
            path there. ``None`` when the credentials are for the registry as a whole (a
            login, a ``resolve`` without an image, the catalog).
        :returns: an :class:`~registry_core.types.AuthConfig`, or ``None``.

        .. versionadded:: 0.1
        """

    @hookspec
    def registry_request_modifiers(self, host: str) -> Sequence[RequestModifier] | None:
        """Return the request modifiers every request to ``host`` gets.

        Typical modifiers set ``User-Agent`` or meta headers. They run before the authorizer
        adds credentials, so a modifier never sees (and cannot log) a password.

        The core asks per host: a repository session and a login apply a host's modifiers
        only to requests to that host, so the registry's modifiers do not reach the blob
        store a registry redirects to or the token realm on another host; those hosts get
        their own. Each session asks once per host and keeps the answer for its lifetime.
        (A login's ``User-Agent`` does not come from this hook; it goes to every host.)

        Return ``None`` (or an empty sequence) to add nothing. All implementations are
        called; their modifiers are applied in the order the plugins are called.

        Example::

            class TeamHeader(RequestModifier):
                def modify_request(self, request):
                    request.headers["X-Meta-Team"] = "build"

            @hookimpl
            def registry_request_modifiers(host):
                return [TeamHeader()]

        :param host: the host (and port) the request goes to, as written in its URL
            (``registry.example.com``, ``localhost:5000``), without user info.
        :returns: a sequence of :class:`~registry_core.interfaces.RequestModifier`, or
            ``None``.

        .. versionadded:: 0.1
        """

    @hookspec
    def registry_configure_tls(self, hostname: str, secure: bool, tls_config: TLSConfig) -> None:
        """Add to the TLS configuration of ``hostname``.

        The core starts from the reference's default (verification on for a secure registry,
        ``insecure_skip_verify`` for an insecure one) and lets every plugin change
        ``tls_config`` in place: add CAs, client certificate pairs. The built-in certs.d
        plugin answers here and, as the reference does, reads nothing for an insecure host.

        Return ``None``; the return value is ignored. All implementations are called. Raise
        :class:`~registry_core.errors.CertificateError` for material that is broken: the
        lookup that asked fails with that error.

        Example::

            @hookimpl
            def registry_configure_tls(hostname, secure, tls_config):
                if secure and hostname.endswith(".corp.example"):
                    tls_config.add_root_ca(CORP_CA_PEM)

        :param hostname: the host (and port) being configured, as in an image reference.
        :param secure: whether the service treats the host as a secure registry.
        :param tls_config: the :class:`~registry_core.tlsconfig.TLSConfig` being built;
            change it in place.

        .. versionadded:: 0.1
        """

    @hookspec
    def registry_endpoints(
        self,
        service: Service,
        config: ServiceConfig,
        hostname: str,
        action: Action,
        reference: Named | None,
    ) -> Sequence[APIEndpoint] | None:
        """Return endpoints to try for ``hostname``, for ``action`` (``pull`` or ``push``).

        The built-in mirror policy runs ``tryfirst`` and offers the daemon's
        ``registry-mirrors`` for Docker Hub; the built-in host policy runs ``trylast`` and
        offers the registry's own endpoints (https, then http for an insecure registry).
        For a push the service drops every endpoint marked ``mirror`` from the answers, as
        the reference does, so a mirror is never pushed to; but building one can still fail
        the push (the reference's behaviour for a mirror that does not parse back).

        Return ``None`` to add nothing. All implementations are called, and their endpoints
        are concatenated in call order. To stack a policy, add a plugin that returns more
        endpoints. To replace one, block the built-in by name and register yours. To reorder
        or filter everything, implement this hook with ``wrapper=True``: ``answers = yield``
        gives the list of answers (one sequence per plugin that returned one, in call
        order), and the list of sequences you return is used instead.

        Example::

            @hookimpl(tryfirst=True)
            def registry_endpoints(service, config, hostname, action):
                if action == "pull" and hostname == "docker.io":
                    # As the reference's mirrors: mirror=True, official=False.
                    return [APIEndpoint(url="https://cache.corp.example/", mirror=True,
                                        trim_hostname=True,
                                        tls_config=service.tls_config("cache.corp.example"))]
                return None

        :param service: the service asking; use it for ``tls_config(host)``.
        :param config: a snapshot of the service's configuration taken when the lookup
            started (a concurrent ``load_*`` call does not change it); read it, do not
            change it. Calls back into ``service`` see the same snapshot from this thread
            only.
        :param hostname: the registry host, as in an image reference (``docker.io`` for Hub).
        :param action: ``"pull"`` or ``"push"``.
        :param reference: the image being pulled or pushed (tag or digest included), when
            the caller named one; ``None`` for a lookup by host alone (added in 0.2).
        :returns: a sequence of :class:`~registry_core.types.APIEndpoint`, or ``None``.

        .. versionadded:: 0.1
        """

    @hookspec(firstresult=True)
    def registry_trust_realm(self, realm: str, registry: str, secure: bool) -> bool | None:
        """Decide whether credentials may be sent to the token realm ``realm``.

        Beyond the reference, registry-core sends credentials only to a realm that uses
        https (unless the registry itself is insecure) and that is the registry's own host
        or shares its registrable domain. Return ``True`` to allow another realm (a separate
        auth server you trust), or ``False`` to refuse one the default rule would allow.

        Return ``None`` to leave the decision to the next plugin, and finally to the default
        rule. Stops at first non-None result.

        Example::

            @hookimpl
            def registry_trust_realm(realm, registry, secure):
                return True if realm.startswith("https://auth.corp.example/") else None

        :param realm: the realm URL from the registry's ``WWW-Authenticate`` challenge,
            normalized as it will be sent (host lower-cased and IDNA-encoded). A realm that
            could be read two ways (user info, a backslash, white space or a control
            character in it) is refused before this hook is asked.
        :param registry: the registry host (and port) that sent the challenge.
        :param secure: whether the registry is a secure one.
        :returns: ``True``, ``False`` or ``None``.

        .. versionadded:: 0.1
        """

    @hookspec
    def registry_auth_handlers(
        self,
        registry: str,
        secure: bool,
        session: requests.Session,
        credentials: CredentialStore | None,
        scopes: Sequence[str],
        realm_policy: RealmPolicy,
    ) -> Sequence[AuthenticationHandler] | None:
        """Return handlers that answer ``registry``'s authentication challenges.

        A handler (see :class:`~registry_core.handlers.AuthenticationHandler`) answers the
        challenges of one scheme, its lower-case ``scheme``: for each request to a host whose
        ping recorded a challenge of that scheme, the authorizer calls its
        ``authorize_request(request, params)`` with the challenge's parameters, and the
        handler adds what the registry wants (a header, usually). This is how a plugin
        package answers a scheme the core does not know (a cloud registry's own exchange of
        credentials), or replaces how the ``bearer`` or ``basic`` scheme is answered: a
        handler for a scheme replaces the built-in handler of that scheme. Handlers are
        applied in the reference's order, the built-in token handler (``bearer``) and basic
        handler (``basic``) first, then the plugins' handlers in the order the plugins are
        called; two plugins answering the same scheme is a
        :class:`~registry_core.errors.PluginError`.

        The session factory asks once per session (a repository session, a login). Send any
        request of your own (a token exchange) through ``session``, and check a realm with
        ``realm_policy.check(realm)`` before sending credentials to it.

        Return ``None`` (or an empty sequence) to add nothing. All implementations are
        called; their handlers are used in the order the plugins are called.

        Example::

            class ExchangeHandler:
                scheme = "exchange"

                def __init__(self, session, credentials, realm_policy):
                    ...

                def authorize_request(self, request, params):
                    self.realm_policy.check(params["realm"])
                    request.headers["Authorization"] = "Exchange " + self.token(params)

            @hookimpl
            def registry_auth_handlers(registry, session, credentials, realm_policy):
                return [ExchangeHandler(session, credentials, realm_policy)]

        :param registry: the registry host (and port) the session talks to.
        :param secure: whether the registry is a secure one.
        :param session: sends a handler's own requests: the registry's TLS, the
            ``User-Agent`` and meta headers, each host's request modifiers and the send
            hooks, but no authorizer.
        :param credentials: the session's credentials (user name and password, identity
            tokens), or ``None`` for an anonymous session.
        :param scopes: the token scopes the session asks for, such as
            ``repository:team/app:pull``.
        :param realm_policy: where credentials may go
            (:class:`~registry_core.realm.RealmPolicy`, with the ``registry_trust_realm``
            plugins).
        :returns: a sequence of authentication handlers, or ``None``.

        .. versionadded:: 0.1
        """

    @hookspec(firstresult=True)
    def registry_send_request(
        self, request: requests.PreparedRequest, send: SendFunction
    ) -> requests.Response | None:
        """Send ``request`` and return its response: the seam for logging, metrics, retries.

        The core's own sender is not a plugin and cannot be blocked: every call of this hook
        ends with it, after every plugin's plain implementation and inside every wrapper, and
        it calls ``send(request)``. Wrap it with ``wrapper=True``: ``response = yield`` sends
        the request (through the plugins further in, then the core), so a wrapper always
        receives a response, or the exception sending raised; what you return is the response
        the caller sees. A retry wrapper may call ``send(request)`` again itself.

        Return ``None`` to pass the request on. Stops at first non-None result. A plain
        implementation that returns a response answers the request itself (a cache, a test
        double), and the core then sends nothing.

        Example::

            @hookimpl(wrapper=True)
            def registry_send_request(request, send):
                started = time.monotonic()
                response = yield
                log.info("%s %s -> %s in %.3fs", request.method, request.url,
                         response.status_code, time.monotonic() - started)
                return response

        :param request: the fully prepared request, credentials included; never log its
            ``Authorization`` header.
        :param send: sends a request with no hooks around it.
        :returns: a :class:`requests.Response`, or ``None``.

        .. versionadded:: 0.1
        """

    @hookspec(firstresult=True)
    def registry_v1_auth_transport(
        self, base: BaseAdapter, auth_config: AuthConfig | None, always_set_basic_auth: bool
    ) -> BaseAdapter | None:
        """Return a requests adapter that wraps ``base`` with the v1 registry's auth.

        The reference's ``AuthTransport``: v1 endpoints (search, the v1 index) authenticate
        with basic auth and then with the ``X-Docker-Token`` tokens the registry hands out.
        The built-in ``registry_core_plugins.v1_token_auth`` plugin answers ``trylast`` with
        the reference's behaviour; answer earlier to replace it.

        What the core uses it for today: a v1 login
        (:func:`~registry_core.login.login_v1`) sends its ``GET /v1/users/`` through the
        adapter this hook returns, with ``always_set_basic_auth=False`` and an explicit
        basic ``Authorization`` header, which the built-in layer keeps. The v1 session and
        search will use it too when they land.

        Return ``None`` to let the next plugin answer. Stops at first non-None result. If no
        plugin answers (the built-in blocked and nothing in its place), requests go through
        ``base`` unchanged, without v1 auth.

        Example::

            @hookimpl(tryfirst=True)
            def registry_v1_auth_transport(base, auth_config, always_set_basic_auth):
                if auth_config is None:
                    return None
                return AuditingV1Adapter(base, auth_config)

        :param base: the adapter that sends the requests; the returned adapter delegates to
            it.
        :param auth_config: the credentials to use, or ``None`` for anonymous access.
        :param always_set_basic_auth: ``True`` for a standalone private v1 registry over
            https: send basic auth with every request instead of asking for a token.
        :returns: a :class:`requests.adapters.BaseAdapter`, or ``None``.

        .. versionadded:: 0.1
        """
