"""The v1 auth layer (``X-Docker-Token``), driven against a loopback v1 index."""

from __future__ import annotations

import base64
import json
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest
import requests
from registry_core_plugins import v1_token_auth
from registry_core_plugins.v1_token_auth import AuthTransport, auth_transport, trusted_location
from requests.adapters import BaseAdapter, HTTPAdapter

from registry_core.errors import AuthenticationError
from registry_core.hookspecs import PROJECT_NAME, hookimpl, hookspec
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.tlsconfig import TLSConfig
from registry_core.transport import RedirectedRequest, http_client, new_transport
from registry_core.types import AuthConfig
from tests.http_stub import Answer, Route, Seen, StubServer
from tests.tls_helpers import issue_cert, make_ca, server_context

USERNAME = "alice"
PASSWORD = "pässwörd-s3cret"
#: The shape the v1 index issues (a token holds commas of its own).
TOKEN = 'signature=abc123,repository="library/busybox",access=read'
SECOND_TOKEN = 'signature=def456,repository="library/busybox",access=write'
UNSOLICITED = "signature=unasked,repository=x,access=write"
HUB_NAME = "index.docker.io"


def index_route(port: int) -> Route:
    """A v1 index on ``port``: ``X-Docker-Token`` is issued when a request asks with ``true``."""

    def route(seen: Seen) -> Answer:
        asked = seen.header("X-Docker-Token") == "true"
        tokens: list[str] = []
        if seen.path.startswith("/v1/unsolicited"):
            tokens = [UNSOLICITED]
        elif seen.path.startswith("/v1/two-tokens") and asked:
            tokens = [TOKEN, SECOND_TOKEN]
        elif asked:
            tokens = [TOKEN]
        if seen.path.startswith("/v1/search"):
            body = json.dumps({"query": "busybox", "num_results": 0, "results": []}).encode()
        else:
            body = b"true"
        headers = [("Content-Type", "application/json")]
        if asked:
            headers.append(("X-Docker-Endpoints", f"127.0.0.1:{port}"))
        headers += [("X-Docker-Token", token) for token in tokens]
        return Answer(200, headers, body)

    return route


def v1_index(tls: ssl.SSLContext | None = None) -> StubServer:
    server = StubServer(tls=tls)
    server.route = index_route(server.port)
    return server


@pytest.fixture
def index() -> Iterator[StubServer]:
    with v1_index() as server:
        yield server


@pytest.fixture
def base_url(index: StubServer) -> str:
    return index.url


@pytest.fixture
def hub_resolves_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``index.docker.io`` resolve to 127.0.0.1, so the trusted name reaches our server."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == HUB_NAME else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def tls_hub(tmp_path: Path, hub_resolves_to_loopback: None) -> Iterator[tuple[StubServer, Path]]:
    """A v1 index served over TLS as ``index.docker.io`` on loopback, and its CA's file."""
    ca = make_ca()
    context = server_context(issue_cert(ca, [HUB_NAME]), tmp_dir=tmp_path)
    with v1_index(context) as server:
        yield server, ca.write_cert(tmp_path / "ca.crt")


def config() -> AuthConfig:
    return AuthConfig(username=USERNAME, password=PASSWORD)


def basic(username: str = USERNAME, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def prepare(url: str, headers: dict[str, str] | None = None) -> requests.PreparedRequest:
    return requests.Request("GET", url, headers=headers or {}).prepare()


def get(
    transport: BaseAdapter, url: str, verify: bool | str = True, **headers: str
) -> requests.Response:
    response = transport.send(
        prepare(url, {k.replace("_", "-"): v for k, v in headers.items()}),
        verify=verify,
        timeout=10,
    )
    _ = response.content  # read it, so the connection goes back to the pool
    return response


ASK = {"X_Docker_Token": "true"}
ASK_HEADER = {"X-Docker-Token": "true"}


# --- the token flow of the official index -----------------------------------------------


def test_asking_for_a_token_sends_basic_auth_and_later_requests_send_the_token(
    index: StubServer, base_url: str
) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    response = get(transport, f"{base_url}/v1/search?q=busybox&n=25", **ASK)
    assert response.status_code == 200
    assert index.seen[-1].authorization == basic()  # UTF-8, as Go's SetBasicAuth
    get(transport, f"{base_url}/v1/repositories/library/busybox/tags")
    assert index.seen[-1].authorization == f"Token {TOKEN}"


def test_tokens_from_several_header_lines_are_joined_with_commas(
    index: StubServer, base_url: str
) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    get(transport, f"{base_url}/v1/two-tokens", **ASK)
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization == f"Token {TOKEN},{SECOND_TOKEN}"


def test_a_new_token_replaces_the_held_ones(index: StubServer, base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    get(transport, f"{base_url}/v1/two-tokens", **ASK)
    get(transport, f"{base_url}/v1/search?q=x", **ASK)
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization == f"Token {TOKEN}"


def test_a_token_the_client_did_not_ask_for_is_ignored(index: StubServer, base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    response = get(transport, f"{base_url}/v1/unsolicited")
    assert response.headers["X-Docker-Token"] == UNSOLICITED  # the server did send one
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization is None


def test_an_unsolicited_token_does_not_replace_a_held_one(index: StubServer, base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    get(transport, f"{base_url}/v1/search?q=x", **ASK)
    get(transport, f"{base_url}/v1/unsolicited")
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization == f"Token {TOKEN}"


def test_no_credentials_before_any_token(index: StubServer, base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization is None


@pytest.mark.parametrize("auth_config", [None, AuthConfig(password=PASSWORD)])
def test_asking_without_a_user_name_sends_no_basic_auth(
    index: StubServer, base_url: str, auth_config: AuthConfig | None
) -> None:
    transport = auth_transport(HTTPAdapter(), auth_config, False)
    get(transport, f"{base_url}/v1/search?q=x", **ASK)
    assert index.seen[-1].authorization is None
    # The index still issued a token (anonymous), and it is used from then on, even when
    # asking again.
    get(transport, f"{base_url}/v1/search?q=y", **ASK)
    assert index.seen[-1].authorization == f"Token {TOKEN}"


def test_only_the_exact_value_true_asks_for_a_token(index: StubServer, base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    get(transport, f"{base_url}/v1/_ping", X_Docker_Token="True")
    assert index.seen[-1].authorization is None


def test_an_authorization_already_set_is_kept(index: StubServer, base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    get(transport, f"{base_url}/v1/search?q=x", Authorization="Bearer mine", **ASK)
    assert index.seen[-1].authorization == "Bearer mine"
    # ... and the token issued to that request is held all the same.
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization == f"Token {TOKEN}"
    get(transport, f"{base_url}/v1/_ping", Authorization="Bearer mine")
    assert index.seen[-1].authorization == "Bearer mine"


# --- always_set_basic_auth (a standalone private v1 registry) ---------------------------


def test_always_set_basic_auth_sends_basic_auth_on_every_request(
    index: StubServer, base_url: str
) -> None:
    transport = auth_transport(HTTPAdapter(), config(), True)
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization == basic()
    get(transport, f"{base_url}/v1/search?q=x", **ASK)
    assert index.seen[-1].authorization == basic()
    get(transport, f"{base_url}/v1/_ping", Authorization="Bearer mine")
    assert index.seen[-1].authorization == basic()  # as the reference: overridden


def test_always_set_basic_auth_with_an_empty_user_still_sends_it(
    index: StubServer, base_url: str
) -> None:
    transport = auth_transport(HTTPAdapter(), AuthConfig(), True)
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization == basic("", "")


def test_always_set_basic_auth_without_config_is_an_error(index: StubServer, base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(), None, True)
    with pytest.raises(AuthenticationError, match="^unexpected error: empty auth config$"):
        get(transport, f"{base_url}/v1/_ping")
    assert index.seen == []


# --- redirects --------------------------------------------------------------------------


@pytest.mark.parametrize("always", [False, True])
def test_a_redirect_to_an_untrusted_location_gets_no_credentials(
    index: StubServer, base_url: str, always: bool
) -> None:
    transport = auth_transport(HTTPAdapter(), config(), always)
    get(transport, f"{base_url}/v1/search?q=x", **ASK)  # holds a token unless always
    get(
        transport,
        f"{base_url}/v1/search?q=x",
        Referer="https://index.docker.io/v1/search?q=x",
        **ASK,
    )
    assert index.seen[-1].authorization is None
    assert index.seen[-1].header("Referer") == "https://index.docker.io/v1/search?q=x"


def test_a_redirect_to_an_untrusted_location_works_without_config(
    index: StubServer, base_url: str
) -> None:
    transport = auth_transport(HTTPAdapter(), None, True)
    get(transport, f"{base_url}/v1/_ping", Referer="https://index.docker.io/")
    assert index.seen[-1].authorization is None


def test_a_token_issued_on_an_untrusted_redirect_is_not_held(
    index: StubServer, base_url: str
) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    get(transport, f"{base_url}/v1/search?q=x", Referer="https://index.docker.io/", **ASK)
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization is None


def test_docker_io_over_plain_http_is_untrusted(
    index: StubServer, hub_resolves_to_loopback: None
) -> None:
    transport = auth_transport(HTTPAdapter(), config(), True)
    get(transport, f"http://{HUB_NAME}:{index.port}/v1/_ping", Referer="https://x/")
    assert index.seen[-1].header("Host") == f"{HUB_NAME}:{index.port}"
    assert index.seen[-1].authorization is None


def test_a_redirect_to_a_trusted_location_gets_credentials(
    tls_hub: tuple[StubServer, Path],
) -> None:
    server, ca = tls_hub
    url = f"https://{HUB_NAME}:{server.port}"
    transport = auth_transport(HTTPAdapter(), config(), False)
    get(transport, f"{url}/v1/search?q=x", verify=str(ca), Referer=f"{url}/", **ASK)
    assert server.seen[-1].authorization == basic()
    get(transport, f"{url}/v1/_ping", verify=str(ca), Referer=f"{url}/")
    assert server.seen[-1].authorization == f"Token {TOKEN}"


def redirect_hop(url: str, redirected_from: str, headers: dict[str, str]) -> RedirectedRequest:
    """A hop as registry-core's session builds it: marked, and with no ``Referer``."""
    hop = RedirectedRequest()
    hop.prepare(method="GET", url=url, headers=headers)
    hop.redirected_from = redirected_from
    return hop


@pytest.mark.parametrize("always", [False, True])
def test_a_marked_hop_without_referer_to_an_untrusted_location_gets_nothing(
    index: StubServer, base_url: str, always: bool
) -> None:
    transport = auth_transport(HTTPAdapter(), config(), always)
    hop = redirect_hop(f"{base_url}/v1/search?q=x", "https://index.docker.io/v1/", ASK_HEADER)
    transport.send(hop, timeout=10).close()
    assert index.seen[-1].authorization is None and index.seen[-1].header("Referer") is None
    # ... and the token its answer carried is not held.
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization == (basic() if always else None)


@pytest.mark.parametrize("always", [False, True])
def test_an_https_to_http_redirect_through_the_session_gets_no_credentials(
    tls_hub: tuple[StubServer, Path], index: StubServer, always: bool
) -> None:
    # The session sends no Referer from https to http, as Go's client: the hop is still
    # recognised, so neither basic auth nor a held token goes to the plain-http host, and
    # the token it hands out is not kept.
    hub, ca = tls_hub
    hub_url = f"https://{HUB_NAME}:{hub.port}"
    evil = f"{index.url}/v1/search?q=x"
    hub_route = hub.route

    def route(seen: Seen) -> Answer:
        if seen.path.startswith("/v1/search"):
            return Answer(302, [("Location", evil)])
        return hub_route(seen)

    hub.route = route
    tls = TLSConfig()
    tls.add_root_ca(ca.read_text())
    transport = auth_transport(new_transport(tls), config(), always)
    with http_client(transport) as session:
        response = session.get(f"{hub_url}/v1/search?q=x", headers=ASK_HEADER, timeout=10)
        assert response.status_code == 200 and response.url == evil
        assert hub.seen[-1].authorization == basic()
        [landing] = index.seen
        assert landing.header("Referer") is None
        assert landing.header("X-Docker-Token") == "true"  # it asked, and was answered
        assert landing.authorization is None
        session.get(f"{hub_url}/v1/_ping", timeout=10)
        assert hub.seen[-1].authorization == (basic() if always else None)


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://index.docker.io/v1/", True),
        ("https://docker.io/", True),
        ("https://docker.com/", True),
        ("https://registry-1.docker.io:443/v2/", True),
        ("https://a.b.docker.com/x", True),
        ("https://user:pw@hub.docker.com/", True),
        ("http://index.docker.io/v1/", False),
        ("https://docker.io.evil.example/", False),
        ("https://evildocker.io/", False),
        ("https://docker.iox/", False),
        ("https://127.0.0.1/", False),
        ("https://docker.io@evil.example/", False),
        ("ftp://docker.io/", False),
        ("", False),
    ],
)
def test_trusted_location(url: str, trusted: bool) -> None:
    assert trusted_location(url) is trusted


# --- the caller's request, secrets, threads ---------------------------------------------


def test_the_callers_request_is_not_changed(index: StubServer, base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(), config(), False)
    request = prepare(f"{base_url}/v1/search?q=x", {"X-Docker-Token": "true"})
    headers_object = request.headers
    before = dict(request.headers)
    response = transport.send(request, timeout=10)
    assert index.seen[-1].authorization == basic()
    assert request.headers is headers_object
    assert dict(request.headers) == before
    assert "Authorization" not in request.headers
    assert response.request is not request
    # The same request object, sent again, now carries the token on the wire only.
    second = prepare(f"{base_url}/v1/_ping")
    transport.send(second, timeout=10)
    assert index.seen[-1].authorization == f"Token {TOKEN}"
    assert "Authorization" not in second.headers


def test_secrets_stay_out_of_logs_and_repr(
    index: StubServer, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    transport = auth_transport(HTTPAdapter(), config(), False)
    get(transport, f"{base_url}/v1/two-tokens", **ASK)
    get(transport, f"{base_url}/v1/_ping")
    get(transport, f"{base_url}/v1/_ping", Referer="https://index.docker.io/")
    messages = [r.getMessage() for r in caplog.records if r.name == v1_token_auth.__name__]
    assert any("holding 2 token(s)" in m for m in messages)
    assert any("untrusted location" in m for m in messages)
    for secret in (PASSWORD, "signature=", basic().split()[1]):
        assert secret not in caplog.text
        assert secret not in repr(transport)


def test_the_empty_config_error_carries_no_secret(base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(), None, True)
    with pytest.raises(AuthenticationError) as info:
        transport.send(prepare(f"{base_url}/", {"Authorization": f"Token {TOKEN}"}))
    assert TOKEN not in str(info.value)


def test_concurrent_requests_share_the_token(index: StubServer, base_url: str) -> None:
    transport = auth_transport(HTTPAdapter(pool_maxsize=8), config(), False)
    get(transport, f"{base_url}/v1/search?q=x", **ASK)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                get(transport, f"{base_url}/v1/search?q=x", **ASK)
                get(transport, f"{base_url}/v1/_ping")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    pings = [r for r in index.seen if r.path == "/v1/_ping"]
    assert len(pings) == 40
    assert {r.authorization for r in pings} == {f"Token {TOKEN}"}


# --- the adapter as an adapter ----------------------------------------------------------


def test_mounted_on_a_session(index: StubServer, base_url: str) -> None:
    with requests.Session() as session:
        session.trust_env = False
        session.mount("http://", auth_transport(HTTPAdapter(), config(), False))
        assert session.get(f"{base_url}/v1/search?q=x", headers=ASK_HEADER, timeout=10).ok
        assert index.seen[-1].authorization == basic()
        session.get(f"{base_url}/v1/_ping", timeout=10)
        assert index.seen[-1].authorization == f"Token {TOKEN}"


def test_close_closes_the_base(index: StubServer, base_url: str) -> None:
    base = HTTPAdapter()
    transport = auth_transport(base, config(), False)
    get(transport, f"{base_url}/v1/_ping")
    assert len(base.poolmanager.pools) == 1
    transport.close()
    assert len(base.poolmanager.pools) == 0


def test_no_base_means_a_new_http_adapter(index: StubServer, base_url: str) -> None:
    transport = auth_transport(None, config(), False)
    assert isinstance(transport.base, HTTPAdapter)
    assert get(transport, f"{base_url}/v1/_ping").status_code == 200


def test_send_options_reach_the_base(index: StubServer, base_url: str) -> None:
    class Recording(HTTPAdapter):
        def send(  # type: ignore[override]
            self, request: requests.PreparedRequest, **kwargs: Any
        ) -> requests.Response:
            self.kwargs = kwargs
            return super().send(request, **kwargs)

    base = Recording()
    transport = AuthTransport(base, config(), False)
    transport.send(prepare(f"{base_url}/v1/_ping"), stream=True, timeout=7, verify=False)
    assert base.kwargs == {
        "stream": True,
        "timeout": 7,
        "verify": False,
        "cert": None,
        "proxies": None,
    }


# --- the hook ---------------------------------------------------------------------------


class V1Specs:
    """Stands in for the spec the lead adds to ``RegistrySpecs``."""

    @hookspec(firstresult=True)
    def registry_v1_auth_transport(
        self, base: BaseAdapter | None, auth_config: AuthConfig | None, always_set_basic_auth: bool
    ) -> BaseAdapter | None:
        """The v1 auth layer around ``base``."""


def v1_manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(V1Specs)
    pm.register(v1_token_auth, name="registry_core_plugins.v1_token_auth")
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def test_the_hook_gives_the_default_transport(index: StubServer, base_url: str) -> None:
    base = HTTPAdapter()
    transport = v1_manager().hook.registry_v1_auth_transport(
        base=base, auth_config=config(), always_set_basic_auth=True
    )
    assert isinstance(transport, AuthTransport)
    assert transport.base is base
    get(transport, f"{base_url}/v1/_ping")
    assert index.seen[-1].authorization == basic()


def test_a_plugin_replaces_the_default_transport() -> None:
    class Mine:
        @hookimpl
        def registry_v1_auth_transport(self, base: BaseAdapter | None) -> BaseAdapter:
            return HTTPAdapter()

    transport = v1_manager(Mine()).hook.registry_v1_auth_transport(
        base=None, auth_config=config(), always_set_basic_auth=False
    )
    assert type(transport) is HTTPAdapter


def test_the_built_in_plugin_answers_through_the_core_hooks(
    index: StubServer, base_url: str
) -> None:
    pm = get_plugin_manager(plugins=["registry_core_plugins.v1_token_auth"], load_entrypoints=False)
    base = HTTPAdapter()
    transport = Hooks(pm).v1_auth_transport(base, config(), False)
    assert isinstance(transport, AuthTransport) and transport.base is base
    get(transport, f"{base_url}/v1/search?q=x", **ASK)
    assert index.seen[-1].authorization == basic()
