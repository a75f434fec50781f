"""Layer downloads across broken connections: a fault proxy between the session and a v1
registry cuts, resets and rewrites the answers."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from registry_core import new_session
from registry_core.errors import TransportError
from registry_core.resumable import ResponseStream, ResumableLayerReader, backoff
from registry_core.v1endpoint import V1Endpoint
from registry_core.v1session import Session
from tests.fault_proxy import FaultProxy, Rule
from tests.v1_server import Image, V1Registry

LAYER = secrets.token_bytes(20_000)
IMAGE = Image("9f" * 32, b'{"id": "' + b"9f" * 32 + b'"}', LAYER)


@pytest.fixture
def registry() -> Iterator[V1Registry]:
    registry = V1Registry().start()  # standalone, no accounts: anyone may read
    registry.add_image(IMAGE)
    try:
        yield registry
    finally:
        registry.stop()


def session_for(registry: V1Registry) -> Session:
    return new_session(None, None, V1Endpoint(registry.server.url))


def open_layer(registry: V1Registry, proxy: FaultProxy, size: int = len(LAYER)) -> object:
    stream = session_for(registry).get_remote_image_layer(IMAGE.id, f"{proxy.url}/v1/", size)
    if isinstance(stream, ResumableLayerReader):
        stream.sleep = lambda seconds: None  # no waiting in tests
    return stream


def ranges(registry: V1Registry) -> list[str | None]:
    return [seen.header("Range") for seen in registry.server.seen if seen.path.endswith("/layer")]


def test_cut_connections_resume_with_identical_bytes(registry: V1Registry) -> None:
    """Every connection is closed after 3000 bytes of body (a reset could make the kernel
    drop bytes already received, so the cut is an orderly close)."""
    with FaultProxy(registry.server.host, Rule(cut_body_after=3_000)) as proxy:
        stream = open_layer(registry, proxy)
        assert isinstance(stream, ResumableLayerReader)
        with stream:
            data = b"".join(iter(lambda: stream.read(4096), b""))
    assert data == LAYER
    assert ranges(registry) == [None] + [f"bytes={n}-19999" for n in range(3000, 20000, 3000)]
    assert stream.resumes == 6


def test_no_progress_gives_up(registry: V1Registry) -> None:
    with FaultProxy(registry.server.host, Rule(cut_body_after=0, reset=True)) as proxy:
        stream = open_layer(registry, proxy)
        with pytest.raises(TransportError, match="giving up after 5 attempts without progress"):
            stream.read()  # type: ignore[attr-defined]


def test_a_200_is_never_appended(registry: V1Registry) -> None:
    with FaultProxy(registry.server.host, Rule.ignore_range()) as proxy:
        proxy.set_rule(Rule(cut_body_after=5_000), connection=1)
        stream = open_layer(registry, proxy)
        first = stream.read(5_000)  # type: ignore[attr-defined]
        assert first == LAYER[:5_000]
        with pytest.raises(TransportError, match="the server doesn't support byte ranges"):
            stream.read(5_000)  # type: ignore[attr-defined]


def test_content_range_must_start_where_the_stream_stopped(registry: V1Registry) -> None:
    wrong = Rule(response_headers={"Content-Range": "bytes 0-19999/20000"})
    with FaultProxy(registry.server.host, wrong) as proxy:
        proxy.set_rule(Rule(cut_body_after=5_000), connection=1)
        stream = open_layer(registry, proxy)
        assert stream.read(5_000) == LAYER[:5_000]  # type: ignore[attr-defined]
        with pytest.raises(TransportError, match="got Content-Range 'bytes 0-19999/20000'"):
            stream.read(5_000)  # type: ignore[attr-defined]


def test_a_short_stream_is_never_returned_quietly(registry: V1Registry) -> None:
    """The size says 25000, the body ends cleanly at 20000: the reference would return a
    short layer; here the stream asks for the rest, gets 416, and fails."""
    with FaultProxy(registry.server.host) as proxy:
        stream = open_layer(registry, proxy, size=25_000)
        assert stream.read(20_000) == LAYER  # type: ignore[attr-defined]
        with pytest.raises(TransportError, match="resuming got status 416"):
            stream.read(1)  # type: ignore[attr-defined]


def test_without_ranges_the_stream_is_plain(registry: V1Registry) -> None:
    with FaultProxy(registry.server.host, Rule(response_headers={"Accept-Ranges": None})) as proxy:
        stream = open_layer(registry, proxy)
        assert isinstance(stream, ResponseStream)
        assert stream.read() == LAYER
    with FaultProxy(registry.server.host, Rule(response_headers={"Accept-Ranges": None},
                                               cut_body_after=1_000)) as proxy:
        stream = open_layer(registry, proxy)
        with pytest.raises(TransportError):
            stream.read()  # type: ignore[attr-defined]


def test_unknown_size_is_not_resumable(registry: V1Registry) -> None:
    with FaultProxy(registry.server.host) as proxy:
        stream = open_layer(registry, proxy, size=-1)
        assert isinstance(stream, ResponseStream)
        assert stream.read() == LAYER


def test_backoff_grows_and_is_bounded() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [0.1, 0.2, 0.4]
    assert backoff(30) == 5.0
