"""Logging in: against the real registry (TLS + htpasswd, token auth, mutual TLS) and against
stubs for the endpoint-fallback rules, v1 login and server-address parsing.

Expected texts come from the Go oracle (``{"op": "auth", ...}``) run against the same
fixtures.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import requests

from registry_core.errors import (
    AuthenticationError,
    InvalidServerAddressError,
    LoginError,
    TokenError,
    TransportError,
    UntrustedRealmError,
)
from registry_core.hookspecs import hookimpl
from registry_core.login import (
    LOGIN_SUCCEEDED,
    auth,
    go_header_map,
    go_status_text,
    login_v2,
    registry_host_of,
)
from registry_core.service import DefaultService
from registry_core.types import APIEndpoint, APIVersion, AuthConfig
from tests.fakes import EndpointService, insecure_endpoint
from tests.hostile_server import Conn, HostileServer, Request
from tests.http_stub import Answer, Seen, StubServer, free_port
from tests.recording_plugins import PerHostModifiers
from tests.registry_fixtures import CERTS_DIR_ENV, PKI, RegistryEnv

pytest_plugins = ["tests.registry_fixtures"]


def _service(env: RegistryEnv | None, monkeypatch: pytest.MonkeyPatch) -> DefaultService:
    if env is not None:
        for name, value in env.environ.items():
            monkeypatch.setenv(name, value)
    return DefaultService()


def _access(env: RegistryEnv) -> list[tuple[str, str, int]]:
    return [tuple(entry) for entry in env.registry.access_log()]  # type: ignore[misc]


# -- the real registry: TLS through certs.d, htpasswd ----------------------------------------


def test_basic_auth_login(tls_basic_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch
                          ) -> None:
    env = tls_basic_registry
    service = _service(env, monkeypatch)
    config = AuthConfig(username="alice", password=env.password or "", server_address=env.host)
    assert auth(service, config, "registry-core-test") == (LOGIN_SUCCEEDED, "")
    assert config == AuthConfig(username="alice", password=env.password or "",
                                server_address=env.host)
    assert _access(env) == [("GET", "/v2/", 401), ("GET", "/v2/", 200)]


def test_basic_auth_bad_password(tls_basic_registry: RegistryEnv,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    env = tls_basic_registry
    service = _service(env, monkeypatch)
    config = AuthConfig(username="alice", password="wrong", server_address=env.host)
    with pytest.raises(LoginError) as info:
        auth(service, config, "")
    assert str(info.value) == (
        f"login attempt to https://{env.host}/v2/ failed with status: 401 Unauthorized"
    )


def test_basic_auth_without_credentials(tls_basic_registry: RegistryEnv,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    env = tls_basic_registry
    with pytest.raises(AuthenticationError) as info:
        auth(_service(env, monkeypatch), AuthConfig(server_address=env.host), "")
    assert str(info.value) == f'Get "https://{env.host}/v2/": no basic auth credentials'


def test_without_certs_d_verification_fails(tls_basic_registry: RegistryEnv,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # The oracle: Get "https://registry-core.test:PORT/v2/": x509: certificate signed by
    # unknown authority. Our text names the same request; the TLS wording is Python's.
    env = tls_basic_registry
    monkeypatch.setenv(CERTS_DIR_ENV, str(env.registry.workdir / "empty-certs.d"))
    config = AuthConfig(username="alice", password=env.password or "", server_address=env.host)
    with pytest.raises(TransportError) as info:
        auth(DefaultService(), config, "")
    assert str(info.value).startswith(f'Get "https://{env.host}/v2/": ')
    assert (env.password or "") not in str(info.value)
    assert _access(env) == []


# -- the real registry: token auth -----------------------------------------------------------


def test_token_login_returns_an_identity_token(token_registry: RegistryEnv,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    env = token_registry
    assert env.issuer is not None
    service = _service(env, monkeypatch)
    config = AuthConfig(username="alice", password=env.password or "", server_address=env.host)
    status, token = auth(service, config, "registry-core-test")
    assert status == LOGIN_SUCCEEDED
    assert env.issuer.refresh_token_owner(token) == "alice"
    assert config.identity_token == ""  # the caller's config is left alone
    [fetch] = env.issuer.requests
    assert fetch.method == "GET"
    assert fetch.basic == ("alice", env.password)
    assert fetch.query == {
        "account": ["alice"], "client_id": ["docker"], "offline_token": ["true"],
        "service": [env.issuer.service],
    }
    assert fetch.header("User-Agent") == "registry-core-test"

    # A second login with the identity token alone uses the OAuth2 refresh grant.
    env.issuer.clear_requests()
    again = AuthConfig(username="alice", identity_token=token, server_address=env.host)
    assert auth(service, again, "") == (LOGIN_SUCCEEDED, token)
    [refresh] = env.issuer.requests
    assert refresh.method == "POST"
    assert refresh.basic is None
    assert refresh.form == {
        "client_id": ["docker"], "grant_type": ["refresh_token"], "refresh_token": [token],
        "scope": [""], "service": [env.issuer.service],
    }


def test_token_login_with_a_rotated_refresh_token(token_registry: RegistryEnv,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    env = token_registry
    assert env.issuer is not None
    service = _service(env, monkeypatch)
    _status, first = auth(service, AuthConfig(username="alice", password=env.password or "",
                                              server_address=env.host), "")
    env.issuer.rotate_refresh_tokens = True
    _status, second = auth(service, AuthConfig(identity_token=first, server_address=env.host),
                           "")
    assert second != first
    assert env.issuer.refresh_token_owner(second) == "alice"


@pytest.mark.parametrize(
    "credentials", [{"password": "wrong"}, {"identity_token": "nonsense"}], ids=["pw", "token"]
)
def test_token_login_bad_credentials(token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch,
                                     credentials: dict[str, str]) -> None:
    env = token_registry
    config = AuthConfig(username="alice", server_address=env.host, **credentials)
    with pytest.raises(AuthenticationError) as info:
        auth(_service(env, monkeypatch), config, "")
    assert str(info.value) == (
        f'Get "https://{env.host}/v2/": unauthorized: incorrect username or password'
    )
    for secret in credentials.values():
        assert secret not in str(info.value)


def test_token_login_anonymous(token_registry: RegistryEnv,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The oracle logs in anonymously too: the issuer hands out a token with no access,
    # and /v2/ asks for no more.
    env = token_registry
    assert auth(_service(env, monkeypatch), AuthConfig(server_address=env.host), "") == (
        LOGIN_SUCCEEDED, ""
    )


@pytest.mark.parametrize(
    ("knob", "value", "error", "text"),
    [
        ("fail_status", 500, TokenError,
         "received unexpected HTTP status: 500 Internal Server Error"),
        ("token_field", "none", TokenError,
         "authorization server did not include a token in the response"),
    ],
)
def test_token_server_failures(token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch,
                               knob: str, value: Any, error: type[Exception], text: str) -> None:
    env = token_registry
    setattr(env.issuer, knob, value)
    config = AuthConfig(username="alice", password=env.password or "", server_address=env.host)
    with pytest.raises(error) as info:
        auth(_service(env, monkeypatch), config, "")
    assert str(info.value) == f'Get "https://{env.host}/v2/": {text}'


# -- the real registry: mutual TLS -----------------------------------------------------------


def test_mutual_tls_login(mtls_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    env = mtls_registry
    assert auth(_service(env, monkeypatch), AuthConfig(server_address=env.host), "") == (
        LOGIN_SUCCEEDED, ""
    )
    assert _access(env)[-1] == ("GET", "/v2/", 200)


def test_mutual_tls_without_the_client_pair(mtls_registry: RegistryEnv,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    env = mtls_registry
    assert env.certs_dir is not None
    (env.certs_dir / env.host / "client.cert").unlink()
    (env.certs_dir / env.host / "client.key").unlink()
    with pytest.raises(TransportError):
        auth(_service(env, monkeypatch), AuthConfig(server_address=env.host), "")


# -- endpoints and fallbacks (stubs) ---------------------------------------------------------


def _unused_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


V2 = ("Docker-Distribution-Api-Version", "registry/2.0")


def _basic_registry(password: str, *, v2: bool = True) -> Any:
    def route(seen: Seen) -> Answer:
        headers = [V2] if v2 else []
        if seen.basic == ("alice", password):
            return Answer(200, headers)
        return Answer(401, [*headers, ("WWW-Authenticate", 'Basic realm="r"')])

    return route


@pytest.fixture(scope="module")
def loopback_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    return PKI(tmp_path_factory.mktemp("stub-pki")).issue_server(["127.0.0.1"])


def test_server_address_decides_the_host() -> None:
    service = EndpointService()
    auth(service, AuthConfig(), "")
    auth(service, AuthConfig(server_address="Reg.Example.com:5000/v1/"), "")
    auth(service, AuthConfig(server_address="http://h:1/x"), "")
    assert service.asked == ["index.docker.io", "Reg.Example.com:5000", "h:1"]


@pytest.mark.parametrize(
    ("address", "message"),
    [
        # Word for word what the oracle answered.
        ("https://[::1", "parse \"https://[::1\": missing ']' in host"),
        ("a b", 'parse "https://a b": invalid character " " in host name'),
        ("host:abc", 'parse "https://host:abc": invalid port ":abc" after host'),
        ("a\x7fb", 'parse "https://a\\x7fb": net/url: invalid control character in URL'),
        ("%zz", 'parse "https://%zz": invalid URL escape "%zz"'),
        ("[fe80::1%en0]", 'parse "https://[fe80::1%en0]": invalid URL escape "%en"'),
        ("https://[::1]junk", 'parse "https://[::1]junk": invalid port "junk" after host'),
    ],
)
def test_unparsable_server_address(address: str, message: str) -> None:
    with pytest.raises(InvalidServerAddressError) as info:
        auth(EndpointService(), AuthConfig(server_address=address), "")
    assert str(info.value) == f"unable to parse server address: {message}"


@pytest.mark.parametrize(
    ("address", "host"),
    [("", "index.docker.io"), ("https://u:p@h:1:2", "h:1:2"), ("[fe80::1%25en0]:5000",
                                                                 "[fe80::1%en0]:5000"),
     ("::1", "::1"), ("h#frag", "h"), ("https://h/?%zz", "h")],
)
def test_registry_host_of(address: str, host: str) -> None:
    assert registry_host_of(address) == host


def test_auth_config_must_be_an_auth_config() -> None:
    from registry_core.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="must be an AuthConfig, not dict"):
        auth(EndpointService(), {"username": "alice"}, "")  # type: ignore[arg-type]


def test_no_endpoints_is_an_empty_answer() -> None:
    # The reference returns an empty status and no error (a quirk, documented).
    assert auth(EndpointService(), AuthConfig(), "") == ("", "")


def test_unreachable_endpoint_falls_back() -> None:
    with StubServer(_basic_registry("pw")) as second:
        service = EndpointService(insecure_endpoint(_unused_url()), insecure_endpoint(second.url))
        config = AuthConfig(username="alice", password="pw")
        assert auth(service, config, "") == (LOGIN_SUCCEEDED, "")


def test_all_endpoints_unreachable_raises_the_last_error() -> None:
    last = _unused_url()
    service = EndpointService(insecure_endpoint(_unused_url()), insecure_endpoint(last))
    with pytest.raises(TransportError) as info:
        auth(service, AuthConfig(), "")
    assert str(info.value).startswith(f'Get "{last}/v2/"')


def test_confirmed_v2_failure_does_not_fall_back() -> None:
    with StubServer(_basic_registry("pw")) as first, StubServer(_basic_registry("bad")) as second:
        service = EndpointService(insecure_endpoint(first.url), insecure_endpoint(second.url))
        with pytest.raises(LoginError, match="failed with status: 401 Unauthorized"):
            auth(service, AuthConfig(username="alice", password="bad"), "")
        assert second.seen == []


def test_confirmed_v2_authorizer_error_does_not_fall_back() -> None:
    with StubServer(_basic_registry("pw")) as first, StubServer(_basic_registry("pw")) as second:
        service = EndpointService(insecure_endpoint(first.url), insecure_endpoint(second.url))
        with pytest.raises(AuthenticationError, match="no basic auth credentials"):
            auth(service, AuthConfig(), "")
        assert second.seen == []


def test_unconfirmed_authorizer_error_falls_back() -> None:
    with StubServer(_basic_registry("pw", v2=False)) as first, StubServer(
        lambda seen: Answer(200, [V2])
    ) as second:
        service = EndpointService(insecure_endpoint(first.url), insecure_endpoint(second.url))
        assert auth(service, AuthConfig(), "") == (LOGIN_SUCCEEDED, "")
        assert len(second.seen) == 2


def test_unconfirmed_failure_falls_back() -> None:
    with StubServer(_basic_registry("other", v2=False)) as first, StubServer(
        _basic_registry("pw")
    ) as second:
        service = EndpointService(insecure_endpoint(first.url), insecure_endpoint(second.url))
        assert auth(service, AuthConfig(username="alice", password="pw"), "") == (
            LOGIN_SUCCEEDED, ""
        )
        assert len(first.seen) == 2
        assert len(second.seen) == 2


def test_https_that_answered_is_not_retried_over_http(loopback_tls: tuple[Any, Any]) -> None:
    # The reference would fall back to http://host and send the password in clear text.
    password = "Canary-clear-text-pw"
    with StubServer(_basic_registry("other", v2=False), tls=loopback_tls) as https_twin, \
            StubServer(_basic_registry(password)) as http_twin:
        port = https_twin.port
        http_url = f"http://127.0.0.1:{port}"
        service = EndpointService(insecure_endpoint(https_twin.url), insecure_endpoint(http_url))
        config = AuthConfig(username="alice", password=password)
        with pytest.raises(LoginError) as info:
            auth(service, config, "")
        assert str(info.value) == (
            f"login attempt to {https_twin.url}/v2/ failed with status: 401 Unauthorized"
        )
        assert http_twin.seen == []
        assert password not in str(info.value)


def test_untrusted_realm_is_refused_before_credentials_leave() -> None:
    password = "Canary-realm-pw"
    with StubServer(lambda seen: Answer(200, [], b'{"token": "t"}')) as hostile:
        def route(seen: Seen) -> Answer:
            challenge = f'Bearer realm="https://evil.example/{hostile.url}/token",service="s"'
            return Answer(401, [V2, ("WWW-Authenticate", challenge)])

        with StubServer(route) as registry:
            endpoint = APIEndpoint(url=registry.url.replace("127.0.0.1", "localhost"))
            service = EndpointService(endpoint)
            with pytest.raises(UntrustedRealmError):
                auth(service, AuthConfig(username="alice", password=password), "")
    assert hostile.seen == []


def test_trust_realm_plugin_allows_another_domain() -> None:
    from registry_core.hookspecs import hookimpl

    with StubServer(lambda seen: Answer(200, [], b'{"token": "tok"}')) as tokens:
        def route(seen: Seen) -> Answer:
            if seen.authorization == "Bearer tok":
                return Answer(200, [V2])
            return Answer(401, [V2, ("WWW-Authenticate", f'Bearer realm="{tokens.url}/t"')])

        class Trust:
            @hookimpl
            def registry_trust_realm(self, realm: str, registry: str, secure: bool) -> bool:
                return realm == f"{tokens.url}/t"

        with StubServer(route) as registry:
            endpoint = insecure_endpoint(registry.url.replace("127.0.0.1", "localhost"))
            service = EndpointService(endpoint, plugins=[Trust()])
            config = AuthConfig(username="alice", password="pw")
            assert auth(service, config, "") == (LOGIN_SUCCEEDED, "")
            assert tokens.seen[0].basic == ("alice", "pw")


def test_login_v2_alone_reports_fallbacks() -> None:
    from registry_core.errors import FallbackError

    with StubServer(_basic_registry("pw", v2=False)) as server, pytest.raises(FallbackError):
        login_v2(AuthConfig(username="alice", password="bad"), insecure_endpoint(server.url), "")


def test_user_agent_and_plugin_modifiers_reach_the_registry() -> None:
    from registry_core.hookspecs import hookimpl
    from registry_core.transport import headers

    class Meta:
        @hookimpl
        def registry_request_modifiers(self, host: str) -> Any:
            return headers("", {"X-Meta-Team": ["build"]})

    with StubServer(_basic_registry("pw")) as server:
        service = EndpointService(insecure_endpoint(server.url), plugins=[Meta()])
        auth(service, AuthConfig(username="alice", password="pw"), "ua/1.0")
    for seen in server.seen:
        assert seen.header("User-Agent") == "ua/1.0"
        assert seen.header("X-Meta-Team") == "build"


# -- v1 login (stubs) ------------------------------------------------------------------------


def _v1(status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> Any:
    def route(seen: Seen) -> Answer:
        return Answer(status, headers or [], body)

    return route


def test_v1_login_succeeds() -> None:
    with StubServer(_v1(200)) as server:
        service = EndpointService(insecure_endpoint(server.url, APIVersion.V1))
        config = AuthConfig(username="alice", password="pw")
        assert auth(service, config, "ua") == (LOGIN_SUCCEEDED, "")
    [seen] = server.seen
    assert (seen.method, seen.path, seen.basic) == ("GET", "/v1/users/", ("alice", "pw"))


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "Wrong login/password, please try again"),
        (403, "Login: Account is not active. Please see the documentation of the registry "
              "{url}/v1/ for instructions how to activate it."),
        (500, "Internal Server Error"),
    ],
)
def test_v1_login_errors(status: int, message: str) -> None:
    with StubServer(_v1(status, b"whatever")) as server:
        service = EndpointService(insecure_endpoint(server.url, APIVersion.V1))
        with pytest.raises(LoginError) as info:
            auth(service, AuthConfig(username="a", password="b"), "")
    assert str(info.value) == message.format(url=server.url)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_v1_login_answer_cut_short_is_a_login_error(chunked: bool) -> None:
    # The index answers, then the connection ends before the body does: one LoginError that
    # says so, never urllib3's exception and never the password.
    password = "Canary-v1-cut-pw"

    def respond(request: Request, conn: Conn) -> None:
        framing = ("Transfer-Encoding", "chunked") if chunked else ("Content-Length", "4096")
        conn.head(200, [("Content-Type", "application/json"), framing])
        conn.send(b"400\r\n" + b"x" * 100 if chunked else b"x" * 100)

    with HostileServer(respond) as server:
        service = EndpointService(insecure_endpoint(server.url, APIVersion.V1))
        with pytest.raises(LoginError) as info:
            auth(service, AuthConfig(username="a", password=password), "")
    text = str(info.value)
    assert text.startswith("error reading the login answer: ") and "cut short" in text, text
    assert password not in text and password not in repr(info.value)


def test_v1_login_other_status_quotes_body_and_headers() -> None:
    password = "Canary-v1-pw"
    body = f"teapot says {password}".encode()
    with StubServer(_v1(418, body, [("X-B", "2"), ("x-a", "1"), ("X-A", "3")])) as server:
        service = EndpointService(insecure_endpoint(server.url, APIVersion.V1))
        with pytest.raises(LoginError) as info:
            auth(service, AuthConfig(username="a", password=password), "")
    text = str(info.value)
    assert text.startswith("Login: teapot says [redacted] (Code: 418; Headers: map[")
    assert "Content-Length:[" in text and "X-A:[1 3] X-B:[2]" in text
    assert password not in text


def test_realm_requests_get_the_realm_hosts_modifiers() -> None:
    with StubServer(lambda seen: Answer(200, [], b'{"token": "tok"}')) as tokens:
        def route(seen: Seen) -> Answer:
            if seen.authorization == "Bearer tok":
                return Answer(200, [V2])
            return Answer(401, [V2, ("WWW-Authenticate", f'Bearer realm="{tokens.url}/t"')])

        class Trust:
            @hookimpl
            def registry_trust_realm(self, realm: str, registry: str, secure: bool) -> bool:
                return True

        per_host = PerHostModifiers()
        with StubServer(route) as registry:
            endpoint = insecure_endpoint(registry.url.replace("127.0.0.1", "localhost"))
            service = EndpointService(endpoint, plugins=[Trust(), per_host])
            assert auth(service, AuthConfig(username="alice", password="pw"), "ua/2") == (
                LOGIN_SUCCEEDED, "")
    registry_host = f"localhost:{registry.port}"
    assert [s.header("X-For") for s in registry.seen] == [registry_host] * 2  # ping, login
    [fetch] = tokens.seen
    assert fetch.header("X-For") == tokens.host
    assert fetch.header("User-Agent") == "ua/2"


def test_v1_login_goes_through_the_v1_auth_transport_hook() -> None:
    from requests.adapters import BaseAdapter

    class Layer(BaseAdapter):
        """What a plugin's v1 auth layer might do: its own credentials, in place of basic."""

        def __init__(self, base: BaseAdapter, auth_config: AuthConfig | None) -> None:
            super().__init__()
            self.base = base
            self.username = auth_config.username if auth_config is not None else ""

        def send(  # type: ignore[override]
            self, request: requests.PreparedRequest, **kwargs: Any
        ) -> requests.Response:
            request = request.copy()
            request.headers["Authorization"] = f"Token for-{self.username}"
            return self.base.send(request, **kwargs)

        def close(self) -> None:
            self.base.close()

    calls: list[tuple[Any, ...]] = []

    class Mine:
        @hookimpl(tryfirst=True)
        def registry_v1_auth_transport(
            self, base: BaseAdapter, auth_config: AuthConfig | None, always_set_basic_auth: bool
        ) -> BaseAdapter:
            calls.append((type(base).__name__, auth_config, always_set_basic_auth))
            return Layer(base, auth_config)

    config = AuthConfig(username="alice", password="pw")
    with StubServer(_v1(200)) as server:
        service = EndpointService(insecure_endpoint(server.url, APIVersion.V1),
                              plugins=["registry_core_plugins.v1_token_auth", Mine()])
        assert auth(service, config, "ua") == (LOGIN_SUCCEEDED, "")
    [seen] = server.seen
    assert seen.authorization == "Token for-alice"
    assert calls == [("RegistryTransport", config, False)]
    assert calls[0][1] is not config  # a copy: the caller's config is not handed out


def test_v1_login_through_the_built_in_layer_sends_the_same() -> None:
    with StubServer(_v1(200)) as server:
        service = EndpointService(insecure_endpoint(server.url, APIVersion.V1),
                              plugins=["registry_core_plugins.v1_token_auth"])
        assert auth(service, AuthConfig(username="alice", password="pw"), "ua") == (
            LOGIN_SUCCEEDED, "")
    [seen] = server.seen
    assert seen.basic == ("alice", "pw") and seen.header("User-Agent") == "ua"


def test_v1_login_redirect_gets_its_own_hosts_modifiers_and_no_credentials() -> None:
    per_host = PerHostModifiers()
    with StubServer(_v1(200)) as other:
        moved = _v1(302, headers=[("Location", f"{other.url}/v1/users/")])
        with StubServer(moved) as server:
            endpoint = insecure_endpoint(server.url.replace("127.0.0.1", "localhost"),
                                         APIVersion.V1)
            service = EndpointService(
                endpoint, plugins=["registry_core_plugins.v1_token_auth", per_host]
            )
            assert auth(service, AuthConfig(username="alice", password="pw"), "ua") == (
                LOGIN_SUCCEEDED, "")
    [first] = server.seen
    [landing] = other.seen
    assert first.header("X-For") == f"localhost:{server.port}" and first.basic is not None
    assert landing.header("X-For") == other.host and landing.authorization is None
    assert first.header("User-Agent") == landing.header("User-Agent") == "ua"


def test_v1_transport_error_falls_back() -> None:
    with StubServer(_v1(200)) as server:
        service = EndpointService(insecure_endpoint(_unused_url(), APIVersion.V1),
                               insecure_endpoint(server.url, APIVersion.V1))
        assert auth(service, AuthConfig(), "") == (LOGIN_SUCCEEDED, "")


def test_go_header_map_and_status_text() -> None:
    response = requests.Response()
    response.headers.update({"content-type": "text/plain", "x-docker-thing": "v"})
    assert go_header_map(response) == "map[Content-Type:[text/plain] X-Docker-Thing:[v]]"
    assert go_status_text(414) == "Request URI Too Long"
    assert go_status_text(418) == "I'm a teapot"
    assert go_status_text(599) == ""


# -- the auth config is never changed --------------------------------------------------------


def test_auth_config_untouched_on_failure() -> None:
    with StubServer(_basic_registry("pw")) as server:
        service = EndpointService(insecure_endpoint(server.url))
        config = AuthConfig(username="alice", password="bad", identity_token="")
        before = dataclasses.replace(config)
        with pytest.raises(LoginError):
            auth(service, config, "")
    assert config == before
