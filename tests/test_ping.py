"""``ping_v2_registry`` against a loopback server, with every ping_v2 conformance vector."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from urllib3 import HTTPHeaderDict

from registry_core.errors import RegistryError, TransportError
from registry_core.ping import api_versions, confirms_v2, ping_url, ping_v2_registry
from registry_core.types import APIEndpoint
from tests.conformance import load_cases
from tests.http_stub import Answer, Seen, StubServer, free_port


class _CaseServer(StubServer):
    """Answers ``GET /case/<n>/v2/`` with case ``n``'s status and headers, in order."""

    def __init__(self) -> None:
        super().__init__(self._answer)
        self.cases: dict[str, tuple[int, list[tuple[str, str]]]] = {}

    def _answer(self, seen: Seen) -> Answer:
        parts = seen.path.split("/")
        if len(parts) != 5 or parts[1] != "case" or parts[3:] != ["v2", ""]:
            return Answer(400)
        status, headers = self.cases[parts[2]]
        return Answer(status, headers)

    def endpoint(self, status: int, headers: list[tuple[str, str]]) -> str:
        name = str(len(self.cases))
        self.cases[name] = (status, headers)
        return f"{self.url}/case/{name}"


@pytest.fixture(scope="module")
def server() -> Iterator[_CaseServer]:
    with _CaseServer() as httpd:
        yield httpd


@pytest.fixture
def session() -> Iterator[requests.Session]:
    http = requests.Session()
    http.trust_env = False
    yield http
    http.close()


def _challenges(manager: Any, url: str) -> list[dict[str, Any]]:
    return [
        {"scheme": c.scheme, "parameters": c.parameters} for c in manager.get_challenges(url)
    ]


@pytest.mark.parametrize("case", load_cases("ping_v2"))
def test_conformance(case: dict[str, Any], server: _CaseServer, session: requests.Session) -> None:
    headers = [(name, value) for name, value in case["headers"]]
    endpoint = server.endpoint(case["status"], headers)
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(RegistryError):
            ping_v2_registry(endpoint, session)
        return
    manager, found_v2 = ping_v2_registry(endpoint, session)
    assert found_v2 == expect["found_v2"]
    assert _challenges(manager, ping_url(endpoint)) == expect["challenges"]


def test_conformance_through_default_transport(server: _CaseServer) -> None:
    # The same ping without a session of ours: the library builds its own transport.
    endpoint = server.endpoint(
        401,
        [
            ("WWW-Authenticate", 'Bearer realm="https://a/token",service="s"'),
            ("WWW-Authenticate", 'Basic realm="r"'),
            ("Docker-Distribution-Api-Version", "registry/2.0"),
        ],
    )
    manager, found_v2 = ping_v2_registry(APIEndpoint(url=endpoint))
    assert found_v2 is True
    assert _challenges(manager, endpoint + "/v2/") == [
        {"scheme": "bearer", "parameters": {"realm": "https://a/token", "service": "s"}},
        {"scheme": "basic", "parameters": {"realm": "r"}},
    ]


def test_ping_url_trims_trailing_slashes(server: _CaseServer, session: requests.Session) -> None:
    endpoint = server.endpoint(200, [("Docker-Distribution-Api-Version", "registry/2.0")])
    before = len(server.seen)
    _manager, found_v2 = ping_v2_registry(endpoint + "///", session)
    assert found_v2
    assert [seen.path for seen in server.seen[before:]] == [
        endpoint.removeprefix(server.url) + "/v2/"
    ]


def test_challenges_are_keyed_by_the_ping_url(
    server: _CaseServer, session: requests.Session
) -> None:
    endpoint = server.endpoint(401, [("WWW-Authenticate", "Basic")])
    manager, found_v2 = ping_v2_registry(endpoint, session)
    assert not found_v2
    assert _challenges(manager, endpoint + "/v2/") == [{"scheme": "basic", "parameters": {}}]
    assert manager.get_challenges(endpoint + "/") == []
    assert manager.get_challenges(endpoint.replace("127.0.0.1", "localhost") + "/v2/") == []


def test_unreachable_endpoint_is_a_transport_error(session: requests.Session) -> None:
    port = free_port()
    with pytest.raises(TransportError):
        ping_v2_registry(f"http://127.0.0.1:{port}", session)
    with pytest.raises(TransportError):
        ping_v2_registry(APIEndpoint(url=f"http://127.0.0.1:{port}"))


def _versions(*values: str) -> list[tuple[str, str]]:
    response = requests.Response()
    raw = type("Raw", (), {})()
    raw.headers = HTTPHeaderDict([("Docker-Distribution-Api-Version", v) for v in values])
    response.raw = raw
    return api_versions(response)


@pytest.mark.parametrize(
    ("values", "versions", "v2"),
    [
        (["registry/2.0"], [("registry", "2.0")], True),
        (["REGISTRY/2.0"], [("registry", "2.0")], True),
        (["registry/2.0,foo/1"], [("registry", "2.0,foo/1")], False),
        (["registry/2.0 registry/2.1"], [("registry", "2.0"), ("registry", "2.1")], True),
        (["foo/1", "registry/2.0"], [("foo", "1"), ("registry", "2.0")], True),
        (["registry/2"], [("registry", "2")], False),
        (["2.0"], [("unknown", "2.0")], False),
        (["registry/2.0/x"], [("registry", "2.0/x")], False),
        (["\tregistry/2.0\x0b"], [("registry", "2.0")], True),
        (["x\x1cregistry/2.0"], [("x\x1cregistry", "2.0")], False),
        # Go lower-cases U+0130 to a plain "i" (Python to "i" and a combining dot).
        (["REG\u0130STRY/2.0"], [("registry", "2.0")], True),
        ([""], [], False),
        ([], [], False),
    ],
)
def test_api_versions(values: list[str], versions: list[tuple[str, str]], v2: bool) -> None:
    got = _versions(*values)
    assert got == versions
    response = requests.Response()
    raw = type("Raw", (), {})()
    raw.headers = HTTPHeaderDict([("Docker-Distribution-Api-Version", v) for v in values])
    response.raw = raw
    assert confirms_v2(response) is v2
