"""One factory for authorized sessions: transport, session, ping, challenges, realm policy and
authorizer, assembled in one place for :mod:`registry_core.client` and :mod:`registry_core.login`.

This is the assembly the reference repeats before a pull (``NewV2Repository``) and in a login
(``loginV2``): a transport for the endpoint's TLS, a client with the caller's ``User-Agent``
and meta headers, a ping of ``/v2/`` whose challenges are recorded, and an authorizer in front
of every request answering them (a token handler, then a basic handler). Here the realm
policy guards the token handler, each host's requests get that host's plugin modifiers, and
the token requests share the registry's TLS but never its authorizer.

What may be shared between sessions comes from a :class:`SessionResources`. The default,
:class:`FreshResources`, builds everything anew for each session; a service-wide cache
(connection pools, SSL contexts, pings, tokens) is another implementation of the same
protocol, passed as ``resources``, and the factory needs no change for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar, overload
from urllib.parse import urlsplit

from .authorizer import Authorizer
from .challenge import ChallengeManager
from .handlers import AuthenticationHandler, BasicHandler
from .ping import ping_url, send_ping
from .realm import RealmPolicy
from .tlsadapter import new_transport
from .tokens import TokenHandler
from .transport import RegistrySession

if TYPE_CHECKING:
    import requests
    from requests.adapters import BaseAdapter

    from .interfaces import CredentialStore, RequestModifier
    from .manager import Hooks
    from .types import APIEndpoint

__all__ = ["FreshResources", "SessionFactory", "SessionResources"]

log = logging.getLogger(__name__)

SessionT = TypeVar("SessionT", bound=RegistrySession)


class SessionResources(Protocol):
    """What a :class:`SessionFactory` takes from outside the session it builds.

    Each method is the one place where something could be reused instead of built: an
    implementation may return a shared transport (its connection pools and SSL context), a
    remembered ping answer, or a token handler whose cache outlives the session.
    """

    def transport(self, endpoint: APIEndpoint) -> BaseAdapter:
        """The transport for requests to ``endpoint`` (and to the hosts it sends them to)."""
        ...

    def ping(self, session: RegistrySession, endpoint: APIEndpoint) -> requests.Response:
        """The answer of ``endpoint`` to ``GET /v2/``, sent through ``session``.

        :raises TransportError: the endpoint could not be reached.
        """
        ...

    def token_handler(
        self,
        session: RegistrySession,
        credentials: CredentialStore | None,
        *,
        scopes: Sequence[str],
        realm_policy: RealmPolicy,
    ) -> TokenHandler:
        """The handler for ``bearer`` challenges, sending token requests through ``session``."""
        ...


class FreshResources:
    """Builds everything anew for every session: nothing is shared (the reference's way)."""

    def transport(self, endpoint: APIEndpoint) -> BaseAdapter:
        return new_transport(endpoint.tls_config)

    def ping(self, session: RegistrySession, endpoint: APIEndpoint) -> requests.Response:
        return send_ping(session, ping_url(endpoint.url))

    def token_handler(
        self,
        session: RegistrySession,
        credentials: CredentialStore | None,
        *,
        scopes: Sequence[str],
        realm_policy: RealmPolicy,
    ) -> TokenHandler:
        return TokenHandler(session, credentials, scopes=scopes, realm_policy=realm_policy)


class SessionFactory:
    """Builds the sessions that talk to a registry endpoint, authorized or not.

    :meth:`open` does it all (what a pull or tag listing needs); a login, which must tell
    apart the ways a ping can fail, calls :meth:`session`, :meth:`ping`, :meth:`challenges`
    and :meth:`authorize` itself.

    :param hooks: the plugins: every request goes through their ``registry_send_request``,
        each host gets their ``registry_request_modifiers``, the realm policy asks their
        ``registry_trust_realm``. ``None`` for none.
    :param modifiers: applied to every request of every session made, whatever its host (the
        ``User-Agent`` and meta headers of :func:`~registry_core.modifiers.headers`).
    :param trusted_realms: token realms credentials may go to beyond the default rule; see
        :class:`~registry_core.realm.RealmPolicy`.
    :param resources: where transports, pings and token handlers come from; default
        :class:`FreshResources`.
    """

    def __init__(
        self,
        hooks: Hooks | None = None,
        modifiers: Iterable[RequestModifier] = (),
        *,
        trusted_realms: Iterable[str] = (),
        resources: SessionResources | None = None,
    ) -> None:
        self.hooks = hooks
        self.modifiers = tuple(modifiers)
        self.trusted_realms = tuple(trusted_realms)
        self.resources: SessionResources = (
            resources if resources is not None else FreshResources()
        )

    @overload
    def session(
        self, endpoint: APIEndpoint, *, transport: BaseAdapter | None = None
    ) -> RegistrySession: ...

    @overload
    def session(
        self,
        endpoint: APIEndpoint,
        session_class: type[SessionT],
        *,
        transport: BaseAdapter | None = None,
    ) -> SessionT: ...

    def session(
        self,
        endpoint: APIEndpoint,
        session_class: type[RegistrySession] = RegistrySession,
        *,
        transport: BaseAdapter | None = None,
    ) -> RegistrySession:
        """A session for ``endpoint``, not yet authorized: the factory's modifiers on every
        request, then the plugins' modifiers for each request's own host, then the plugins'
        ``registry_send_request``.

        :param transport: instead of the one the resources give (a v1 auth layer around it).
        """
        hooks = self.hooks
        return session_class(
            transport if transport is not None else self.resources.transport(endpoint),
            self.modifiers,
            host_modifiers=hooks.request_modifiers if hooks is not None else None,
            plugin_hooks=hooks,
        )

    def ping(self, session: RegistrySession, endpoint: APIEndpoint) -> requests.Response:
        """``GET /v2/`` of ``endpoint`` through ``session`` (Go ``PingV2Registry``'s request).

        :raises TransportError: the endpoint could not be reached.
        """
        return self.resources.ping(session, endpoint)

    @staticmethod
    def challenges(response: requests.Response) -> ChallengeManager:
        """The challenges of a ping answer, recorded for its URL.

        :raises PingResponseError: the answer does not say which request it answers.
        """
        manager = ChallengeManager()
        manager.add_response(response)
        return manager

    def realm_policy(self, endpoint: APIEndpoint) -> RealmPolicy:
        """Where credentials for ``endpoint``'s registry may go."""
        parts = urlsplit(endpoint.url)
        secure = parts.scheme == "https" and not endpoint.tls_config.insecure_skip_verify
        return RealmPolicy(
            parts.netloc,
            secure,
            trust_hook=self.hooks.trust_realm if self.hooks is not None else None,
            trusted_realms=self.trusted_realms,
        )

    def handlers(
        self,
        session: RegistrySession,
        endpoint: APIEndpoint,
        credentials: CredentialStore | None,
        scopes: Sequence[str],
        policy: RealmPolicy,
    ) -> list[AuthenticationHandler]:
        """The handlers that answer ``endpoint``'s challenges, in order: the token handler
        (``bearer``) and the basic handler (``basic``), as the reference's
        ``NewAuthorizer(manager, tokenHandler, basicHandler)``, then the handlers the
        ``registry_auth_handlers`` plugins give; a plugin's handler for ``bearer`` or
        ``basic`` replaces the built-in one.

        :raises PluginError: a plugin answered with something that is not a handler, or two
            plugins answer the same scheme.
        """
        # Token requests (and a plugin handler's own requests) share the registry's
        # transport (its TLS) but never its authorizer; each host gets its own modifiers.
        side_session = self.session(endpoint, transport=session.get_adapter(endpoint.url))
        plugin_handlers: list[AuthenticationHandler] = []
        if self.hooks is not None:
            plugin_handlers = self.hooks.auth_handlers(
                policy.registry, policy.secure, side_session, credentials, scopes, policy
            )
        claimed = {handler.scheme for handler in plugin_handlers}
        built_in: list[AuthenticationHandler] = []
        if "bearer" not in claimed:
            built_in.append(
                self.resources.token_handler(
                    side_session, credentials, scopes=scopes, realm_policy=policy
                )
            )
        if "basic" not in claimed:
            built_in.append(BasicHandler(credentials))
        return built_in + plugin_handlers

    def authorize(
        self,
        session: RegistrySession,
        endpoint: APIEndpoint,
        challenges: ChallengeManager,
        credentials: CredentialStore | None,
        scopes: Sequence[str] = (),
    ) -> None:
        """Put an authorizer for ``challenges`` in front of every request of ``session``.

        :param credentials: where user name, password and refresh tokens come from;
            ``None`` for anonymous tokens.
        :param scopes: the scopes every token asks for.
        """
        policy = self.realm_policy(endpoint)
        session.auth = Authorizer(
            challenges,
            self.handlers(session, endpoint, credentials, scopes, policy),
            send=session.send_as_is,
            trusts_host=policy.trusts_host,
        )

    @overload
    def open(
        self,
        endpoint: APIEndpoint,
        credentials: CredentialStore | None,
        scopes: Sequence[str] = (),
    ) -> RegistrySession: ...

    @overload
    def open(
        self,
        endpoint: APIEndpoint,
        credentials: CredentialStore | None,
        scopes: Sequence[str],
        session_class: type[SessionT],
    ) -> SessionT: ...

    def open(
        self,
        endpoint: APIEndpoint,
        credentials: CredentialStore | None,
        scopes: Sequence[str] = (),
        session_class: type[RegistrySession] = RegistrySession,
    ) -> RegistrySession:
        """A session for ``endpoint``, pinged and authorized for ``scopes``; the session is
        closed again when the ping fails.

        :raises TransportError: the endpoint could not be reached.
        :raises PingResponseError: its answer cannot be interpreted.
        """
        session = self.session(endpoint, session_class)
        try:
            challenges = self.challenges(self.ping(session, endpoint))
            self.authorize(session, endpoint, challenges, credentials, scopes)
        except BaseException:
            session.close()
            raise
        log.debug("session for %s authorized for %s", endpoint.url, list(scopes))
        return session
