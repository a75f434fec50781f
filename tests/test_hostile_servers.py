"""Servers that answer badly on purpose: every public call ends in a typed error within its
deadline, reads bounded memory whatever the body, and leaks no secret.

The registry and its token server here are :class:`tests.hostile_server.HostileServer`
(they must misbehave in ways no real registry does on demand); the secret canary plugin
(``tests/canary.py``) checks every test for leaked credentials and tokens: the token server
issues the canary registry token.
"""

from __future__ import annotations

import contextlib
import json
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from registry_core import tokens
from registry_core.client import list_tags, open_session
from registry_core.config import parse_repository_info
from registry_core.deadline import call_deadline
from registry_core.errors import (
    AuthenticationError,
    DeadlineExceededError,
    RegistryError,
    ResponseTooLargeError,
    TransportError,
)
from registry_core.manager import get_plugin_manager
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.types import AuthConfig
from tests.canary import Canary
from tests.fault_proxy import fault_proxy as fault_proxy  # noqa: F401  (the fixture)
from tests.hostile_server import Conn, HostileServer, Request

V2 = ("Docker-Distribution-Api-Version", "registry/2.0")
GIB = 1 << 30
ZEROS = b"0" * 65536

Behaviour = Callable[[Request, Conn, HostileServer], bool]


def _json(conn: Conn, status: int, value: Any, headers: Sequence[tuple[str, str]] = ()) -> None:
    body = json.dumps(value).encode()
    conn.head(status, [("Content-Type", "application/json"),
                       ("Content-Length", str(len(body))), V2, *headers])
    conn.send(body)


class Registry:
    """A token-auth registry whose every answer can be replaced by a misbehaviour."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.override: Behaviour | None = None
        self.server = HostileServer(self.respond)

    def respond(self, request: Request, conn: Conn) -> None:
        if self.override is not None and self.override(request, conn, self.server):
            return
        if request.path.startswith("/token"):
            _json(conn, 200, {"token": self.token, "expires_in": 300})
            return
        if request.header("authorization") != f"Bearer {self.token}":
            scope = ',scope="repository:team/app:pull"' if "/tags/" in request.path else ""
            challenge = f'Bearer realm="{self.server.url}/token",service="svc"{scope}'
            _json(conn, 401, {"errors": [{"code": "UNAUTHORIZED", "message": "no"}]},
                  [("WWW-Authenticate", challenge)])
            return
        if request.path.endswith("/tags/list"):
            _json(conn, 200, {"name": "team/app", "tags": ["1.0"]})
            return
        _json(conn, 200, {})


@pytest.fixture
def registry(secret_canary: Canary) -> Iterator[Registry]:
    found = Registry(secret_canary.registry_token)
    with found.server:
        secret_canary.allow(found.server.host)
        yield found


@pytest.fixture
def service(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> DefaultService:
    monkeypatch.setenv("REGISTRY_CORE_CERTS_DIR", "")
    return DefaultService()


def _login(service: DefaultService, registry: Registry, canary: Canary) -> tuple[str, str]:
    config = AuthConfig(username="bob", password=canary.password,
                        server_address=registry.server.host)
    return service.auth(config, "hostile-test")


def _tags(registry: Registry, canary: Canary) -> list[str]:
    from registry_core_plugins.static_credentials import StaticCredentials

    pm = get_plugin_manager()
    info = parse_repository_info(parse_normalized_named(f"{registry.server.host}/team/app"))
    pm.register(StaticCredentials(AuthConfig(username="bob", password=canary.password),
                                  registries=[registry.server.host]))
    svc = DefaultService(plugin_manager=pm)
    with open_session(svc, info) as session:
        return list_tags(session, info)


def test_the_well_behaved_case_works(service: DefaultService, registry: Registry,
                                     secret_canary: Canary) -> None:
    assert _login(service, registry, secret_canary)[0] == "Login Succeeded"
    assert _tags(registry, secret_canary) == ["1.0"]


# -- token answers -------------------------------------------------------------------------


def _token_answer(make: Callable[[Conn], None]) -> Behaviour:
    def behave(request: Request, conn: Conn, server: HostileServer) -> bool:
        if request.path.startswith("/token"):
            make(conn)
            return True
        return False

    return behave


def _cut(conn: Conn) -> None:
    conn.head(200, [("Content-Type", "application/json"), ("Content-Length", "200")])
    conn.send(b'{"token": "abc')


def _cut_chunked(conn: Conn) -> None:
    conn.head(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
    conn.send(b'20\r\n{"token": "abc')


def _body(data: bytes) -> Callable[[Conn], None]:
    def make(conn: Conn) -> None:
        conn.head(200, [("Content-Type", "application/json"),
                        ("Content-Length", str(len(data)))])
        conn.send(data)

    return make


def _huge(conn: Conn) -> None:
    conn.head(200, [("Content-Length", str(GIB))])
    conn.stream(ZEROS, GIB)


@pytest.mark.parametrize("make", [
    pytest.param(_cut, id="cut-short"),
    pytest.param(_cut_chunked, id="cut-short-chunked"),
    pytest.param(_body(b"<html>not json</html>"), id="not-json"),
    pytest.param(_body(b'{"expires_in": 60}'), id="no-token"),
    pytest.param(_huge, id="1-GiB"),
    pytest.param(_body(b'{"token": "a\\r\\nX-Evil: 1"}'), id="token-with-CRLF"),
])
def test_a_broken_token_answer_is_a_typed_error(service: DefaultService, registry: Registry,
                                                secret_canary: Canary,
                                                make: Callable[[Conn], None]) -> None:
    registry.override = _token_answer(make)
    tracemalloc.start()
    try:
        with pytest.raises(RegistryError):
            _login(service, registry, secret_canary)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


@pytest.mark.parametrize("extra", [
    {"expires_in": 0}, {"expires_in": -5}, {"expires_in": 10**30}, {"expires_in": "60"},
    {"issued_at": "2999-01-01T00:00:00Z"}, {"issued_at": "yesterday"},
])
def test_odd_token_lifetimes_still_log_in_or_fail_typed(service: DefaultService,
                                                        registry: Registry,
                                                        secret_canary: Canary,
                                                        extra: dict[str, Any]) -> None:
    def make(conn: Conn) -> None:
        _json(conn, 200, {"token": registry.token, **extra})

    registry.override = _token_answer(make)
    with contextlib.suppress(RegistryError):  # a typed refusal is fine; nothing else is
        assert _login(service, registry, secret_canary)[0] == "Login Succeeded"


def test_a_token_server_that_drips_ends_at_the_token_deadline(
        service: DefaultService, registry: Registry, secret_canary: Canary,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "TOKEN_DEADLINE", 1.0)

    def make(conn: Conn) -> None:
        conn.head(200, [("Content-Length", "1000")])
        conn.drip(b"{" + b" " * 998 + b"}", 0.05)

    registry.override = _token_answer(make)
    with pytest.raises(DeadlineExceededError) as caught:
        _login(service, registry, secret_canary)
    assert "token request to" in str(caught.value)
    assert "reading the response body" in str(caught.value)


# -- drips and stalls anywhere --------------------------------------------------------------


def _drip_everything(request: Request, conn: Conn, server: HostileServer) -> bool:
    conn.drip(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 0.1)
    return True


def _stall(request: Request, conn: Conn, server: HostileServer) -> bool:
    conn.send(b"HTTP/1.1 200 OK\r\n")
    server.sleep(60)
    return True


@pytest.mark.parametrize("behave", [_drip_everything, _stall])
def test_login_ends_at_the_callers_deadline(service: DefaultService, registry: Registry,
                                            secret_canary: Canary, behave: Behaviour) -> None:
    registry.override = behave
    with pytest.raises(DeadlineExceededError) as caught, call_deadline(1.0, "login"):
        _login(service, registry, secret_canary)
    assert "waiting for the response headers" in str(caught.value)


def test_a_tag_list_that_drips_its_body_ends_at_the_deadline(
        registry: Registry, secret_canary: Canary) -> None:
    def behave(request: Request, conn: Conn, server: HostileServer) -> bool:
        if request.path.endswith("/tags/list") and request.header("authorization"):
            conn.head(200, [("Content-Length", "100000"), V2])
            conn.drip(b" " * 100000, 0.05)
            return True
        return False

    registry.override = behave
    with pytest.raises(DeadlineExceededError) as caught, call_deadline(1.5, "tags"):
        _tags(registry, secret_canary)
    assert "reading the response body" in str(caught.value)


# -- huge bodies ------------------------------------------------------------------------------


def _huge_at(path_end: str, status: int, headers: Sequence[tuple[str, str]] = (),
             authorized: bool = True) -> Behaviour:
    def behave(request: Request, conn: Conn, server: HostileServer) -> bool:
        if not request.path.endswith(path_end) or request.path.startswith("/token"):
            return False
        if authorized and not request.header("authorization"):
            return False
        conn.head(status, [("Content-Length", str(GIB)), V2, *headers])
        conn.stream(ZEROS, GIB)
        return True

    return behave


def _peak_of(call: Callable[[], Any]) -> tuple[int, BaseException | None]:
    tracemalloc.start()
    try:
        try:
            call()
            error = None
        except RegistryError as exc:
            error = exc
        return tracemalloc.get_traced_memory()[1], error
    finally:
        tracemalloc.stop()


def test_a_1_gib_login_answer_is_not_read(service: DefaultService, registry: Registry,
                                          secret_canary: Canary) -> None:
    registry.override = _huge_at("/v2/", 200)
    peak, error = _peak_of(lambda: _login(service, registry, secret_canary))
    assert error is None and peak < 64 << 20


def test_a_1_gib_tag_list_is_refused(registry: Registry, secret_canary: Canary) -> None:
    registry.override = _huge_at("/tags/list", 200)
    peak, error = _peak_of(lambda: _tags(registry, secret_canary))
    assert isinstance(error, ResponseTooLargeError) and peak < 64 << 20


def test_a_1_gib_insufficient_scope_401_is_cut(registry: Registry,
                                               secret_canary: Canary) -> None:
    challenge = (f'Bearer realm="{registry.server.url}/token",service="svc",'
                 'scope="repository:team/app:pull",error="insufficient_scope"')
    registry.override = _huge_at("/tags/list", 401, [("WWW-Authenticate", challenge)])
    peak, error = _peak_of(lambda: _tags(registry, secret_canary))
    assert isinstance(error, AuthenticationError) and peak < 64 << 20


def test_a_1_gib_redirect_body_is_not_read(registry: Registry, secret_canary: Canary) -> None:
    def behave(request: Request, conn: Conn, server: HostileServer) -> bool:
        if request.path.endswith("/tags/list") and request.header("authorization"):
            conn.head(307, [("Location", "/v2/team/app/tags/list?moved=1"),
                            ("Content-Length", str(GIB))])
            conn.stream(ZEROS, GIB)
            return True
        return False

    registry.override = behave
    peak, error = _peak_of(lambda: _tags(registry, secret_canary))
    assert error is None and peak < 64 << 20


def test_a_401_after_a_fresh_token_is_retried_once_then_an_error(
        registry: Registry, secret_canary: Canary) -> None:
    def behave(request: Request, conn: Conn, server: HostileServer) -> bool:
        if request.path.endswith("/tags/list") and request.header("authorization"):
            challenge = f'Bearer realm="{server.url}/token",service="svc"'
            _json(conn, 401, {"errors": []}, [("WWW-Authenticate", challenge)])
            return True
        return False

    registry.override = behave
    with pytest.raises(AuthenticationError):
        _tags(registry, secret_canary)
    tag_requests = [r for r in registry.server.requests if r.path.endswith("/tags/list")]
    assert len(tag_requests) <= 3  # the first, one with a token, at most one retry


# -- the real registry behind the fault proxy ------------------------------------------------


@pytest.fixture
def proxied(plain_registry: Any, fault_proxy: Callable[..., Any]) -> Any:
    from tests.programs import require_program

    require_program("docker-registry")
    return fault_proxy(plain_registry.host)


def _proxied_tags(proxy: Any) -> list[str]:
    info = parse_repository_info(parse_normalized_named(f"{proxy.host}/team/app"))
    svc = DefaultService(plugin_manager=get_plugin_manager())
    with open_session(svc, info) as session:
        return list_tags(session, info)


def test_the_real_registry_through_the_proxy(proxied: Any) -> None:
    assert sorted(_proxied_tags(proxied)) == ["1.0", "2.0"]


@pytest.mark.parametrize("reset", [False, True])
def test_a_tag_list_cut_mid_body_is_a_typed_error(proxied: Any, reset: bool) -> None:
    from tests.fault_proxy import Rule

    proxied.set_rule(Rule(cut_body_after=5, reset=reset))  # the ping's body is 2 bytes
    with pytest.raises(TransportError):
        _proxied_tags(proxied)


def test_a_dripping_registry_ends_at_the_deadline(proxied: Any) -> None:
    from tests.fault_proxy import Rule

    proxied.set_rule(Rule(drip_interval=0.2))
    with pytest.raises(DeadlineExceededError) as caught, call_deadline(1.0, "listing tags"):
        _proxied_tags(proxied)
    assert str(caught.value).startswith("listing tags: ")


# -- challenges of every odd shape ---------------------------------------------------------


@pytest.mark.parametrize("challenges", [
    pytest.param([""], id="empty"),
    pytest.param(['Bearer realm="http://x/token'], id="unterminated"),
    pytest.param(['Bearer realm="REALM",service="svc"'] * 2, id="duplicated"),
    pytest.param(['Bearer realm="REALM",service="svc",x="' + "a" * (1 << 20) + '"'], id="1-MB"),
    pytest.param(['Basic realm="r", Bearer realm="REALM",service="svc"'], id="several-schemes"),
    pytest.param(['Bearer service="svc"'], id="bearer-without-realm"),
    pytest.param(["Negotiate", 'Digest realm="r"'], id="unknown-schemes"),
])
def test_odd_challenges_log_in_or_fail_typed(service: DefaultService, registry: Registry,
                                             secret_canary: Canary,
                                             challenges: list[str]) -> None:
    def behave(request: Request, conn: Conn, server: HostileServer) -> bool:
        if request.path == "/v2/" and not request.header("authorization"):
            realm = f"{server.url}/token"
            headers = [("WWW-Authenticate", c.replace("REALM", realm)) for c in challenges]
            _json(conn, 401, {"errors": []}, headers)
            return True
        return False

    registry.override = behave
    with contextlib.suppress(RegistryError):  # a typed refusal is fine; nothing else is
        assert _login(service, registry, secret_canary)[0] == "Login Succeeded"


# -- login as one call -------------------------------------------------------------------------


def _drip_each_answer(request: Request, conn: Conn, server: HostileServer) -> bool:
    """Every answer arrives, slowly: each byte well within any read timeout, the whole far
    beyond a login's deadline."""
    conn.drip(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + b"X-Pad: " + b"." * 200
              + b"\r\n\r\n{}", 0.02)
    return True


def test_login_as_one_call_ends_at_the_login_deadline(
        service: DefaultService, registry: Registry, secret_canary: Canary,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from registry_core import login

    monkeypatch.setattr(login, "LOGIN_DEADLINE", 1.0)
    registry.override = _drip_each_answer
    with pytest.raises(DeadlineExceededError) as caught:
        _login(service, registry, secret_canary)
    assert f"logging in to {registry.server.host}: no complete answer within the deadline " \
           "of 1 s" in str(caught.value)


def test_login_deadline_per_call(service: DefaultService, registry: Registry,
                                 secret_canary: Canary) -> None:
    from registry_core.login import auth

    registry.override = _drip_each_answer
    config = AuthConfig(username="bob", password=secret_canary.password,
                        server_address=registry.server.host)
    with pytest.raises(DeadlineExceededError, match="deadline of 0.5 s"):
        auth(service, config, "hostile-test", deadline=0.5)


@pytest.mark.parametrize("deadline", [0, -1, float("nan"), float("inf"), True, "soon"])
def test_a_login_deadline_that_is_not_a_positive_number_is_refused(
        service: DefaultService, deadline: Any) -> None:
    from registry_core.errors import InvalidArgumentError
    from registry_core.login import auth

    with pytest.raises(InvalidArgumentError, match="deadline must be a positive number"):
        auth(service, AuthConfig(username="bob", server_address="127.0.0.1:1"), "t",
             deadline=deadline)
