"""Credential canaries: a unique password and a unique identity token, sent only where the
user pointed them.

Every server here is a loopback stub the test controls: a registry that redirects to another
server, a registry that names a hostile token realm, a token server that redirects, servers
that echo what they were sent in their error bodies. After each scenario the canaries must
not be found in any request to a server they were not meant for, in any exception message
(the whole chain), or in any log line, with every logger at DEBUG.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from registry_core.client import list_tags, open_session
from registry_core.config import parse_repository_info
from registry_core.errors import (
    AuthenticationError,
    RegistryError,
    TokenError,
    UntrustedRealmError,
)
from registry_core.gocompat import go_quote, time_quote
from registry_core.login import auth
from registry_core.reference import parse_normalized_named
from registry_core.types import AuthConfig, RepositoryInfo
from tests.fakes import EndpointService
from tests.http_stub import Answer, Seen, StubServer, free_port

V2 = ("Docker-Distribution-Api-Version", "registry/2.0")


@pytest.fixture(params=["plain", "url-special", "quote-special"])
def canary(request: pytest.FixtureRequest) -> dict[str, str]:
    """Unique secrets. The ``url-special`` ones hold ``+``, ``/`` and ``=``, which a form body
    or query carries percent-encoded (``%2B``, ``%2F``, ``%3D``): a server that echoes what
    it was sent echoes that form. The ``quote-special`` ones hold a quote, a backslash and a
    non-ASCII letter, which change when a server echoes them inside a JSON string and when a
    message quotes that the way Go does."""
    if request.param == "plain":
        return {
            "password": "cnry-pw-" + secrets.token_hex(8),
            "token": "cnry-rt-" + secrets.token_hex(8),
        }
    if request.param == "url-special":
        return {
            "password": f"cnry/pw+{secrets.token_hex(8)}==",
            "token": f"cnry/rt+{secrets.token_hex(8)}==",
        }
    return {
        "password": f'cnry"pw\\ä{secrets.token_hex(8)}',
        "token": f'cnry"rt\\ö{secrets.token_hex(8)}',
    }


def _forms(value: str) -> set[str]:
    """A canary as sent (raw), in the encodings a request carries it in, and escaped inside
    a quoted string as JSON, Go's ``%q`` and Go's ``time`` package write it."""
    forms = {value, quote_plus(value), quote(value, safe=""), quote(value)}
    for escaped in (json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
        forms.update((escaped, go_quote(escaped)[1:-1], time_quote(escaped.encode())[1:-1]))
    return forms


@pytest.fixture(autouse=True)
def _logs_stay_clean(caplog: pytest.LogCaptureFixture, canary: dict[str, str]) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    text = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    for name, value in canary.items():
        for form in _forms(value):
            assert form not in text, f"the {name} canary reached a log line as {form}"


def _clean(error: BaseException, canary: dict[str, str]) -> None:
    """No canary, raw or URL-encoded, in the error's message or in any error it was raised
    from."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for value in canary.values():
            for form in _forms(value):
                assert form not in str(current), (
                    f"canary in {type(current).__name__}: {current}"
                )
                assert form not in repr(current)
        current = current.__cause__ or current.__context__


def _untouched(server: StubServer, canary: dict[str, str]) -> None:
    for seen in server.seen:
        for name, value in canary.items():
            assert not seen.contains(value), f"the {name} canary reached {server.url}{seen.path}"


def _credentials(canary: dict[str, str], secret: str) -> AuthConfig:
    """Alice's credentials carrying the ``secret`` canary: a password or an identity token."""
    if secret == "password":
        return AuthConfig(username="alice", password=canary["password"])
    return AuthConfig(username="alice", identity_token=canary["token"])


def _info(server: StubServer) -> RepositoryInfo:
    return parse_repository_info(parse_normalized_named(f"{server.host}/team/app"))


def _login_and_listing_fail(registry: StubServer, config: AuthConfig,
                            error: type[RegistryError], canary: dict[str, str]) -> None:
    """Logging in and listing tags with ``config`` both raise ``error``, free of canaries."""
    with pytest.raises(error) as info:
        auth(EndpointService(registry.url), config, "")
    _clean(info.value, canary)
    service = EndpointService(registry.url, credentials=config)
    with open_session(service, _info(registry)) as session, pytest.raises(error) as listing:
        list_tags(session, _info(registry))
    _clean(listing.value, canary)


def _basic_registry(password: str, elsewhere: str | None = None) -> Any:
    """A registry with basic auth; its tags list redirects to ``elsewhere`` when given."""

    def route(seen: Seen) -> Answer:
        if seen.basic != ("alice", password):
            return Answer(401, [V2, ("WWW-Authenticate", 'Basic realm="r"')])
        if elsewhere is not None and seen.path.endswith("/tags/list"):
            return Answer(307, [V2, ("Location", elsewhere)])
        return Answer(200, [V2], json.dumps({"name": "team/app", "tags": ["1"]}).encode())

    return route


def _tags(seen: Seen) -> Answer:
    return Answer(200, [], json.dumps({"name": "team/app", "tags": ["moved"]}).encode())


@pytest.mark.parametrize("other_host", ["127.0.0.1", "localhost"])
def test_registry_redirect_to_another_server(canary: dict[str, str], other_host: str) -> None:
    with StubServer(_tags) as elsewhere:
        target = f"http://{other_host}:{elsewhere.port}/blobs/tags"
        with StubServer(_basic_registry(canary["password"], target)) as registry:
            credentials = AuthConfig(username="alice", password=canary["password"])
            service = EndpointService(registry.url, credentials=credentials)
            with open_session(service, _info(registry)) as session:
                assert list_tags(session, _info(registry)) == ["moved"]
    assert any(seen.contains(canary["password"]) for seen in registry.seen)  # control
    assert len(elsewhere.seen) == 1
    _untouched(elsewhere, canary)


def test_ping_redirected_to_another_host(canary: dict[str, str]) -> None:
    # The reference records the challenges under the host the ping ended on, and would
    # answer that host's basic challenge with the registry's credentials.
    def hostile_route(seen: Seen) -> Answer:
        return Answer(401, [V2, ("WWW-Authenticate", 'Basic realm="give me"')])

    with StubServer(hostile_route) as hostile:
        moved = f"http://localhost:{hostile.port}/v2/"
        with StubServer(lambda seen: Answer(307, [V2, ("Location", moved)])) as registry:
            service = EndpointService(registry.url)
            config = AuthConfig(username="alice", password=canary["password"])
            with pytest.raises(RegistryError) as info:
                auth(service, config, "")
    _clean(info.value, canary)
    assert len(hostile.seen) == 2
    _untouched(hostile, canary)
    _untouched(registry, canary)


def _bearer_registry(realm: str) -> Any:
    def route(seen: Seen) -> Answer:
        if (seen.authorization or "").startswith("Bearer "):
            return Answer(200, [V2], b"{}")
        return Answer(401, [V2, ("WWW-Authenticate", f'Bearer realm="{realm}",service="reg"')])

    return route


def _token(seen: Seen) -> Answer:
    return Answer(200, [("Content-Type", "application/json")], b'{"token": "t"}')


@pytest.mark.parametrize("secret", ["password", "token"])
def test_hostile_realm_on_another_host(canary: dict[str, str], secret: str) -> None:
    with StubServer(_token) as hostile:
        realm = f"http://localhost:{hostile.port}/token"
        with StubServer(_bearer_registry(realm)) as registry:
            _login_and_listing_fail(registry, _credentials(canary, secret), UntrustedRealmError,
                                    canary)
    assert hostile.seen == []


@pytest.mark.parametrize("secret", ["password", "token"])
def test_token_server_redirecting_to_another_host(canary: dict[str, str], secret: str) -> None:
    with StubServer(_token) as hostile:
        moved = f"http://localhost:{hostile.port}/token"
        with StubServer(lambda seen: Answer(307, [("Location", moved)])) as tokens, \
                StubServer(_bearer_registry(f"{tokens.url}/token")) as registry:
            config = _credentials(canary, secret)
            with pytest.raises(UntrustedRealmError) as info:
                auth(EndpointService(registry.url), config, "")
    _clean(info.value, canary)
    assert any(seen.contains(canary[secret]) for seen in tokens.seen)  # control
    assert hostile.seen == []


def test_anonymous_token_request_may_follow_a_redirect(canary: dict[str, str]) -> None:
    with StubServer(_token) as elsewhere:
        moved = f"http://localhost:{elsewhere.port}/token"
        with StubServer(lambda seen: Answer(307, [("Location", moved)])) as tokens, \
                StubServer(_bearer_registry(f"{tokens.url}/token")) as registry:
            assert auth(EndpointService(registry.url), AuthConfig(), "")[0] == "Login Succeeded"
    assert len(elsewhere.seen) == 1


def _echo(status: int) -> Any:
    """A token server that puts everything it was sent into its error answer."""

    def route(seen: Seen) -> Answer:
        echoed = f"{seen.path} {seen.headers} {seen.body.decode()} {seen.basic}"
        return Answer(status, [("Content-Type", "application/json")],
                      json.dumps({"details": echoed}).encode())

    return route


@pytest.mark.parametrize("status", [401, 403, 400])
@pytest.mark.parametrize("secret", ["password", "token"])
def test_token_server_echoing_credentials_in_errors(
    canary: dict[str, str], status: int, secret: str
) -> None:
    with StubServer(_echo(status)) as tokens, \
            StubServer(_bearer_registry(f"{tokens.url}/token")) as registry:
        config = _credentials(canary, secret)
        with pytest.raises(AuthenticationError) as info:
            auth(EndpointService(registry.url), config, "")
    assert any(seen.contains(canary[secret]) for seen in tokens.seen)  # control
    _clean(info.value, canary)


@pytest.mark.parametrize("secret", ["password", "token"])
def test_token_server_echoing_credentials_in_its_status_line(
    canary: dict[str, str], secret: str
) -> None:
    def route(seen: Seen) -> Answer:
        echoed = f"{seen.basic} {seen.body.decode()}"  # sent as latin-1, as http.server does
        return Answer(503, [], b"", reason=f"upstream said {echoed}")

    with StubServer(route) as tokens, \
            StubServer(_bearer_registry(f"{tokens.url}/token")) as registry, \
            pytest.raises(TokenError) as info:
        auth(EndpointService(registry.url), _credentials(canary, secret), "")
    assert "received unexpected HTTP status: 503 upstream said" in str(info.value)  # control
    _clean(info.value, canary)


@pytest.mark.parametrize("secret", ["password", "token"])
def test_token_server_echoing_credentials_in_issued_at(
    canary: dict[str, str], secret: str
) -> None:
    def route(seen: Seen) -> Answer:
        sent = canary[secret] if seen.contains(canary[secret]) else "nothing"
        return Answer(200, [], json.dumps({"token": "t", "issued_at": sent}).encode())

    with StubServer(route) as tokens, \
            StubServer(_bearer_registry(f"{tokens.url}/token")) as registry, \
            pytest.raises(TokenError) as info:
        auth(EndpointService(registry.url), _credentials(canary, secret), "")
    assert "parsing time" in str(info.value)  # control
    _clean(info.value, canary)


def test_registry_error_body_echoing_the_password_to_a_tag_listing(
    canary: dict[str, str]
) -> None:
    def route(seen: Seen) -> Answer:
        if seen.basic is None:
            return Answer(401, [V2, ("WWW-Authenticate", 'Basic realm="r"')])
        error = {"code": "DENIED", "message": f"password {seen.basic[1]} lacks pull"}
        return Answer(403, [V2], json.dumps({"errors": [error]}).encode())

    config = _credentials(canary, "password")
    with StubServer(route) as registry, \
            open_session(EndpointService(registry.url, credentials=config),
                         _info(registry)) as session, \
            pytest.raises(AuthenticationError) as info:
        list_tags(session, _info(registry))
    assert "lacks pull" in str(info.value)  # control
    _clean(info.value, canary)


def test_token_body_that_is_not_json_echoing_credentials(canary: dict[str, str]) -> None:
    def route(seen: Seen) -> Answer:
        return Answer(200, [], f"<html>{canary['password']} {seen.headers}</html>".encode())

    with StubServer(route) as tokens, \
            StubServer(_bearer_registry(f"{tokens.url}/token")) as registry:
        config = AuthConfig(username="alice", password=canary["password"])
        with pytest.raises(AuthenticationError) as info:
            auth(EndpointService(registry.url), config, "")
    _clean(info.value, canary)


def test_registry_error_echoing_credentials(canary: dict[str, str]) -> None:
    def route(seen: Seen) -> Answer:
        if seen.authorization is None:
            return Answer(401, [V2, ("WWW-Authenticate", 'Basic realm="r"')])
        return Answer(500, [V2], f"broken: {seen.headers}".encode())

    with StubServer(route) as registry:
        _login_and_listing_fail(registry, _credentials(canary, "password"), RegistryError,
                                canary)


def test_unreachable_realm_error_is_clean(canary: dict[str, str]) -> None:
    realm = f"http://127.0.0.1:{free_port()}/token"  # nobody listens there
    with StubServer(_bearer_registry(realm)) as registry:
        for config in (_credentials(canary, "password"), _credentials(canary, "token")):
            with pytest.raises(RegistryError) as info:
                auth(EndpointService(registry.url), config, "")
            _clean(info.value, canary)
