"""Blob transfers under stress against the real registry: endpoint fallback, storage
redirects, a connection cut in the middle of a blob (by :mod:`tests.fault_proxy`), a resume
answered with the whole blob instead of the range asked for."""

from __future__ import annotations

import contextlib
import http.server
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry_core import hookimpl
from registry_core.content import (
    BlobUnknownError,
    DigestMismatchError,
    ManifestUnknownError,
    UnexpectedResponseError,
)
from registry_core.errors import TransportError
from registry_core.manager import DEFAULT_PLUGINS, get_plugin_manager
from registry_core.service import DefaultService
from registry_core.types import APIEndpoint, AuthConfig
from tests.fault_proxy import Rule, fault_proxy
from tests.http_stub import free_port
from tests.oci_images import Layout, push_layout, write_layout
from tests.registry_fixtures import RegistryEnv, RunningRegistry, start_registry
from tests.test_content import big_layer

pytest_plugins = ["tests.registry_fixtures"]
__all__ = ["fault_proxy"]  # the fixture, imported to be found


class _Endpoints:
    """Endpoints for the test host, in the order given, instead of the built-in ones."""

    def __init__(self, hostname: str, endpoints: list[APIEndpoint]) -> None:
        self.hostname = hostname
        self.endpoints = endpoints

    @hookimpl(tryfirst=True)
    def registry_endpoints(self, service: Any, config: Any, hostname: str,
                           action: str) -> list[APIEndpoint] | None:
        return list(self.endpoints) if hostname == self.hostname else None


def _service(hostname: str, endpoints: list[APIEndpoint], *extra: Any) -> DefaultService:
    plugins: list[Any] = [p for p in DEFAULT_PLUGINS if "host_endpoints" not in str(p)]
    plugins += [_Endpoints(hostname, endpoints), *extra]
    manager = get_plugin_manager(plugins=plugins, load_entrypoints=False)
    return DefaultService(plugin_manager=manager)


def _endpoint(url: str, mirror: bool = False) -> APIEndpoint:
    return APIEndpoint(url=url, mirror=mirror)


@pytest.fixture
def big(tmp_path: Path, plain_registry: RegistryEnv) -> Layout:
    layout = write_layout(tmp_path / "big", label="big", big=6 * 1024 * 1024)
    push_layout(layout, plain_registry.host, "team/big", "1")
    return layout


# -- resuming ------------------------------------------------------------------------------


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "close"])
def test_a_cut_in_the_middle_of_a_blob_resumes_with_identical_bytes(plain_registry, big,
                                                                    fault_proxy, caplog,
                                                                    reset):
    digest, data = big_layer(big)
    # Every answer's body is cut after 2.5 MiB, so the 6 MiB blob needs resuming at least
    # once (a reset may also discard bytes the client had not read yet: how many resumes it
    # takes depends on timing, the bytes must not).
    proxy = fault_proxy(plain_registry.host, Rule(cut_body_after=5 << 19, reset=reset))
    service = _service(proxy.host, [_endpoint(proxy.url)])
    caplog.set_level(logging.INFO)
    # A generous resume budget: how far each attempt gets before a reset is up to timing.
    with service.repository(f"{proxy.host}/team/big", max_resumes=20) as repo, \
            repo.open_blob(digest) as reader:
        received = b"".join(reader.iter_chunks())
        resumes = reader.resumes
    assert received == data
    assert resumes >= 1
    statuses = [e.status for e in plain_registry.registry.access_log()
                if e.method == "GET" and e.path.endswith(digest)]
    assert len(statuses) == resumes + 1 and set(statuses) <= {200, 206}
    if not reset:  # an orderly close delivers every byte sent: each resume is a range
        assert statuses == [200] + [206] * resumes
    assert "resuming" in caplog.text


def test_a_resume_answered_with_the_whole_blob_is_refused(plain_registry, big, fault_proxy):
    digest, _ = big_layer(big)
    proxy = fault_proxy(plain_registry.host,
                        Rule(cut_body_after=1 << 21, request_headers={"Range": None}))
    service = _service(proxy.host, [_endpoint(proxy.url)])
    with service.repository(f"{proxy.host}/team/big") as repo, \
            repo.open_blob(digest) as reader, \
            pytest.raises(UnexpectedResponseError, match="no partial content"):
        reader.read()


def test_a_connection_that_keeps_breaking_gives_up(plain_registry, big):
    digest, _ = big_layer(big)
    port = plain_registry.registry.port
    service = _service("127.0.0.1:1", [_endpoint(f"http://127.0.0.1:{port}")])
    with service.repository("127.0.0.1:1/team/big", max_resumes=2) as repo:
        reader = repo.open_blob(digest)
        reader.read(1000)
        plain_registry.registry.stop()  # nobody answers the resumes
        with pytest.raises(TransportError, match="2 attempts to resume failed"):
            reader.read()
        reader.close()


# -- storage redirects ---------------------------------------------------------------------


class _BlobStore(http.server.SimpleHTTPRequestHandler):
    """Serves the registry's storage directory, as a storage backend behind a redirect
    would, and records the headers it received."""

    seen: list[dict[str, str]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers.items()))
        super().do_GET()


@contextlib.contextmanager
def _blob_store(root: Path) -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_BlobStore,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: handler(*a, directory=str(root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_storage_redirect_gets_no_authorization(tmp_path, big, plain_registry):
    """A registry with htpasswd and distribution's redirect middleware sends blob GETs to
    the blob store; the registry's credentials must not follow."""
    digest, data = big_layer(big)
    storage = plain_registry.registry.storage_dir
    password = "pw-redirect-canary-4242"
    with _blob_store(storage) as (store_url, seen):
        registry = start_registry(tmp_path / "redirecting", htpasswd={"alice": password},
                                  storage_dir=storage)
        registry.stop()
        config = dict(registry.config)
        config["middleware"] = {"storage": [{"name": "redirect",
                                             "options": {"baseurl": store_url}}]}
        registry.config_path.write_text(json.dumps(config))
        _restart(registry)
        try:
            from registry_core_plugins.static_credentials import StaticCredentials

            creds = StaticCredentials(AuthConfig(username="alice", password=password),
                                      registries=[registry.host])
            service = _service(registry.host, [_endpoint(registry.url)], creds)
            with service.repository(f"{registry.host}/team/big") as repo, \
                    repo.open_blob(digest) as reader:
                assert reader.read() == data
        finally:
            registry.stop()
    assert seen, "the registry did not redirect to the blob store"
    assert all("Authorization" not in headers for headers in seen)
    assert all(password not in json.dumps(headers) for headers in seen)


def _restart(registry: RunningRegistry) -> None:
    import subprocess

    with registry.log_path.open("ab") as err, registry.access_log_path.open("ab") as out:
        registry.process = subprocess.Popen(
            ["docker-registry", "serve", str(registry.config_path)],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL,
        )
    registry.wait_ready()


# -- endpoint fallback ---------------------------------------------------------------------


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[RunningRegistry]:
    """An empty plain registry to act as a mirror."""
    with start_registry(tmp_path / "mirror") as registry:
        yield registry


def test_pull_falls_back_from_a_dead_endpoint_and_a_mirror_without_the_image(
        plain_registry, mirror):
    env = plain_registry
    dead = f"http://127.0.0.1:{free_port('127.0.0.1')}"
    service = _service(env.host, [_endpoint(dead, mirror=True),
                                  _endpoint(mirror.url, mirror=True),
                                  _endpoint(env.url)])
    with service.repository(f"{env.host}/team/app") as repo:
        assert repo.endpoint.url == mirror.url  # bound to the first that answered
        manifest = repo.get_manifest("1.0")
        assert manifest.digest == env.tags["1.0"]
        assert repo.endpoint.url == env.url
        with repo.open_blob(manifest.blobs()[0].digest) as reader:
            reader.read()
    assert ("GET", "/v2/team/app/manifests/1.0", 404) in [tuple(e) for e in mirror.access_log()]


def test_a_registry_error_from_the_registry_itself_does_not_move_on(plain_registry, mirror):
    """BLOB_UNKNOWN from a registry's own endpoint is an answer, not a reason to ask the
    next endpoint; MANIFEST_UNKNOWN is a reason (moby's continueOnError)."""
    env = plain_registry
    service = _service(env.host, [_endpoint(mirror.url), _endpoint(env.url)])
    with service.repository(f"{env.host}/team/app") as repo:
        with pytest.raises(BlobUnknownError):
            repo.stat_blob("sha256:" + "cd" * 32)
        assert repo.get_manifest("1.0").digest == env.tags["1.0"]
    assert not [e for e in env.registry.access_log() if "/blobs/" in e.path]
    with service.repository(f"{env.host}/team/app") as repo, pytest.raises(ManifestUnknownError):
        repo.get_manifest("7.7")


def test_push_never_goes_to_a_mirror(plain_registry, mirror):
    env = plain_registry
    service = _service(env.host, [_endpoint(mirror.url, mirror=True), _endpoint(env.url)])
    with service.repository(f"{env.host}/team/pushed", ("pull", "push")) as repo:
        assert repo.endpoint.url == env.url
        repo.upload_blob(b"pushed blob")
    assert not [e for e in mirror.access_log() if e.method in ("POST", "PUT", "PATCH")]


def test_an_unexpected_answer_moves_on_to_the_next_endpoint(plain_registry, fault_proxy,
                                                            caplog):
    """The first endpoint (not a mirror) sits behind a middlebox that turns the manifest's
    200 into a 502 whose body is no registry error: an unexpected answer, so the next
    endpoint is asked (moby's continueOnError)."""
    env = plain_registry

    def broken_gateway(head: bytes) -> bytes:
        if b"Docker-Content-Digest" in head and head.startswith(b"HTTP/1.1 200"):
            return b"HTTP/1.1 502 Bad Gateway" + head[len(b"HTTP/1.1 200 OK"):]
        return head

    proxy = fault_proxy(env.host, Rule(head_filter=broken_gateway))
    service = _service(env.host, [_endpoint(proxy.url), _endpoint(env.url)])
    caplog.set_level(logging.INFO, logger="registry_core.content")
    with service.repository(f"{env.host}/team/app") as repo:
        assert repo.endpoint.url == proxy.url
        assert repo.get_manifest("1.0").digest == env.tags["1.0"]
        assert repo.endpoint.url == env.url
    assert "unexpected HTTP status 502 Bad Gateway" in caplog.text
    assert any(r.status_line.startswith("HTTP/1.1 200") and "manifests/1.0" in r.request_line
               for r in proxy.records)


def test_a_manifest_whose_announced_digest_is_wrong_is_refused(plain_registry, fault_proxy):
    """Fetched by tag, a manifest is checked against the Docker-Content-Digest the registry
    announces: a middlebox that changes either is caught."""
    wrong = "sha256:" + "0" * 64
    proxy = fault_proxy(plain_registry.host,
                        Rule(response_headers={"Docker-Content-Digest": wrong}))
    service = _service(proxy.host, [_endpoint(proxy.url)])
    with service.repository(f"{proxy.host}/team/app") as repo, \
            pytest.raises(DigestMismatchError) as caught:
        repo.get_manifest("1.0")
    assert caught.value.expected == wrong
    assert caught.value.actual == plain_registry.tags["1.0"]
