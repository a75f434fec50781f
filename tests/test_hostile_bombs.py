"""Gzip bombs and huge answers on every body the library reads.

requests decodes ``Content-Encoding: gzip`` by itself, so a server can send about 1 MB that
inflates to 1 GiB. Every body the library decodes (a token answer, an error body, a manifest,
a tag list, v1 JSON, a search answer) must stay within its cap, measured on what it inflates
to, and end in a typed error; memory stays flat. (Blobs and layers are never inflated at all:
``tests/test_hostile_transfers.py``.) A 100 MB search answer is refused as well.

The servers are :class:`tests.hostile_server.HostileServer`: the token registry of
``tests/test_hostile_servers.py``, whose answers are replaced here, and a v1 index/registry
that answers with bombs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from registry_core import new_session
from registry_core.content import ContentTooLargeError
from registry_core.errors import (
    AuthenticationError,
    RegistryError,
    ResponseTooLargeError,
    TokenError,
)
from registry_core.service import DefaultService
from registry_core.types import AuthConfig
from registry_core.v1endpoint import V1Endpoint
from registry_core.v1session import MAX_SEARCH_BODY, Session
from tests.canary import Canary
from tests.hostile_server import Conn, HostileServer, Request
from tests.test_content_transfer import _endpoint, _service
from tests.test_hostile_servers import V2, Behaviour, Registry, _login, _tags
from tests.test_hostile_transfers import gzip_bomb, peak_of

MIB = 1 << 20
#: What a bounded read may cost at most, whatever the body inflates to (the largest cap
#: read whole is 32 MiB, for v1 JSON; Python holds it about twice while reading).
MEMORY_BOUND = 128 * MIB


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb()


@pytest.fixture
def registry(secret_canary: Canary) -> Iterator[Registry]:
    found = Registry(secret_canary.registry_token)
    with found.server:
        secret_canary.allow(found.server.host)
        yield found


def _bomb_at(bomb: bytes, path_end: str, status: int = 200,
             headers: Sequence[tuple[str, str]] = (), authorized: bool = True) -> Behaviour:
    """Answer requests whose path ends with ``path_end`` with the gzip bomb."""
    def behave(request: Request, conn: Conn, server: HostileServer) -> bool:
        path = request.path.partition("?")[0]
        if not path.endswith(path_end):
            return False
        if authorized and not request.header("authorization"):
            return False
        conn.head(status, [("Content-Encoding", "gzip"), ("Content-Type", "application/json"),
                           ("Content-Length", str(len(bomb))), V2, *headers])
        conn.send(bomb)
        return True

    return behave


def _measured(call: Callable[[], Any]) -> tuple[int, BaseException | None]:
    def run() -> BaseException | None:
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - the test asserts its type
            return exc
        return None

    return peak_of(run)


def test_a_gzip_bomb_token_answer_is_a_typed_error(registry: Registry, bomb: bytes,
                                                   secret_canary: Canary) -> None:
    registry.override = _bomb_at(bomb, "/token", authorized=False)
    peak, error = _measured(lambda: _login(DefaultService(), registry, secret_canary))
    assert isinstance(error, TokenError), error
    assert peak < MEMORY_BOUND


def test_a_gzip_bomb_tag_list_is_refused(registry: Registry, bomb: bytes,
                                        secret_canary: Canary) -> None:
    registry.override = _bomb_at(bomb, "/tags/list")
    peak, error = _measured(lambda: _tags(registry, secret_canary))
    assert isinstance(error, ResponseTooLargeError), error
    assert peak < MEMORY_BOUND


def test_a_gzip_bomb_error_body_is_cut(registry: Registry, bomb: bytes,
                                      secret_canary: Canary) -> None:
    challenge = (f'Bearer realm="{registry.server.url}/token",service="svc",'
                 'scope="repository:team/app:pull",error="insufficient_scope"')
    registry.override = _bomb_at(bomb, "/tags/list", 401, [("WWW-Authenticate", challenge)])
    peak, error = _measured(lambda: _tags(registry, secret_canary))
    assert isinstance(error, AuthenticationError), error
    assert peak < MEMORY_BOUND


def _content_call(registry: Registry, call: Callable[[Any], Any]) -> Callable[[], Any]:
    host = registry.server.host

    def run() -> Any:
        service = _service(host, [_endpoint(registry.server.url)])
        with service.repository(f"{host}/team/app") as repo:
            return call(repo)

    return run


@pytest.mark.parametrize(("path_end", "call", "expected"), [
    ("/manifests/1.0", lambda repo: repo.get_manifest("1.0"), ContentTooLargeError),
    ("/tags/list", lambda repo: repo.tags(), ResponseTooLargeError),
    # An error body, only quoted: cut, and the error is the status's.
    ("/manifests/2.0", lambda repo: repo.get_manifest("2.0"), RegistryError),
], ids=["manifest", "tags", "error-body"])
def test_gzip_bombs_on_content_answers(registry: Registry, bomb: bytes, path_end: str,
                                       call: Callable[[Any], Any],
                                       expected: type[Exception]) -> None:
    status = 404 if path_end.endswith("2.0") else 200
    registry.override = _bomb_at(bomb, path_end, status)
    peak, error = _measured(_content_call(registry, call))
    assert isinstance(error, expected), error
    assert peak < MEMORY_BOUND


# -- v1 ----------------------------------------------------------------------------------------

IMAGE_ID = "5c" * 32


class V1Bombs:
    """A v1 index and registry whose JSON answers and search answers are bombs or huge."""

    def __init__(self, bomb: bytes) -> None:
        self.bomb = bomb
        self.search_body: Callable[[Conn], None] = self.send_bomb
        self.server = HostileServer(self.respond)

    def send_bomb(self, conn: Conn) -> None:
        conn.head(200, [("Content-Encoding", "gzip"), ("Content-Type", "application/json"),
                        ("Content-Length", str(len(self.bomb))), ("X-Docker-Size", "10")])
        conn.send(self.bomb)

    def respond(self, request: Request, conn: Conn) -> None:
        path = request.path.partition("?")[0]
        if path == "/v1/_ping":
            body = b"true"
            conn.head(200, [("Content-Length", str(len(body))),
                            ("X-Docker-Registry-Version", "0.6.0")])
            conn.send(body)
        elif path == "/v1/search":
            self.search_body(conn)
        else:
            self.send_bomb(conn)


@pytest.fixture
def v1_bombs(bomb: bytes) -> Iterator[V1Bombs]:
    server = V1Bombs(bomb)
    with server.server:
        yield server


def _v1_session(server: V1Bombs) -> Session:
    return new_session(None, None, V1Endpoint(server.server.url))


@pytest.mark.parametrize("call", [
    lambda session, registry: session.get_remote_image_json(IMAGE_ID, registry),
    lambda session, registry: session.get_remote_history(IMAGE_ID, registry),
], ids=["json", "ancestry"])
def test_gzip_bombs_on_v1_json(v1_bombs: V1Bombs, call: Callable[[Session, str], Any]) -> None:
    session = _v1_session(v1_bombs)
    peak, error = _measured(lambda: call(session, f"{v1_bombs.server.url}/v1/"))
    assert isinstance(error, RegistryError), error
    assert peak < MEMORY_BOUND


def test_a_gzip_bomb_search_answer_is_refused(v1_bombs: V1Bombs) -> None:
    session = _v1_session(v1_bombs)
    peak, error = _measured(lambda: session.search_repositories("app", 25))
    assert isinstance(error, ResponseTooLargeError), error
    assert f"larger than {MAX_SEARCH_BODY} bytes" in str(error)
    assert peak < MEMORY_BOUND


def test_a_100_mb_search_answer_is_refused(v1_bombs: V1Bombs,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def huge(conn: Conn) -> None:
        total = 100 * MIB
        start = b'{"num_results": 1, "results": [{"name": "'
        conn.head(200, [("Content-Type", "application/json"), ("Content-Length", str(total))])
        conn.send(start)
        conn.stream(b"a" * 65536, total - len(start))

    v1_bombs.search_body = huge
    monkeypatch.setenv("REGISTRY_CORE_CERTS_DIR", "")
    service = DefaultService()
    peak, error = _measured(lambda: service.search(
        f"{v1_bombs.server.host}/app", 25, AuthConfig(), "hostile-test", None))
    assert isinstance(error, ResponseTooLargeError), error
    assert f"larger than {MAX_SEARCH_BODY} bytes" in str(error)
    assert peak < MEMORY_BOUND
