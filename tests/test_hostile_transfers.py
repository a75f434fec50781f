"""Blob and layer transfers across a hostile network, set up for real on loopback.

v2 blobs come from the real ``docker-registry`` through :mod:`tests.fault_proxy`
(:meth:`Repository.open_blob <registry_core.content.Repository.open_blob>`); v1 layers from
:mod:`tests.v1_server` through the same proxy (``Session.get_remote_image_layer``). The proxy
resets connections mid-layer at seeded random offsets, drops ``Range`` so a resume gets a
``200``, rewrites ``Content-Range``, ends a body cleanly before its end, labels a gzip bomb
``Content-Encoding: gzip``, stalls and drips. What must hold: resumed bytes identical (and
digest checked), every bad answer refused, never a short stream, never an inflated body, a
stall or a drip ends in a typed error, and a slow but healthy transfer is not cut short.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from registry_core import new_session
from registry_core.content import DigestMismatchError, UnexpectedResponseError
from registry_core.content.repository import Repository
from registry_core.deadline import ProgressRule
from registry_core.errors import DeadlineExceededError, TransportError
from registry_core.resumable import ResponseStream, ResumableLayerReader
from registry_core.v1endpoint import V1Endpoint
from tests.fault_proxy import FaultProxy, Rule
from tests.fault_proxy import fault_proxy as fault_proxy  # noqa: F401  (the fixture)
from tests.registry_fixtures import RegistryEnv
from tests.test_content_transfer import _endpoint, _service
from tests.v1_server import Image, V1Registry

pytest_plugins = ["tests.registry_fixtures"]

MIB = 1 << 20
BLOB = random.Random("hostile-transfers").randbytes(6 * MIB)
BLOB_DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()
SEEDS = ["seed-a", "seed-b", "seed-c"]
#: Marks every answer, so that the proxy parses each exchange and gives it a connection of
#: its own: connection numbers then count requests.
ONE_PER_CONNECTION = Rule(response_headers={"X-Fault-Proxy": "1"})


def gzip_bomb(inflated: int = 1 << 30) -> bytes:
    """About 1 MB of gzip (concatenated members) that inflates to ``inflated`` bytes."""
    member = gzip.compress(b"\0" * (16 * MIB), 9)
    return member * (inflated // (16 * MIB))


def peak_of(call: Callable[[], Any]) -> tuple[int, Any]:
    """The peak of memory allocated by Python during ``call``, and its result."""
    tracemalloc.start()
    try:
        result = call()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


# -- v2 blobs, the real registry -------------------------------------------------------------


def _upload(registry: RegistryEnv, name: str, data: bytes) -> str:
    service = _service(registry.host, [_endpoint(f"http://{registry.host}")])
    with service.repository(f"{registry.host}/{name}", ("pull", "push")) as repo:
        return repo.upload_blob(data).digest


@pytest.fixture
def blob(plain_registry: RegistryEnv) -> str:
    digest = _upload(plain_registry, "team/blob", BLOB)
    assert digest == BLOB_DIGEST
    return digest


def _repository(proxy: FaultProxy, name: str = "team/blob", **options: Any) -> Repository:
    service = _service(proxy.host, [_endpoint(proxy.url)])
    return service.repository(f"{proxy.host}/{name}", **options)


@pytest.mark.parametrize("seed", SEEDS)
def test_resets_at_random_offsets_resume_with_identical_bytes(plain_registry, blob,
                                                              fault_proxy, seed):
    rule = Rule.cut_at_random(seed, 256 << 10, 3 * MIB, reset=True)
    proxy = fault_proxy(plain_registry.host, rule)
    # A reset may discard bytes the client had not read yet; only attempts without any
    # progress count against the budget.
    with _repository(proxy, max_resumes=10) as repo, repo.open_blob(blob) as reader:
        received = b"".join(reader.iter_chunks())
        resumes = reader.resumes
    assert received == BLOB
    assert "sha256:" + hashlib.sha256(received).hexdigest() == blob
    assert resumes >= 1
    assert len([e for e in plain_registry.registry.access_log()
                if e.method == "GET" and e.path.endswith(blob)]) == resumes + 1


def test_a_resume_answered_with_200_is_never_appended(plain_registry, blob, fault_proxy):
    proxy = fault_proxy(plain_registry.host, Rule(cut_body_after=MIB, reset=True,
                                                  request_headers={"Range": None}))
    chunks: list[bytes] = []
    with _repository(proxy) as repo, repo.open_blob(blob) as reader, \
            pytest.raises(UnexpectedResponseError, match="no partial content"):
        for chunk in reader.iter_chunks():
            chunks.append(chunk)
    assert BLOB.startswith(b"".join(chunks))


@pytest.mark.parametrize("content_range", [
    "bytes 0-6291455/6291456",        # the whole blob again
    "bytes 1048577-6291455/6291456",  # one byte further than asked
    "bytes 1048576-6291455/9999999",  # another blob's size
    "bytes 1048576-1048575/6291456",  # ends before it starts
    "bytes */6291456",                # not satisfiable, yet a 206
    "lines 1048576-6291455/6291456",
    "",
])
def test_a_wrong_content_range_is_refused(plain_registry, blob, fault_proxy, content_range):
    proxy = fault_proxy(plain_registry.host, Rule(
        cut_body_after=MIB, response_headers={"Content-Range": content_range}))
    with _repository(proxy) as repo, repo.open_blob(blob, size=len(BLOB)) as reader:
        assert reader.read(MIB) == BLOB[:MIB]
        with pytest.raises(UnexpectedResponseError, match="Content-Range"):
            reader.read(MIB)


def test_a_body_that_ends_cleanly_too_soon_is_an_error_not_a_short_blob(
        plain_registry, blob, fault_proxy):
    # No Content-Length and an orderly close: the answer looks complete.
    proxy = fault_proxy(plain_registry.host, Rule(
        cut_body_after=3 * MIB, response_headers={"Content-Length": None}))
    chunks: list[bytes] = []
    with _repository(proxy) as repo, repo.open_blob(blob) as reader, \
            pytest.raises(DigestMismatchError):
        for chunk in reader.iter_chunks():
            chunks.append(chunk)
    assert b"".join(chunks) == BLOB[:3 * MIB]


def test_a_body_that_ends_cleanly_too_soon_is_resumed_when_the_size_is_known(
        plain_registry, blob, fault_proxy):
    proxy = fault_proxy(plain_registry.host, Rule(
        cut_body_after=2 * MIB, response_headers={"Content-Length": None}))
    with _repository(proxy) as repo, repo.open_blob(blob, size=len(BLOB)) as reader:
        assert b"".join(reader.iter_chunks()) == BLOB
        assert reader.resumes == 2


def test_a_blob_labelled_gzip_is_read_as_raw_bytes_never_inflated(plain_registry,
                                                                   fault_proxy):
    bomb = gzip_bomb()
    digest = _upload(plain_registry, "team/bomb", bomb)
    proxy = fault_proxy(plain_registry.host, Rule(response_headers={"Content-Encoding": "gzip"}))
    with _repository(proxy, "team/bomb") as repo:
        def read() -> bytes:
            with repo.open_blob(digest) as reader:
                return b"".join(reader.iter_chunks())

        peak, received = peak_of(read)
    assert received == bomb
    assert peak < 32 * MIB


# -- v2 blobs: stalls and drips ----------------------------------------------------------------


def _open_stalling(proxy: FaultProxy, repo: Repository, digest: str, first: Rule,
                   then: Rule) -> Any:
    """Open ``digest`` with ``first`` as the rule of the blob's first answer and ``then``
    for every later connection (the ping and a HEAD go first, unharmed)."""
    repo.stat_blob(digest)
    proxy.set_rule(first, connection=proxy.connections + 1)
    proxy.set_rule(then)
    return repo.open_blob(digest)


def test_a_stalled_blob_ends_in_a_typed_error_naming_the_stall(plain_registry, blob,
                                                               fault_proxy):
    proxy = fault_proxy(plain_registry.host, ONE_PER_CONNECTION)
    with _repository(proxy, max_resumes=2) as repo, \
            _open_stalling(proxy, repo, blob, Rule(stall_body_after=MIB),
                           Rule(stall_body_after=0)) as reader:
        reader.progress = ProgressRule(stall_timeout=1)
        with pytest.raises(DeadlineExceededError) as caught:
            b"".join(reader.iter_chunks())
    message = str(caught.value)
    assert f"reading blob {blob}: stalled at byte {MIB}: no data for 1 s" in message
    assert "2 attempts to resume failed" in message


def test_a_stall_is_resumed_when_the_next_connection_works(plain_registry, blob,
                                                          fault_proxy):
    proxy = fault_proxy(plain_registry.host, ONE_PER_CONNECTION)
    with _repository(proxy) as repo, \
            _open_stalling(proxy, repo, blob, Rule(stall_body_after=MIB),
                           ONE_PER_CONNECTION) as reader:
        reader.progress = ProgressRule(stall_timeout=1)
        assert b"".join(reader.iter_chunks()) == BLOB
        assert reader.resumes >= 1


def test_a_dripping_blob_ends_in_a_typed_error(plain_registry, blob, fault_proxy):
    proxy = fault_proxy(plain_registry.host, ONE_PER_CONNECTION)
    drip = Rule(drip_interval=0.005, drip_after=64 << 10)
    with _repository(proxy) as repo, \
            _open_stalling(proxy, repo, blob, drip, drip) as reader:
        reader.progress = ProgressRule(stall_timeout=5, window=0.5, min_bytes=MIB)
        with pytest.raises(DeadlineExceededError, match=f"reading blob {blob}: too slow"):
            b"".join(reader.iter_chunks())


def test_a_slow_but_healthy_blob_is_not_cut_by_total_time(plain_registry, blob, fault_proxy):
    """Pauses shorter than the stall timeout, a transfer many windows long: it completes."""
    proxy = fault_proxy(plain_registry.host, ONE_PER_CONNECTION)
    pause = Rule(stall_body_after=3 * MIB, stall_for=0.3)
    with _repository(proxy) as repo, \
            _open_stalling(proxy, repo, blob, pause, ONE_PER_CONNECTION) as reader:
        reader.progress = ProgressRule(stall_timeout=5, window=0.02, min_bytes=1)
        assert b"".join(reader.iter_chunks()) == BLOB
        assert reader.resumes == 0


# -- v1 layers, the v1 registry ----------------------------------------------------------------

LAYER = random.Random("hostile-layer").randbytes(2 * MIB)
IMAGE = Image("7e" * 32, b'{"id": "' + b"7e" * 32 + b'"}', LAYER)


@pytest.fixture
def v1_registry() -> Iterator[V1Registry]:
    registry = V1Registry().start()  # standalone, no accounts: anyone may read
    registry.add_image(IMAGE)
    try:
        yield registry
    finally:
        registry.stop()


def _layer(registry: V1Registry, proxy: FaultProxy, image: Image = IMAGE,
           size: int | None = None) -> Any:
    session = new_session(None, None, V1Endpoint(registry.server.url))
    stream = session.get_remote_image_layer(
        image.id, f"{proxy.url}/v1/", len(image.layer or b"") if size is None else size)
    if isinstance(stream, ResumableLayerReader):
        stream.sleep = lambda seconds: None  # no waiting between attempts in tests
        stream.max_failures = 10
    return stream


def _read_all(stream: Any) -> bytes:
    return b"".join(iter(lambda: stream.read(256 << 10), b""))


@pytest.mark.parametrize("seed", SEEDS)
def test_layer_resets_at_random_offsets_resume_with_identical_bytes(v1_registry, seed):
    rule = Rule.cut_at_random(seed, 64 << 10, MIB, reset=True)
    with FaultProxy(v1_registry.server.host, rule) as proxy:
        stream = _layer(v1_registry, proxy)
        assert isinstance(stream, ResumableLayerReader)
        with stream:
            data = _read_all(stream)
    assert hashlib.sha256(data).digest() == hashlib.sha256(LAYER).digest()
    assert data == LAYER
    assert stream.resumes >= 1


@pytest.mark.parametrize("content_range", [
    "bytes 0-2097151/2097152",            # from the start again
    "bytes 300000-2097150/2097152",       # ends short of the layer's end
    "bytes 300000-2097151/3000000",       # another layer's size
    "bytes 300000-",
])
def test_layer_resume_with_a_wrong_content_range_is_refused(v1_registry, content_range):
    with FaultProxy(v1_registry.server.host,
                    Rule(response_headers={"Content-Range": content_range})) as proxy:
        proxy.set_rule(Rule(cut_body_after=300_000), connection=1)
        stream = _layer(v1_registry, proxy)
        stream.max_failures = 2
        assert stream.read(300_000) == LAYER[:300_000]
        with pytest.raises(TransportError, match="got Content-Range"):
            stream.read(1)


def test_layer_without_ranges_that_ends_cleanly_too_soon_is_an_error(v1_registry):
    rule = Rule(cut_body_after=MIB, response_headers={"Accept-Ranges": None,
                                                      "Content-Length": None})
    with FaultProxy(v1_registry.server.host, rule) as proxy:
        stream = _layer(v1_registry, proxy)
        assert isinstance(stream, ResponseStream)
        with pytest.raises(TransportError, match=f"the body ended at byte {MIB} of {2 * MIB}"):
            _read_all(stream)


@pytest.mark.parametrize("ranges", [True, False], ids=["resumable", "plain"])
def test_a_layer_labelled_gzip_is_read_as_raw_bytes_never_inflated(v1_registry, ranges):
    bomb = gzip_bomb()
    image = Image("6d" * 32, b'{"id": "' + b"6d" * 32 + b'"}', bomb)
    v1_registry.add_image(image)
    headers: dict[str, str | None] = {"Content-Encoding": "gzip"}
    if not ranges:
        headers["Accept-Ranges"] = None
    with FaultProxy(v1_registry.server.host, Rule(response_headers=headers)) as proxy:
        stream = _layer(v1_registry, proxy, image)
        assert isinstance(stream, ResumableLayerReader if ranges else ResponseStream)
        peak, data = peak_of(lambda: _read_all(stream))
    assert data == bomb
    assert peak < 32 * MIB


def test_a_stalled_layer_ends_in_a_typed_error_naming_the_stall(v1_registry):
    with FaultProxy(v1_registry.server.host, Rule(stall_body_after=0)) as proxy:
        proxy.set_rule(Rule(stall_body_after=300_000), connection=1)
        stream = _layer(v1_registry, proxy)
        stream.max_failures = 2
        stream.progress = ProgressRule(stall_timeout=1)
        with pytest.raises(DeadlineExceededError) as caught:
            _read_all(stream)
    assert "stalled at byte 300000: no data for 1 s" in str(caught.value)


@pytest.mark.parametrize("ranges", [True, False], ids=["resumable", "plain"])
def test_a_dripping_layer_ends_in_a_typed_error(v1_registry, ranges):
    headers: dict[str, str | None] = {} if ranges else {"Accept-Ranges": None}
    rule = Rule(drip_interval=0.005, drip_after=64 << 10, response_headers=headers)
    with FaultProxy(v1_registry.server.host, rule) as proxy:
        stream = _layer(v1_registry, proxy)
        stream.progress = ProgressRule(stall_timeout=5, window=0.5, min_bytes=MIB)
        with pytest.raises(DeadlineExceededError, match="too slow"):
            _read_all(stream)


def test_a_stalled_plain_layer_ends_in_a_typed_error(v1_registry):
    rule = Rule(stall_body_after=300_000, response_headers={"Accept-Ranges": None})
    with FaultProxy(v1_registry.server.host, rule) as proxy:
        stream = _layer(v1_registry, proxy)
        stream.progress = ProgressRule(stall_timeout=1)
        with pytest.raises(DeadlineExceededError, match="stalled at byte 300000"):
            _read_all(stream)
