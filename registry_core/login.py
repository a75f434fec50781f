"""Logging in: the reference's ``DefaultService.Auth`` with ``loginV2`` and ``loginV1``.

:func:`auth` turns the server address into a host, asks the service for that host's push
endpoints (push, not pull: mirrors must never see the upstream's credentials) and tries them
in order, moving on only when an endpoint fails in a way that allows it (a
:class:`~registry_core.errors.FallbackError`: it did not confirm v2, or could not be
reached). A v2 login pings the endpoint, then sends ``GET /v2/`` through the authorizer; a
200 means the credentials work.

Beyond the reference: once an https endpoint has answered at all, its plain-http twin is not
tried. The reference falls back from an https endpoint that answered 401 without the v2
header to ``http://`` and sends the password there in clear text.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import requests

from .authorizer import (
    basic_authorization,
    redact,
)
from .authsession import SessionFactory
from .bodies import read_body
from .constants import INDEX_HOSTNAME
from .credentials import LoginCredentialStore
from .deadline import call_deadline
from .errors import (
    FallbackError,
    InvalidArgumentError,
    InvalidServerAddressError,
    LoginError,
    PingResponseError,
    RegistryError,
    TransportError,
)
from .gocompat import (  # Go's url.Parse, with its error texts
    from_bytes,
    go_header_map,
    go_status_text,
    to_bytes,
    url_parse,
)
from .modifiers import default_user_agent, headers
from .ping import confirms_v2, ping_url
from .redact import mask_userinfo
from .transport import new_transport
from .types import APIEndpoint, APIVersion, AuthConfig

if TYPE_CHECKING:
    from .manager import Hooks

__all__ = [
    "LOGIN_SUCCEEDED",
    "LOGIN_TIMEOUT",
    "LoginService",
    "auth",
    "go_header_map",
    "go_status_text",
    "login_v1",
    "login_v2",
    "registry_host_of",
]

log = logging.getLogger(__name__)

#: The status a successful login returns, word for word.
LOGIN_SUCCEEDED = "Login Succeeded"
#: Seconds the login request may take (the reference's login client: ``15 * time.Second``).
LOGIN_TIMEOUT = 15.0
#: Seconds a whole login may take, every endpoint tried, ping, token fetch and login request
#: included (beyond the reference, which has no overall deadline); read at each call, so it
#: can be changed here, or per call with ``auth(..., deadline=...)``. ``None``: no deadline
#: of the login's own (the per-request deadlines still apply).
LOGIN_DEADLINE: float | None = 60.0
#: The most of a v1 login answer that is read (the reference reads all of it).
_MAX_V1_BODY = 1 << 20


class LoginService(Protocol):
    """What :func:`auth` needs of a service (:class:`registry_core.service.DefaultService`)."""

    @property
    def hooks(self) -> Hooks: ...

    def lookup_push_endpoints(self, hostname: str) -> list[APIEndpoint]: ...


# -- server addresses ------------------------------------------------------------------------


def registry_host_of(server_address: str) -> str:
    """The host (and port) a login goes to, as the reference derives it.

    ``""`` means Docker Hub (``index.docker.io``); an address without ``http://`` or
    ``https://`` gets ``https://``; the result is Go's ``url.URL.Host``.

    :raises InvalidServerAddressError: ``unable to parse server address: ...``.
    """
    if not server_address:
        return INDEX_HOSTNAME
    if not server_address.startswith(("https://", "http://")):
        server_address = "https://" + server_address
    try:
        return from_bytes(url_parse(to_bytes(server_address)).host)
    except InvalidArgumentError as exc:
        problem = mask_userinfo(str(exc))  # a password in the address is shown as xxxxx
    # Raised outside the except clause: the parser's error, which quotes the address with
    # its password, is then not even the context of ours.
    raise InvalidServerAddressError(f"unable to parse server address: {problem}")


# -- login -----------------------------------------------------------------------------------


def auth(service: LoginService, auth_config: AuthConfig, user_agent: str, *,
         deadline: float | None | str = "default") -> tuple[str, str]:
    """Log in: ``(status, identity_token)`` as the reference's ``DefaultService.Auth``.

    ``status`` is ``"Login Succeeded"``; ``identity_token`` is the refresh token the token
    server issued (or the one the caller logged in with), else ``""``. ``auth_config`` is not
    changed. Every request carries ``User-Agent: <user_agent>`` (when empty,
    :func:`~registry_core.modifiers.default_user_agent`) and, as in the reference, no meta
    headers.

    :param deadline: seconds the whole login may take (``"default"``:
        :data:`LOGIN_DEADLINE`; ``None``: none of its own).
    :raises InvalidArgumentError: ``auth_config`` is not an
        :class:`~registry_core.types.AuthConfig`, or ``deadline`` is not a positive number.
    :raises InvalidServerAddressError: the server address cannot be parsed.
    :raises LoginError: the registry refused the login (``login attempt to ... failed with
        status: 401 Unauthorized``) or a v1 login failed.
    :raises AuthenticationError: the token server refused the credentials, or its realm is
        not trusted (:class:`~registry_core.errors.UntrustedRealmError`).
    :raises TransportError: no endpoint could be reached.
    :raises DeadlineExceededError: the login did not finish within its deadline.
    """
    seconds = LOGIN_DEADLINE if deadline == "default" else deadline
    if isinstance(seconds, str) or (
        seconds is not None and (isinstance(seconds, bool) or not 0 < seconds < 1e9)
    ):
        raise InvalidArgumentError(
            f"deadline must be a positive number or None, not {deadline!r}"
        )
    if not isinstance(auth_config, AuthConfig):
        raise InvalidArgumentError(
            f"auth_config must be an AuthConfig, not {type(auth_config).__name__}"
        )
    host = registry_host_of(auth_config.server_address)
    with call_deadline(seconds, f"logging in to {host}"):
        return _auth(service, auth_config, user_agent, host)


def _auth(service: LoginService, auth_config: AuthConfig, user_agent: str,
          host: str) -> tuple[str, str]:
    endpoints = service.lookup_push_endpoints(host)
    hooks = service.hooks
    answered_https: set[str] = set()
    last: FallbackError | None = None
    for endpoint in endpoints:
        parts = urlsplit(endpoint.url)
        netloc = parts.netloc.lower()
        if parts.scheme == "http" and netloc in answered_https:
            log.info("not trying %s: its https endpoint answered, and credentials are not "
                     "sent over plain http after that", endpoint.url)
            continue
        try:
            if endpoint.version == APIVersion.V1:
                return login_v1(auth_config, endpoint, user_agent, hooks=hooks)
            return _login_v2(auth_config, endpoint, user_agent, hooks, answered_https)
        except FallbackError as exc:
            log.info("Error logging in to endpoint, trying next endpoint: %s", exc)
            last = exc
    if last is not None:
        raise _unwrap(last)
    # The reference returns an empty status and no error when there is no endpoint at all.
    return "", ""


def _unwrap(error: FallbackError) -> BaseException:
    inner = error.err
    return inner if isinstance(inner, BaseException) else LoginError(str(inner))


def login_v2(
    auth_config: AuthConfig, endpoint: APIEndpoint, user_agent: str, *, hooks: Hooks | None = None
) -> tuple[str, str]:
    """One v2 login attempt (Go ``loginV2``); errors that allow the next endpoint are
    :class:`~registry_core.errors.FallbackError`."""
    return _login_v2(auth_config, endpoint, user_agent, hooks, set())


def _login_v2(
    auth_config: AuthConfig,
    endpoint: APIEndpoint,
    user_agent: str,
    hooks: Hooks | None,
    answered_https: set[str],
) -> tuple[str, str]:
    url = ping_url(endpoint.url)
    parts = urlsplit(endpoint.url)
    log.debug("attempting v2 login to registry endpoint %s", url)
    credentials = LoginCredentialStore(dataclasses.replace(auth_config))
    factory = SessionFactory(hooks, headers(user_agent or default_user_agent(), None))
    session = factory.session(endpoint)
    try:
        try:
            response = factory.ping(session, endpoint)
        except TransportError as exc:
            raise FallbackError(exc) from exc
        if parts.scheme == "https":
            answered_https.add(parts.netloc.lower())
        found_v2 = confirms_v2(response)
        try:
            manager = factory.challenges(response)
        except PingResponseError as exc:
            raise (exc if found_v2 else FallbackError(exc)) from exc
        factory.authorize(session, endpoint, manager, credentials)
        try:
            answer = session.get(url, timeout=LOGIN_TIMEOUT, stream=True)  # body unread
        except RegistryError as exc:
            if not found_v2:
                raise FallbackError(exc) from exc
            raise
        answer.close()
        if answer.status_code == 200:
            return LOGIN_SUCCEEDED, credentials.auth_config.identity_token
        error = LoginError(
            f"login attempt to {url} failed with status: {answer.status_code} "
            f"{go_status_text(answer.status_code)}"
        )
        if not found_v2:
            raise FallbackError(error)
        raise error
    finally:
        session.close()


def login_v1(
    auth_config: AuthConfig, endpoint: APIEndpoint, user_agent: str, *, hooks: Hooks | None = None
) -> tuple[str, str]:
    """A v1 login (the reference's ``loginV1`` of 19.03): ``GET <url>/v1/users/`` with basic auth.

    Only a plugin's endpoint can be v1. Beyond the reference (whose v1 login uses its plain
    v1 endpoint client), with ``hooks`` the request goes through the v1 auth layer the
    ``registry_v1_auth_transport`` hook gives (``always_set_basic_auth=False``), so a plugin
    that replaces that layer sees v1 logins too. The built-in layer keeps the explicit basic
    ``Authorization`` header, so what is sent does not change, and adds nothing to a
    redirect to an untrusted location. A request that cannot be completed is a
    :class:`~registry_core.errors.FallbackError`; every answer but 200 is a
    :class:`~registry_core.errors.LoginError` with the reference's text.
    """
    server_address = endpoint.url + "/v1/"
    log.debug("attempting v1 login to registry endpoint %s", server_address)
    if not endpoint.url:
        raise LoginError("server Error: Server Address not set")
    transport: requests.adapters.BaseAdapter = new_transport(endpoint.tls_config)
    if hooks is not None:
        # A copy: the layer may keep it, and the caller's config must not change.
        transport = hooks.v1_auth_transport(
            transport, dataclasses.replace(auth_config), always_set_basic_auth=False
        )
    session = SessionFactory(hooks, headers(user_agent or default_user_agent(), None)).session(
        endpoint, transport=transport
    )
    secrets = [auth_config.password, f"{auth_config.username}:{auth_config.password}"]
    try:
        try:
            response = session.get(
                server_address + "users/",
                headers={
                    "Authorization": basic_authorization(auth_config.username, auth_config.password)
                },
                timeout=LOGIN_TIMEOUT,
                stream=True,
            )
        except TransportError as exc:
            raise FallbackError(exc) from exc
        try:
            body = read_body(response, _MAX_V1_BODY, truncate=True)
        except RegistryError as exc:  # cut short, or unreadable: the answer is unusable
            raise LoginError(f"error reading the login answer: {exc}") from exc
        finally:
            response.close()
    finally:
        session.close()
    status = response.status_code
    if status == 200:
        return LOGIN_SUCCEEDED, ""
    if status == 401:
        raise LoginError("Wrong login/password, please try again")
    if status == 403:
        raise LoginError(
            f"Login: Account is not active. Please see the documentation of the registry "
            f"{server_address} for instructions how to activate it."
        )
    if status == 500:
        log.error("%s returned status code %d", response.url, status)
        raise LoginError("Internal Server Error")
    text = body.decode("utf-8", errors="replace")
    message = f"Login: {text} (Code: {status}; Headers: {go_header_map(response)})"
    raise LoginError(redact(message, secrets))
