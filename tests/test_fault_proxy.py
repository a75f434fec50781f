"""The fault proxy does what each rule says, between a raw client and a real docker-registry.

A raw socket client is used on purpose: it shows exactly which bytes arrived and how the
connection ended, which an HTTP library would hide behind its own errors.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable

import pytest
import requests

from tests.fault_proxy import FaultProxy, Rule
from tests.fault_proxy import fault_proxy as fault_proxy  # noqa: F401  (the fixture)
from tests.programs import require_program
from tests.registry_fixtures import RegistryEnv

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


def _layer(registry: RegistryEnv) -> tuple[str, bytes]:
    """The seeded image's layer: its blob path and its bytes, read straight from the registry."""
    http = registry.session()
    manifest = http.get(f"{registry.url}/v2/{registry.repository}/manifests/1.0",
                        headers={"Accept": MANIFEST_V2}).json()
    digest = manifest["layers"][0]["digest"]
    path = f"/v2/{registry.repository}/blobs/{digest}"
    return path, http.get(registry.url + path).content


def _exchange(proxy: FaultProxy, path: str, headers: dict[str, str] | None = None, *,
              timeout: float = 10) -> tuple[list[bytes], BaseException | None]:
    """One GET through the proxy: the chunks received, and what ended the reading."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {proxy.host}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    chunks: list[bytes] = []
    with socket.create_connection(proxy.address, timeout=timeout) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except OSError as error:
            return chunks, error
    return chunks, None


def _split(data: bytes) -> tuple[bytes, bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


@pytest.fixture
def registry(plain_registry: RegistryEnv) -> RegistryEnv:
    require_program("docker-registry")
    return plain_registry


def test_passes_everything_through_by_default(registry: RegistryEnv,
                                              fault_proxy: Callable[..., FaultProxy]) -> None:
    path, blob = _layer(registry)
    proxy = fault_proxy(registry.host)
    chunks, error = _exchange(proxy, path)
    head, body = _split(b"".join(chunks))
    assert error is None and head.startswith(b"HTTP/1.1 200") and body == blob
    assert proxy.connections == 1 and proxy.records[0].ended == "eof"
    assert proxy.records[0].request_line == f"GET {path} HTTP/1.1"


def test_cut_after_body_bytes_closes_with_exactly_that_many(
        registry: RegistryEnv, fault_proxy: Callable[..., FaultProxy]) -> None:
    path, blob = _layer(registry)
    proxy = fault_proxy(registry.host, Rule(cut_body_after=100))
    chunks, error = _exchange(proxy, path)
    head, body = _split(b"".join(chunks))
    assert error is None  # an orderly close (FIN), not a reset
    assert f"Content-Length: {len(blob)}".encode() in head
    assert body == blob[:100]
    assert proxy.records[0].ended == "cut"


def test_cut_after_stream_bytes_counts_the_head(registry: RegistryEnv,
                                                fault_proxy: Callable[..., FaultProxy]) -> None:
    path, _ = _layer(registry)
    proxy = fault_proxy(registry.host, Rule(cut_after=7))
    chunks, _ = _exchange(proxy, path)
    assert b"".join(chunks) == b"HTTP/1."


def test_reset_sends_rst(registry: RegistryEnv, fault_proxy: Callable[..., FaultProxy]) -> None:
    path, blob = _layer(registry)
    proxy = fault_proxy(registry.host, Rule(cut_body_after=10, reset=True))
    chunks, error = _exchange(proxy, path)
    assert isinstance(error, ConnectionResetError)
    # what arrived before the reset is a prefix of the answer (the RST may discard the rest)
    assert len(_split(b"".join(chunks))[1]) <= 10
    assert proxy.records[0].ended == "reset"


def test_random_cut_is_replayable_from_its_seed(registry: RegistryEnv,
                                                fault_proxy: Callable[..., FaultProxy]) -> None:
    path, blob = _layer(registry)
    rule = Rule.cut_at_random("seed-1", 1, len(blob))
    assert rule == Rule.cut_at_random("seed-1", 1, len(blob))
    assert rule.cut_body_after is not None and 1 <= rule.cut_body_after < len(blob)
    proxy = fault_proxy(registry.host, rule)
    chunks, _ = _exchange(proxy, path)
    assert _split(b"".join(chunks))[1] == blob[:rule.cut_body_after]


def test_drip_sends_one_byte_at_a_time(registry: RegistryEnv,
                                       fault_proxy: Callable[..., FaultProxy]) -> None:
    proxy = fault_proxy(registry.host, Rule(drip_interval=0.001, drip_after=12))
    chunks, error = _exchange(proxy, "/v2/")
    data = b"".join(chunks)
    assert error is None and data.startswith(b"HTTP/1.1 200") and data.endswith(b"{}")
    # Counted where the proxy sends (TCP may coalesce what the client receives): the 12
    # bytes before the drip in as many sends as they came in, then one send per byte.
    sends = proxy.records[0].sends
    before = 0
    while sum(sends[:before]) < 12:
        before += 1
    assert sum(sends[:before]) == 12 and set(sends[before:]) == {1}
    assert sum(sends) == len(data)


def test_stall_holds_the_answer_until_released(registry: RegistryEnv,
                                               fault_proxy: Callable[..., FaultProxy]) -> None:
    proxy = fault_proxy(registry.host, Rule(stall_after=5))
    with socket.create_connection(proxy.address, timeout=10) as sock:
        sock.sendall(f"GET /v2/ HTTP/1.1\r\nHost: {proxy.host}\r\n\r\n".encode())
        received = b""
        while len(received) < 5:  # however long the registry takes to answer
            chunk = sock.recv(100)
            assert chunk, "the proxy closed instead of stalling"
            received += chunk
        assert received == b"HTTP/"
        for _ in range(1000):  # the proxy says it holds the rest (no clock asserted)
            if proxy.records[0].stalled:
                break
            threading.Event().wait(0.01)
        assert proxy.records[0].stalled
        sock.settimeout(0.3)  # nothing more comes while it is held
        with pytest.raises(TimeoutError):
            sock.recv(100)
        proxy.set_rule(Rule(), connection=1)  # release it
        sock.settimeout(10)
        while not received.endswith(b"{}"):
            received += sock.recv(100)
    assert received.startswith(b"HTTP/1.1 200")


def test_stops_by_itself_after_its_lifetime(registry: RegistryEnv) -> None:
    with FaultProxy(registry.host, Rule(stall_after=0), lifetime=0.5) as proxy:
        chunks, error = _exchange(proxy, "/v2/", timeout=30)
        assert chunks == [] and error is None
        assert proxy.records[0].ended == "stopped"


def test_range_request_answered_with_the_whole_body(
        registry: RegistryEnv, fault_proxy: Callable[..., FaultProxy]) -> None:
    path, blob = _layer(registry)
    direct = fault_proxy(registry.host)
    chunks, _ = _exchange(direct, path, {"Range": "bytes=10-"})
    head, body = _split(b"".join(chunks))
    assert head.startswith(b"HTTP/1.1 206") and body == blob[10:]  # the registry honours Range

    proxy = fault_proxy(registry.host, Rule.ignore_range())
    chunks, _ = _exchange(proxy, path, {"Range": "bytes=10-"})
    head, body = _split(b"".join(chunks))
    assert head.startswith(b"HTTP/1.1 200") and body == blob


def test_rewrites_status_and_headers(registry: RegistryEnv,
                                     fault_proxy: Callable[..., FaultProxy]) -> None:
    path, blob = _layer(registry)
    wrong = f"bytes 0-9/{len(blob)}"
    proxy = fault_proxy(registry.host, Rule(
        status=206, response_headers={"Content-Range": wrong, "Docker-Content-Digest": None}))
    chunks, _ = _exchange(proxy, path, {"Range": "bytes=10-"})
    head, body = _split(b"".join(chunks))
    lines = head.decode().split("\r\n")
    assert lines[0].startswith("HTTP/1.1 206 ")
    assert f"Content-Range: {wrong}" in lines
    assert not any(line.lower().startswith("docker-content-digest") for line in lines)
    assert body == blob[10:]
    assert proxy.records[0].status_line.startswith("HTTP/1.1 206")


def test_per_connection_rules_and_counters(registry: RegistryEnv,
                                           fault_proxy: Callable[..., FaultProxy]) -> None:
    proxy = fault_proxy(registry.host, Rule(cut_after=0))
    proxy.set_rule(Rule(), connection=2)
    http = requests.Session()
    http.trust_env = False
    with pytest.raises(requests.ConnectionError):
        http.get(proxy.url + "/v2/", timeout=10)
    assert json.loads(http.get(proxy.url + "/v2/", timeout=10).content) == {}
    assert proxy.connections >= 2
    assert [record.ended for record in proxy.records[:1]] == ["cut"]
    assert proxy.records[1].request_line == "GET /v2/ HTTP/1.1"


def test_refused_upstream_resets_the_client() -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    with FaultProxy(("127.0.0.1", port)) as proxy:
        chunks, error = _exchange(proxy, "/v2/")
        assert chunks == [] and (error is None or isinstance(error, ConnectionResetError))
        assert proxy.records[0].ended == "upstream-refused"
