"""DefaultService.search: the v1 session path and the v2 (identity token) path."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from registry_core.errors import (
    InvalidArgumentError,
    InvalidRepositoryNameError,
    V1ResponseError,
)
from registry_core.hookspecs import hookimpl
from registry_core.service import DefaultService
from registry_core.types import AuthConfig
from tests.token_issuer import TokenIssuer
from tests.v1_helpers import ALICE, BOB, Hub, hub_fixture, service_fixture  # noqa: F401 - fixtures
from tests.v1_server import Repository, V1Index


def names(results: object) -> list[str]:
    return sorted(result.name for result in results.results or [])  # type: ignore[attr-defined]


def test_search_without_credentials_sees_public_repositories(
    hub: Hub, service: DefaultService
) -> None:
    found = service.search(f"{hub.host}/app", 25, None, "search-test/1", {"X-Meta": ["m"]})
    assert names(found) == ["alice/app"]
    assert found.query == "app" and found.num_results == 1
    result = found.results[0]  # type: ignore[index]
    assert (result.description, result.star_count, result.is_official) == ("the app", 3, False)
    request = [s for s in hub.index.server.seen if s.path.startswith("/v1/search")][0]
    assert request.query == {"q": ["app"], "n": ["25"]}
    assert request.header("User-Agent") == "search-test/1"
    assert request.header("X-Meta") == "m"
    assert request.header("Authorization") is None


def test_search_with_credentials_sees_own_private_repositories(
    hub: Hub, service: DefaultService
) -> None:
    auth = AuthConfig(username=ALICE.username, password=ALICE.password)
    found = service.search(f"{hub.host}/app", 10, auth, "ua", None)
    assert names(found) == ["alice/app", "alice/secret-app"]
    request = [s for s in hub.index.server.seen if s.path.startswith("/v1/search")][0]
    assert request.basic == (ALICE.username, ALICE.password)
    wrong = AuthConfig(username=ALICE.username, password="wrong")
    with pytest.raises(V1ResponseError, match="^Unexpected status code 401$"):
        service.search(f"{hub.host}/app", 10, wrong, "ua", None)


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_limit_is_checked_after_the_ping(hub: Hub, service: DefaultService, limit: int) -> None:
    with pytest.raises(InvalidArgumentError,
                       match=rf"^Limit {limit} is outside the range of \[1, 100\]$"):
        service.search(f"{hub.host}/app", limit, None, "ua", None)
    paths = [s.path for s in hub.index.server.seen]
    assert "/v1/_ping" in paths
    assert not any(path.startswith("/v1/search") for path in paths)


def test_terms_with_a_scheme_are_refused(service: DefaultService) -> None:
    with pytest.raises(InvalidRepositoryNameError):
        service.search("https://registry.example/app", 25, None, "ua", None)


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[TokenIssuer]:
    with TokenIssuer(tmp_path, users={ALICE.username: ALICE.password}) as issuer:
        yield issuer


@pytest.fixture
def hub_with_v2(issuer: TokenIssuer) -> Iterator[Hub]:
    hub = Hub(V1Index([ALICE, BOB], v2_tokens=issuer))
    try:
        yield hub
    finally:
        hub.stop()


def identity_token(issuer: TokenIssuer) -> str:
    answer = requests.post(issuer.realm, data={
        "grant_type": "password", "username": ALICE.username, "password": ALICE.password,
        "service": issuer.service, "client_id": "test", "access_type": "offline",
    }, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["refresh_token"])


def test_identity_token_searches_through_v2_auth(
    hub_with_v2: Hub, issuer: TokenIssuer, service: DefaultService
) -> None:
    token = identity_token(issuer)
    issuer.clear_requests()
    auth = AuthConfig(username=ALICE.username, identity_token=token)
    found = service.search(f"{hub_with_v2.host}/app", 25, auth, "ua", None)
    assert names(found) == ["alice/app", "alice/secret-app"]
    request = [s for s in hub_with_v2.index.server.seen if s.path.startswith("/v1/search")][-1]
    assert (request.header("Authorization") or "").startswith("Bearer ")
    assert any("registry:catalog:search" in seen.scopes for seen in issuer.requests)
    assert not any(seen.contains(token) for seen in hub_with_v2.index.server.seen)


def test_identity_token_without_v2_uses_the_v1_session(
    hub: Hub, service: DefaultService, caplog: pytest.LogCaptureFixture
) -> None:
    """The index answers ``/v2/`` without confirming v2: as in the reference the v1 session
    searches; it sends the user name with an empty password, which the index refuses."""
    auth = AuthConfig(username=ALICE.username, identity_token="some-refresh-token")
    with caplog.at_level(logging.DEBUG), pytest.raises(V1ResponseError, match="401"):
        service.search(f"{hub.host}/app", 25, auth, "ua", None)
    paths = [s.path for s in hub.index.server.seen]
    assert "/v2/" in paths and paths[-1].startswith("/v1/search")
    assert hub.index.server.seen[-1].basic == (ALICE.username, "")
    assert "some-refresh-token" not in caplog.text


def test_search_command(
    hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from registry_core.cli import main

    daemon = tmp_path / "daemon.json"
    daemon.write_text("{}")
    assert main(["search", f"{hub.host}/app", "--daemon-config", str(daemon)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "DESCRIPTION", "STARS", "OFFICIAL", "AUTOMATED"]
    assert lines[1].split() == ["alice/app", "the", "app", "3"]
    request = [s for s in hub.index.server.seen if s.path.startswith("/v1/search")][-1]
    assert request.query["n"] == ["25"]  # DEFAULT_SEARCH_LIMIT

    monkeypatch.setattr("sys.stdin", io.StringIO(ALICE.password + "\n"))
    assert main(["search", f"{hub.host}/app", "--daemon-config", str(daemon), "--json",
                 "-u", ALICE.username, "--password-stdin", "--limit", "5"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in answer["results"]] == ["alice/app", "alice/secret-app"]
    assert main(["search", f"{hub.host}/app", "--daemon-config", str(daemon),
                 "--limit", "0"]) == 1
    assert capsys.readouterr().err.strip() == (
        "registry-core: error: Limit 0 is outside the range of [1, 100]"
    )


class HubRoute:
    """Sends what the engine addresses to Docker Hub's index to the test index instead: a
    ``registry_send_request`` plugin rewriting the URL (no request leaves loopback)."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.urls: list[str] = []

    @hookimpl(tryfirst=True)
    def registry_send_request(self, request: requests.PreparedRequest, send: Any) -> Any:
        url = request.url or ""
        self.urls.append(url)
        if url.startswith("https://index.docker.io/"):
            request.url = url.replace("https://index.docker.io/", f"http://{self.host}/", 1)
            request.headers["Host"] = self.host
        return send(request)


def test_official_repositories_are_searched_without_library(hub: Hub) -> None:
    hub.index.add_repository(Repository("library/ubuntu", description="Ubuntu", stars=9,
                                        official=True))
    service = DefaultService()
    route = HubRoute(hub.host)
    service.plugin_manager.register(route)
    found = service.search("library/ubuntu", 25, None, "ua", None)
    assert names(found) == ["ubuntu"]
    assert found.results is not None and found.results[0].is_official
    # The official index is never pinged; the search went to it, for "ubuntu".
    assert route.urls == ["https://index.docker.io/v1/search?q=ubuntu&n=25"]
