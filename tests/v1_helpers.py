"""Images and fixtures for the v1 tests: an index and a registry from :mod:`tests.v1_server`."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import secrets
import tarfile
from collections.abc import Iterator

import pytest

from registry_core.service import DefaultService
from registry_core.types import IndexInfo
from registry_core.v1endpoint import V1Endpoint, new_v1_endpoint
from tests.v1_server import Account, Image, Repository, V1Index, V1Registry, reference_tarsum

ALICE = Account("alice", "s3cret-alice")
BOB = Account("bob", "inactive-bob", active=False)


def layer_tar(files: dict[str, bytes]) -> bytes:
    """An uncompressed tar holding ``files`` (fixed metadata, so sums are stable)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_600_000_000
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def make_image(parent: str = "", files: dict[str, bytes] | None = None) -> Image:
    """A finished image as a registry stores it: JSON, gzipped layer, checksums."""
    image_id = secrets.token_hex(32)
    body = {"id": image_id, "created": "2014-01-01T00:00:00Z"}
    if parent:
        body["parent"] = parent
    raw = json.dumps(body).encode()
    layer = gzip.compress(layer_tar(files or {"etc/hello": secrets.token_bytes(3000)}))
    return Image(
        image_id,
        raw,
        layer,
        checksum=reference_tarsum(layer, raw),
        payload="sha256:" + hashlib.sha256(raw + b"\n" + layer).hexdigest(),
    )


class Hub:
    """An index and the registry it names, serving one public and one private repository:
    ``alice/app`` (``latest`` -> child, ``base`` -> parent) and ``alice/secret-app``."""

    def __init__(self, index: V1Index) -> None:
        self.index = index.start()
        self.registry = V1Registry(index).start()
        self.parent = make_image()
        self.child = make_image(self.parent.id, {"bin/app": b"#!/bin/sh\necho hi\n" * 400})
        index.add_repository(Repository("alice/app", description="the app", stars=3))
        index.add_repository(Repository("alice/secret-app", private=True))
        for image in (self.parent, self.child):
            self.registry.add_image(image, "alice/app")
        self.registry.tags["alice/app"] = {"latest": self.child.id, "base": self.parent.id}
        self.registry.tags["alice/secret-app"] = {"latest": self.parent.id}
        self.index.repositories["alice/secret-app"].images[self.parent.id] = self.parent.checksum

    @property
    def host(self) -> str:
        return self.index.server.host

    @property
    def registry_v1(self) -> str:
        return f"http://{self.registry.server.host}/v1/"

    def endpoint(self, service: DefaultService, user_agent: str = "v1-test/1.0",
                 meta_headers: dict[str, list[str]] | None = None) -> V1Endpoint:
        return new_v1_endpoint(IndexInfo(name=self.host, secure=False), user_agent,
                               meta_headers, hooks=service.hooks)

    def stop(self) -> None:
        self.registry.stop()
        self.index.stop()


@pytest.fixture(name="hub")
def hub_fixture() -> Iterator[Hub]:
    """A running :class:`Hub` (import this into a test module to use ``hub``)."""
    hub = Hub(V1Index([ALICE, BOB]))
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(name="service")
def service_fixture() -> DefaultService:
    """A service with the default plugins (import this to use ``service``)."""
    return DefaultService()
