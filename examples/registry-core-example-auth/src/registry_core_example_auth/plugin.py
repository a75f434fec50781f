"""The ``Exchange`` authentication scheme: a credential exchanged for a short-lived token.

A registry that wants it answers ``401`` with::

    WWW-Authenticate: Exchange realm="https://auth.example/exchange",service="registry.example"

The client then sends ``POST <realm>`` with a form body ``service=<service>&credential=<secret>``
(and ``account=<user name>`` when there is one), where the secret is the password (or identity
token) registry-core holds for the registry. The realm answers ``200`` with
``{"token": "<opaque>", "expires_in": <seconds>}``, and every request to the registry carries
``Authorization: Exchange <token>`` until the token is about to expire; then it is exchanged
again. The credential goes only to the realm, and only to a realm registry-core's realm policy
trusts; the registry itself only ever sees the short-lived token.

registry-core knows nothing of this scheme: the plugin contributes the handler through the
``registry_auth_handlers`` hook, and registry-core's session factory consults it beside its
own token and basic handlers.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import requests
from registry_core.errors import AuthenticationError
from registry_core.hookspecs import hookimpl
from registry_core.redact import redact, redact_url

if TYPE_CHECKING:
    from registry_core.interfaces import CredentialStore
    from registry_core.realm import RealmPolicy

#: The challenge scheme, lower-case as registry-core reports schemes.
SCHEME = "exchange"
#: Seconds an exchange may take.
EXCHANGE_TIMEOUT = 15.0
#: A token is exchanged again this many seconds before it expires.
RENEW_MARGIN = 5.0
#: How long a token lives when the realm does not say.
DEFAULT_LIFETIME = 60


class ExchangeHandler:
    """Answers ``Exchange`` challenges (a registry-core authentication handler).

    Tokens are kept per realm and service, shared by the threads of a session, and
    exchanged again :data:`RENEW_MARGIN` seconds before they expire.

    :param session: sends the exchange requests (registry-core gives one with the
        registry's TLS and no authorizer).
    :param credentials: where the credential comes from; ``None`` for an anonymous session.
    :param realm_policy: asked before the credential goes to a realm.
    :param clock: seconds since the epoch; for tests.
    """

    scheme = SCHEME

    def __init__(
        self,
        session: requests.Session,
        credentials: CredentialStore | None,
        realm_policy: RealmPolicy,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.credentials = credentials
        self.realm_policy = realm_policy
        self.clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def authorize_request(
        self, request: requests.PreparedRequest, params: Mapping[str, str]
    ) -> None:
        """Add ``Authorization: Exchange <token>`` for the challenge's realm and service."""
        request.headers["Authorization"] = f"Exchange {self.token(params)}"

    def token(self, params: Mapping[str, str]) -> str:
        """The token for the challenge ``params``: the cached one while it is fresh.

        :raises AuthenticationError: no realm, no credential, an untrusted realm, or the
            realm refused the credential or answered something unusable.
        """
        realm = params.get("realm", "")
        if not realm:
            raise AuthenticationError("Exchange challenge without a realm")
        key = (realm, params.get("service", ""))
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and self.clock() < cached[1] - RENEW_MARGIN:
                return cached[0]
            token, expires_at = self._exchange(realm, key[1])
            self._tokens[key] = (token, expires_at)
            return token

    def _exchange(self, realm: str, service: str) -> tuple[str, float]:
        username, secret = self.credentials.basic(realm) if self.credentials else ("", "")
        if not secret:
            raise AuthenticationError(f"no credential to exchange at {redact_url(realm)}")
        self.realm_policy.check(realm)  # never send the credential to a realm not trusted
        form = {"service": service, "credential": secret}
        if username:
            form["account"] = username
        response = self.session.post(
            realm, data=form, timeout=EXCHANGE_TIMEOUT, allow_redirects=False
        )
        body = response.content
        if response.status_code != 200:
            raise AuthenticationError(
                f"exchange at {redact_url(realm)} refused: {response.status_code} "
                f"{redact(response.reason or '', [secret])}".rstrip()
            )
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        token = answer.get("token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthenticationError(f"exchange at {redact_url(realm)} returned no token")
        lifetime = answer.get("expires_in", DEFAULT_LIFETIME) if isinstance(answer, dict) else 0
        if not isinstance(lifetime, int) or isinstance(lifetime, bool) or lifetime <= 0:
            lifetime = DEFAULT_LIFETIME
        return token, self.clock() + lifetime


@hookimpl
def registry_auth_handlers(
    session: requests.Session,
    credentials: CredentialStore | None,
    realm_policy: RealmPolicy,
) -> list[ExchangeHandler]:
    """An :class:`ExchangeHandler` for every registry: it acts only on ``Exchange``
    challenges, so a registry that never sends one never sees it."""
    return [ExchangeHandler(session, credentials, realm_policy)]
