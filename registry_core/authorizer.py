"""Answering a registry's challenges: the token handler, the basic handler, the authorizer.

This is distribution's ``registry/client/auth`` session code as the reference uses it
(``auth.NewAuthorizer(manager, NewTokenHandlerWithOptions(TokenHandlerOptions{
OfflineAccess: true, ClientID: "docker"}), NewBasicHandler(creds))``): the authorizer looks up
the challenges recorded for a request's registry (by :mod:`registry_core.challenge`, from the
ping) and lets each handler answer the challenges of its scheme, ``bearer`` first.

Beyond the reference (each is listed in ``docs/authentication.rst``):

- tokens are cached per realm, service and scope set, shared between threads, refreshed
  shortly before they expire, and fetched once when many threads need the same one;
- a 401 whose challenge says ``insufficient_scope`` is retried once with the wider scope;
- credentials go only to a realm that :class:`RealmPolicy` trusts, and no request goes to a
  realm with user info, a backslash, white space or a control character;
- a token server's redirects keep credentials on the realm's own origin;
- token bodies are capped, and a token server's error body is quoted only as a short,
  redacted sample;
- a refresh-token answer without an ``access_token`` is an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

from .bodies import discard_body
from .challenge import Challenge, ChallengeManager, response_challenges
from .errcode import errcode_text
from .errors import AuthenticationError
from .handlers import (
    NO_BASIC_CREDENTIALS_MESSAGE,
    AuthenticationHandler,
    BasicHandler,
    basic_authorization,
)
from .realm import RealmPolicy, registrable_domain
from .redact import authorization_secrets, redact, redact_url
from .redirects import resendable_body
from .scopes import registry_scope, repository_scope
from .tokens import (
    MAX_TOKEN_BODY,
    MAX_TOKEN_REDIRECTS,
    MINIMUM_TOKEN_LIFETIME,
    NO_TOKEN_MESSAGE,
    REFRESH_MARGIN,
    TOKEN_TIMEOUT,
    Clock,
    TokenHandler,
)
from .urlerror import url_error

__all__ = [
    "MAX_TOKEN_BODY",
    "MAX_TOKEN_REDIRECTS",
    "MINIMUM_TOKEN_LIFETIME",
    "NO_BASIC_CREDENTIALS_MESSAGE",
    "NO_TOKEN_MESSAGE",
    "REFRESH_MARGIN",
    "TOKEN_TIMEOUT",
    "AuthenticationHandler",
    "Authorizer",
    "BasicHandler",
    "Clock",
    "RealmPolicy",
    "TokenHandler",
    "basic_authorization",
    "errcode_text",
    "redact",
    "registrable_domain",
    "registry_scope",
    "resendable_body",
    "authorization_secrets",
    "repository_scope",
]

log = logging.getLogger(__name__)


class Authorizer(AuthBase):
    """Adds credentials to each request for the challenges of its registry.

    The counterpart of distribution's ``endpointAuthorizer``, as a requests auth object:
    set it as a session's ``auth`` and every request, and every redirect hop, is
    authorized for the host it goes to. A host without recorded challenges (a blob store a
    registry redirects to, a server a hostile registry points at) gets no credentials.

    Beyond the reference, a 401 whose ``bearer`` challenge says ``insufficient_scope`` is
    retried once with a token for the wider scope, when the request's body can be sent again
    (:func:`resendable_body`); another 401 is returned as it is.

    :param manager: the challenges, from the ping.
    :param handlers: tried in order; for each, every challenge of its scheme is answered.
    :param send: resends a retried request as it is (a
        :class:`~registry_core.transport.RegistrySession`'s ``send_as_is``); without it the
        connection that got the 401 is used.
    :param trusts_host: asked before credentials are added to a request for a host with
        challenges (usually :meth:`RealmPolicy.trusts_host`): the reference records the
        challenges of a redirected ping under the host it ended on, and would answer that
        host's challenges with the registry's credentials. ``None`` trusts every host.
    """

    def __init__(
        self,
        manager: ChallengeManager,
        handlers: Sequence[AuthenticationHandler],
        *,
        send: Callable[..., requests.Response] | None = None,
        trusts_host: Callable[[str], bool] | None = None,
    ) -> None:
        self.manager = manager
        self.handlers = list(handlers)
        self.send = send
        self.trusts_host = trusts_host

    @staticmethod
    def ping_url(url: str) -> str | None:
        """The ping URL whose challenges apply to ``url``; ``None`` outside ``/v2/``/``/v1/``.

        As the reference: the path up to and including ``/v2/``, or for a ``/v1/`` path,
        the part before it plus ``/v2/``.
        """
        parts = urlsplit(url)
        path = parts.path
        index = path.find("/v2/")
        if index != -1:
            path = path[: index + 4]
        else:
            index = path.find("/v1/")
            if index == -1:
                return None
            path = path[:index] + "/v2/"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))

    def challenges_for(self, url: str) -> list[Challenge]:
        ping = self.ping_url(url)
        return [] if ping is None else self.manager.get_challenges(ping)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = request.url or ""
        challenges = self.challenges_for(url)
        if not challenges:
            return request
        if self.trusts_host is not None and not self.trusts_host(url):
            log.debug("not answering the challenges of %s: not the registry's host",
                      urlsplit(url).netloc)
            return request
        for handler in self.handlers:
            for challenge in challenges:
                if challenge.scheme == handler.scheme:
                    try:
                        handler.authorize_request(request, challenge.parameters)
                    except AuthenticationError as exc:
                        raise type(exc)(url_error(request.method, request.url or "", exc)) from exc
        if self.handle_401 not in request.hooks["response"]:
            request.hooks["response"].append(self.handle_401)
        return request

    def handle_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        """Retry once with a wider-scoped token when the registry says ``insufficient_scope``."""
        if response.status_code != 401:
            return response
        request = response.request
        handler = next((h for h in self.handlers if isinstance(h, TokenHandler)), None)
        if handler is None or request is None or request.url is None:
            return response
        wanted = [
            scope
            for challenge in response_challenges(response)
            if challenge.scheme == "bearer"
            and challenge.parameters.get("error") == "insufficient_scope"
            for scope in challenge.parameters.get("scope", "").split(" ")
            if scope
        ]
        recorded = next(
            (c for c in self.challenges_for(request.url) if c.scheme == "bearer"), None
        )
        scopes = handler.scopes_for(request)
        wider = scopes + [scope for scope in dict.fromkeys(wanted) if scope not in scopes]
        if recorded is None or len(wider) == len(scopes):
            return response
        if not resendable_body(request):
            log.debug("not retrying %s %s with scope %s: its body cannot be sent again",
                      request.method, redact_url(request.url), wanted)
            return response
        log.debug("registry wants scope %s for %s %s; retrying once", wanted,
                  request.method, redact_url(request.url))
        try:
            token = handler.get_token(recorded.parameters, wider)
        except AuthenticationError as exc:
            raise type(exc)(url_error(request.method, request.url or "", exc)) from exc
        retry = request.copy()
        retry.hooks["response"] = [h for h in retry.hooks["response"] if h != self.handle_401]
        retry.headers["Authorization"] = f"Bearer {token}"
        discard_body(response)  # so the connection can be reused
        kwargs.pop("allow_redirects", None)
        if self.send is not None:
            again = self.send(retry, allow_redirects=False, **kwargs)
        else:
            connection = response.connection
            again = connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again
