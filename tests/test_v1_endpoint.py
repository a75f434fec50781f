"""V1Endpoint: addresses, pings, validation; v1 login reached through a plugin's endpoint."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from registry_core import V1Endpoint, new_v1_endpoint
from registry_core.constants import INDEX_SERVER
from registry_core.errors import InvalidArgumentError, LoginError, RegistryError
from registry_core.hookspecs import hookimpl
from registry_core.service import DefaultService
from registry_core.tlsconfig import TLSConfig
from registry_core.types import APIEndpoint, APIVersion, AuthConfig, IndexInfo
from registry_core.v1endpoint import new_v1_endpoint_from_str, trim_v1_address
from tests.http_stub import Answer, Seen, StubServer
from tests.v1_helpers import ALICE, BOB, Hub, hub_fixture, service_fixture  # noqa: F401 - fixtures


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("registry.example", "https://registry.example/v1/"),
        ("registry.example:5000/v1/", "https://registry.example:5000/v1/"),
        ("http://registry.example/v1", "http://registry.example/v1/"),
        ("https://registry.example/mirror/", "https://registry.example/mirror/v1/"),
        (INDEX_SERVER, INDEX_SERVER),
    ],
)
def test_address_normalization(address: str, expected: str) -> None:
    endpoint = new_v1_endpoint_from_str(address, None, "", None)
    assert str(endpoint) == expected
    assert endpoint.path("_ping") == expected + "_ping"


def test_other_api_versions_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="^unsupported V1 version path v2$"):
        new_v1_endpoint_from_str("registry.example/v2/", None, "", None)
    assert trim_v1_address("https://h/v1/") == "https://h"
    assert trim_v1_address("https://h/x") == "https://h/x"


def test_official_index_is_never_pinged() -> None:
    endpoint = new_v1_endpoint_from_str("index.docker.io", TLSConfig(), "", None)
    assert str(endpoint) == INDEX_SERVER
    result = endpoint.ping()  # no request: there is no network in the tests
    assert (result.version, result.standalone) == ("", False)


PING_CASES = [
    (b'{"version": "0.9", "standalone": false}', [], ("0.9", False)),
    (b"not json", [], ("", True)),
    (b"", [("X-Docker-Registry-Version", "0.6.0")], ("0.6.0", True)),
    (b'{"standalone": false}', [("X-Docker-Registry-Standalone", "TRUE")], ("", True)),
    (b'{"standalone": false}', [("X-Docker-Registry-Standalone", "1")], ("", True)),
    (b"{}", [("X-Docker-Registry-Standalone", "yes")], ("", False)),
    (b'{"standalone": false}', [("X-Docker-Registry-Standalone", "")], ("", False)),
    (b'{"version": 7, "standalone": "no"}', [], ("", True)),
]


@pytest.mark.parametrize(("body", "headers", "expected"), PING_CASES)
def test_ping_reads_body_then_headers(
    body: bytes, headers: list[tuple[str, str]], expected: tuple[str, bool]
) -> None:
    def route(seen: Seen) -> Answer:
        return Answer(418, headers, body)  # any status is accepted

    with StubServer(route) as server:
        result = V1Endpoint(server.url).ping()
    assert (result.version, result.standalone) == expected
    assert server.seen[0].path == "/v1/_ping"


def test_insecure_index_falls_back_to_http(service: DefaultService) -> None:
    with StubServer(lambda seen: Answer(200, [], b"true")) as server:
        endpoint = new_v1_endpoint(IndexInfo(name=server.host), "ua", None, hooks=service.hooks)
    assert endpoint.scheme == "http"
    assert str(endpoint) == f"http://{server.host}/v1/"
    assert not endpoint.is_secure


def test_secure_index_never_falls_back(service: DefaultService) -> None:
    with StubServer(lambda seen: Answer(200, [], b"true")) as server:
        with pytest.raises(RegistryError) as caught:
            new_v1_endpoint(IndexInfo(name=server.host, secure=True), "ua", None,
                            hooks=service.hooks)
        assert server.seen == []  # no plain-http request went out
    message = str(caught.value)
    assert message.startswith(f"invalid registry endpoint https://{server.host}/v1/: ")
    assert f"--insecure-registry {server.host}" in message
    assert f"/etc/docker/certs.d/{server.host}/ca.crt" in message


def test_unreachable_insecure_index_reports_both_attempts(service: DefaultService) -> None:
    with StubServer() as server:
        host = server.host
    with pytest.raises(RegistryError) as caught:
        new_v1_endpoint(IndexInfo(name=host), "ua", None, hooks=service.hooks)
    message = str(caught.value)
    assert message.startswith(f'invalid registry endpoint "http://{host}/v1/". HTTPS attempt: ')
    assert ". HTTP attempt: " in message


def test_api_endpoint_to_v1_endpoint() -> None:
    api = APIEndpoint(url="https://registry.example:5000", version=APIVersion.V1,
                      tls_config=TLSConfig(insecure_skip_verify=True))
    endpoint = api.to_v1_endpoint("ua", {"X-Meta": "1"})
    assert str(endpoint) == "https://registry.example:5000/v1/"
    assert not endpoint.is_secure
    assert endpoint.tls_config.insecure_skip_verify


# -- v1 login through a plugin that offers a v1 endpoint ---------------------------------


class V1EndpointPlugin:
    """A mirror-policy plugin offering the v1 index of one host (the reference's lookup only
    offers v2, so this is the only way v1 login is reached)."""

    def __init__(self, host: str, url: str) -> None:
        self.host = host
        self.url = url

    @hookimpl(tryfirst=True)
    def registry_endpoints(
        self, service: DefaultService, config: object, hostname: str, action: str
    ) -> Sequence[APIEndpoint] | None:
        if hostname != self.host:
            return None
        return [APIEndpoint(url=self.url, version=APIVersion.V1,
                            tls_config=service.tls_config(hostname))]


@pytest.fixture
def v1_service(hub: Hub) -> DefaultService:
    service = DefaultService()
    service.plugin_manager.register(V1EndpointPlugin(hub.host, hub.index.server.url))
    return service


def test_auth_reaches_v1_login(hub: Hub, v1_service: DefaultService) -> None:
    config = AuthConfig(username=ALICE.username, password=ALICE.password,
                        server_address=hub.host)
    assert v1_service.auth(config, "ua/1") == ("Login Succeeded", "")
    login = [s for s in hub.index.server.seen if s.path == "/v1/users/"]
    assert login and login[0].basic == (ALICE.username, ALICE.password)


def test_v1_login_refusals(hub: Hub, v1_service: DefaultService) -> None:
    wrong = AuthConfig(username=ALICE.username, password="wrong", server_address=hub.host)
    with pytest.raises(LoginError, match="^Wrong login/password, please try again$"):
        v1_service.auth(wrong, "ua")
    inactive = AuthConfig(username=BOB.username, password=BOB.password, server_address=hub.host)
    with pytest.raises(LoginError, match="^Login: Account is not active. Please see the "
                                         "documentation of the registry"):
        v1_service.auth(inactive, "ua")
