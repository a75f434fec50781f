"""The content API against the real registry: manifests, blobs, uploads, tags, errors.

What the tests read was pushed by the real skopeo from OCI layouts written here; what
registry-core pushes is read back by skopeo.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry_core.content import (
    BlobUnknownError,
    ContentTooLargeError,
    DeniedError,
    DigestMismatchError,
    ManifestUnknownError,
    MountDeclinedError,
    NameUnknownError,
    Platform,
    PlatformNotFoundError,
    Repository,
    compute_digest,
)
from registry_core.errors import InvalidArgumentError
from registry_core.types import AuthConfig
from tests.oci_images import OCI_INDEX, OCI_MANIFEST, Layout, push_layout, skopeo, write_layout
from tests.programs import require_program
from tests.registry_fixtures import RegistryEnv, RunningRegistry, start_registry
from tests.registry_services import env_credentials, registry_service

pytest_plugins = ["tests.registry_fixtures"]


@contextlib.contextmanager
def plain_sibling(env: RegistryEnv, tmp_path: Path) -> Iterator[RunningRegistry]:
    """A plain registry on 127.0.0.1 serving ``env``'s storage, for skopeo.

    skopeo is not Python: it cannot see the test host name the fixtures resolve inside this
    process (and must not need ``/etc/hosts``), and a reference cannot carry ``[::1]``. So
    skopeo pushes and reads through a second instance on the same storage, while
    registry-core goes through TLS and auth.
    """
    with start_registry(tmp_path / "sibling", storage_dir=env.registry.storage_dir) as sibling:
        yield sibling


@pytest.fixture
def multiarch(tmp_path: Path, plain_registry: RegistryEnv) -> Layout:
    """``team/multi:1`` on the plain registry: an OCI index of linux/amd64 and linux/arm64."""
    require_program("docker-registry")
    layout = write_layout(tmp_path / "multi", label="multi",
                          platforms=("linux/amd64", "linux/arm64/v8"))
    push_layout(layout, plain_registry.host, "team/multi", "1")
    return layout


@pytest.fixture
def big(tmp_path: Path, plain_registry: RegistryEnv) -> Layout:
    """``team/big:1``: one image with a 6 MiB incompressible layer."""
    layout = write_layout(tmp_path / "big", label="big", big=6 * 1024 * 1024)
    push_layout(layout, plain_registry.host, "team/big", "1")
    return layout


def big_layer(layout: Layout) -> tuple[str, bytes]:
    digest, data = max(layout.images[0].blobs.items(), key=lambda item: len(item[1]))
    return digest, data


# -- manifests ---------------------------------------------------------------------------


def test_index_and_its_manifests_as_served(plain_registry, multiarch, monkeypatch):
    service = registry_service(plain_registry, monkeypatch)
    with service.repository(f"{plain_registry.host}/team/multi") as repo:
        top = repo.get_manifest("1")
        assert top.content == multiarch.top
        assert top.digest == multiarch.digest
        assert top.media_type == OCI_INDEX
        assert top.is_index
        arm = top.for_platform(Platform.parse("linux/arm64"))
        child = repo.get_manifest(arm.digest)
        assert child.content == multiarch.images[1].manifest
        assert child.media_type == OCI_MANIFEST
        assert [b.digest for b in child.blobs()] == list(multiarch.images[1].blobs)
        head = repo.head_manifest("1")
        assert (head.digest, head.size, head.media_type) == (
            multiarch.digest, len(multiarch.top), OCI_INDEX)
        with pytest.raises(PlatformNotFoundError, match="linux/s390x.*linux/amd64"):
            top.for_platform(Platform.parse("linux/s390x"))


def test_unknown_manifest_and_name_are_typed_with_the_registry_code(plain_registry,
                                                                   monkeypatch):
    service = registry_service(plain_registry, monkeypatch)
    with service.repository(f"{plain_registry.host}/team/app") as repo:
        with pytest.raises(ManifestUnknownError) as caught:
            repo.get_manifest("9.9")
        assert caught.value.code == "MANIFEST_UNKNOWN"
        assert caught.value.status == 404
        assert caught.value.error_message == "manifest unknown"  # the registry's own words
        assert caught.value.errors[0].code == "MANIFEST_UNKNOWN"
        assert "manifest unknown" in str(caught.value)
        with pytest.raises(ManifestUnknownError):
            repo.head_manifest("9.9")
    with service.repository(f"{plain_registry.host}/team/nothing") as repo:
        with pytest.raises(NameUnknownError) as named:
            repo.tags()
        assert named.value.code == "NAME_UNKNOWN"


def test_a_manifest_over_the_bound_is_refused(plain_registry, monkeypatch):
    service = registry_service(plain_registry, monkeypatch)
    with (
        service.repository(f"{plain_registry.host}/team/app", max_manifest_size=100) as repo,
        pytest.raises(ContentTooLargeError, match="limit of 100"),
    ):
        repo.get_manifest("1.0")


def test_bad_references_never_reach_the_registry(plain_registry, monkeypatch):
    service = registry_service(plain_registry, monkeypatch)
    with service.repository(f"{plain_registry.host}/team/app") as repo:
        before = len(plain_registry.registry.access_log())
        for bad in ("../../_catalog", "1.0?x=1", "sha256:abc", "md5:" + "0" * 32):
            with pytest.raises(InvalidArgumentError):
                repo.get_manifest(bad)
        with pytest.raises(InvalidArgumentError):
            repo.open_blob("sha256:../../x")
        assert len(plain_registry.registry.access_log()) == before


def test_a_manifest_fetched_by_digest_is_verified(plain_registry, monkeypatch):
    """The registry's stored revision is replaced by other bytes: fetched by its digest, the
    content does not match and is refused."""
    env = plain_registry
    digest = env.tags["1.0"]
    data = blob_file(env, digest)
    original = data.read_bytes()
    data.write_bytes(original.replace(b'"schemaVersion": 2', b'"schemaVersion":  2'))
    service = registry_service(env, monkeypatch)
    with (
        service.repository(f"{env.host}/team/app") as repo,
        pytest.raises(DigestMismatchError) as caught,
    ):
        repo.get_manifest(digest)
    assert caught.value.expected == digest
    assert caught.value.actual == compute_digest(data.read_bytes())


def test_put_and_delete_manifest_read_back_by_skopeo(plain_registry, multiarch, monkeypatch):
    env = plain_registry
    service = registry_service(env, monkeypatch)
    with service.repository(f"{env.host}/team/multi", ("pull", "push")) as repo:
        digest = repo.put_manifest(multiarch.top, OCI_INDEX, "again")
        assert digest == multiarch.digest
        raw = skopeo("inspect", "--raw", "--tls-verify=false",
                     f"docker://{env.host}/team/multi:again")
        assert raw == multiarch.top
        repo.delete_manifest(digest)
        with pytest.raises(ManifestUnknownError):
            repo.get_manifest(digest)


def test_put_manifest_under_a_digest_it_does_not_have(plain_registry, monkeypatch):
    service = registry_service(plain_registry, monkeypatch)
    with (
        service.repository(f"{plain_registry.host}/team/app", ("pull", "push")) as repo,
        pytest.raises(DigestMismatchError),
    ):
        repo.put_manifest(b"{}", OCI_MANIFEST, "sha256:" + "0" * 64)


def test_writing_needs_a_push_repository(plain_registry, monkeypatch):
    service = registry_service(plain_registry, monkeypatch)
    with (
        service.repository(f"{plain_registry.host}/team/app") as repo,
        pytest.raises(InvalidArgumentError, match="push"),
    ):
        repo.upload_blob(b"x")


# -- blobs ---------------------------------------------------------------------------------


def blob_file(env: RegistryEnv, digest: str) -> Path:
    hexa = digest.split(":", 1)[1]
    return (env.registry.storage_dir / "docker/registry/v2/blobs/sha256" / hexa[:2] / hexa
            / "data")


def test_open_blob_streams_the_exact_bytes(plain_registry, big, monkeypatch):
    digest, data = big_layer(big)
    service = registry_service(plain_registry, monkeypatch)
    with service.repository(f"{plain_registry.host}/team/big") as repo:
        assert repo.stat_blob(digest).size == len(data)
        with repo.open_blob(digest) as reader:
            assert reader.size == len(data)
            received = b"".join(reader.iter_chunks(256 * 1024))
        assert received == data
        with repo.open_blob(digest, size=len(data)) as reader:
            assert reader.read() == data
            assert reader.resumes == 0


def test_a_registry_serving_wrong_bytes_is_caught(plain_registry, big, monkeypatch):
    digest, data = big_layer(big)
    path = blob_file(plain_registry, digest)
    corrupted = bytearray(data)
    corrupted[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(corrupted))
    service = registry_service(plain_registry, monkeypatch)
    with service.repository(f"{plain_registry.host}/team/big") as repo:
        with repo.open_blob(digest) as reader:
            with pytest.raises(DigestMismatchError) as caught:
                while reader.read(1 << 20):
                    pass
            with pytest.raises(DigestMismatchError):
                reader.read()  # and it stays an error: never a quiet end of file
        assert caught.value.expected == digest
        assert caught.value.actual == compute_digest(bytes(corrupted))
        # A truncated blob: shorter than its descriptor says, and nothing more to resume.
        path.write_bytes(data[:1000])
        with repo.open_blob(digest, size=len(data)) as reader, \
                pytest.raises(DigestMismatchError, match="ends at byte 1000"):
            reader.read()


def test_unknown_blob(plain_registry, monkeypatch):
    service = registry_service(plain_registry, monkeypatch)
    missing = "sha256:" + "ab" * 32
    with service.repository(f"{plain_registry.host}/team/app") as repo:
        with pytest.raises(BlobUnknownError) as caught:
            repo.open_blob(missing)
        assert caught.value.code == "BLOB_UNKNOWN"
        with pytest.raises(BlobUnknownError):
            repo.stat_blob(missing)
        assert repo.has_blob(missing) is False


# -- uploads ---------------------------------------------------------------------------------


def _access(env: RegistryEnv, since: int) -> list[tuple[str, int]]:
    return [(e.method, e.status) for e in env.registry.access_log(since=since)
            if "/blobs/" in e.path]


def test_monolithic_and_chunked_uploads(plain_registry, monkeypatch, tmp_path):
    env = plain_registry
    service = registry_service(env, monkeypatch)
    small = b"small blob\n"
    large = bytes(range(256)) * 12000  # 3 MB
    path = tmp_path / "large.bin"
    path.write_bytes(large)
    with service.repository(f"{env.host}/team/up", ("pull", "push"),
                            monolithic_max=1 << 20, chunk_size=1 << 20) as repo:
        start = len(env.registry.access_log())
        assert repo.upload_blob(small).digest == compute_digest(small)
        assert _access(env, start) == [("POST", 202), ("PUT", 201)]
        start = len(env.registry.access_log())
        with path.open("rb") as handle:  # unknown digest: chunked, hashed on the way
            descriptor = repo.upload_blob(handle)
        assert (descriptor.digest, descriptor.size) == (compute_digest(large), len(large))
        assert _access(env, start) == [("POST", 202)] + [("PATCH", 202)] * 3 + [("PUT", 201)]
        # A pipe-like source without a size: read a chunk at a time.
        unsized = io.BufferedReader(io.BytesIO(large[:1500000]))
        descriptor = repo.upload_blob(unsized)
        assert descriptor.digest == compute_digest(large[:1500000])
        with repo.open_blob(compute_digest(large)) as reader:
            assert reader.read() == large


def test_upload_with_a_wrong_digest_is_refused(plain_registry, monkeypatch):
    service = registry_service(plain_registry, monkeypatch)
    wrong = "sha256:" + "0" * 64
    with service.repository(f"{plain_registry.host}/team/up", ("pull", "push"),
                            monolithic_max=10) as repo:
        with pytest.raises(DigestMismatchError):
            repo.upload_blob(b"some bytes", digest=wrong)
        with pytest.raises(DigestMismatchError):
            repo.upload_blob(io.BytesIO(b"0123456789" * 5), digest=wrong, size=50)
        assert not repo.has_blob(wrong)


def test_mount_and_its_fallback(plain_registry, big, monkeypatch):
    env = plain_registry
    digest, data = big_layer(big)
    service = registry_service(env, monkeypatch)
    with service.repository(f"{env.host}/team/big") as source, \
            service.repository(f"{env.host}/team/mounted", ("pull", "push")) as target:
        assert target.mount_blob(digest, "team/big") is True
        assert target.stat_blob(digest).size == len(data)
        config = big.images[0].manifest  # any blob the other repository lacks
        other = compute_digest(b"never pushed")
        with pytest.raises(MountDeclinedError):
            target.mount_blob(other, "team/app")
        # Declined (team/app does not have it): streamed from the source instead.
        config_digest = next(iter(big.images[0].blobs))
        with service.repository(f"{env.host}/team/third", ("pull", "push")) as third:
            assert third.mount_blob(config_digest, "team/app", source=source) is False
            assert third.stat_blob(config_digest).size == len(big.blob(config_digest))
        assert config


# -- tags and catalog ----------------------------------------------------------------------


def test_tags_and_catalog_with_paging(plain_registry, multiarch, monkeypatch):
    env = plain_registry
    service = registry_service(env, monkeypatch)
    with service.repository(f"{env.host}/team/app") as repo:
        assert sorted(repo.tags()) == ["1.0", "2.0"]
        start = len(env.registry.access_log())
        assert repo.catalog(n=1) == ["team/app", "team/multi"]
        pages = [e for e in env.registry.access_log(since=start) if e.path == "/v2/_catalog"]
        assert len(pages) >= 2  # one repository per page, following Link
        assert repo.catalog(n=1, last="team/app") == ["team/multi"]
        with pytest.raises(InvalidArgumentError):
            repo.tags(n=0)


# -- auth: TLS + htpasswd, token ---------------------------------------------------------------


def test_over_tls_with_basic_auth(tls_basic_registry, tmp_path, monkeypatch, caplog):
    env = tls_basic_registry
    layout = write_layout(tmp_path / "img", label="tls")
    service = registry_service(env, monkeypatch, env_credentials(env))
    caplog.set_level(logging.DEBUG)
    with plain_sibling(env, tmp_path) as plain:
        push_layout(layout, plain.host, "team/tls", "1")
        with service.repository(f"{env.host}/team/tls", ("pull", "push")) as repo:
            manifest = repo.get_manifest("1")
            assert manifest.digest == layout.digest
            for digest, data in layout.images[0].blobs.items():
                with repo.open_blob(digest) as reader:
                    assert reader.read() == data
            repo.put_manifest(manifest.content, manifest.media_type, "2")
        assert skopeo("inspect", "--raw", "--tls-verify=false",
                      f"docker://{plain.host}/team/tls:2") == layout.top
    assert env.password is not None and env.password not in caplog.text


def test_wrong_password_is_a_typed_error_without_the_secret(tls_basic_registry, monkeypatch,
                                                            caplog):
    env = tls_basic_registry
    secret = "not-the-password-" + "x" * 8
    service = registry_service(env, monkeypatch, AuthConfig(username="alice", password=secret))
    caplog.set_level(logging.DEBUG)
    with service.repository(f"{env.host}/team/app") as repo, pytest.raises(DeniedError) as caught:
        repo.get_manifest("1.0")
    assert caught.value.code == "UNAUTHORIZED"
    assert caught.value.status == 401
    assert secret not in str(caught.value) and secret not in repr(caught.value)
    assert secret not in caplog.text


def test_token_auth_one_token_per_scope(token_registry, monkeypatch):
    env = token_registry
    assert env.issuer is not None
    service = registry_service(env, monkeypatch, env_credentials(env))
    with service.repository(f"{env.host}/team/app") as repo:
        manifest = repo.get_manifest("1.0")
        for blob in manifest.blobs():
            with repo.open_blob(blob.digest, blob.size) as reader:
                reader.read()
        assert sorted(repo.tags()) == ["1.0", "2.0"]
    assert [r.scopes for r in env.issuer.requests] == [["repository:team/app:pull"]]
    env.issuer.clear_requests()
    with service.repository(f"{env.host}/team/copy", ("pull", "push")) as target:
        for blob in manifest.blobs():
            assert target.mount_blob(blob.digest, "team/app") is True
        target.put_manifest(manifest.content, manifest.media_type, "1.0")
        assert target.get_manifest("1.0").digest == env.tags["1.0"]
    scopes = [sorted(r.scopes) for r in env.issuer.requests]
    # One token for the repository, one for mounting from team/app (the engine's scopes),
    # each fetched once however many requests use it.
    assert sorted(scopes) == [["repository:team/app:pull", "repository:team/copy:pull,push"],
                              ["repository:team/copy:pull,push"]]


def test_token_auth_catalog_asks_for_the_catalog_scope(token_registry, monkeypatch):
    env = token_registry
    assert env.issuer is not None
    service = registry_service(env, monkeypatch, env_credentials(env))
    with service.repository(f"{env.host}/team/app") as repo:
        assert "team/app" in repo.catalog()
    assert any("registry:catalog:*" in r.scopes for r in env.issuer.requests)


def test_repository_is_exported_from_the_service(plain_registry, monkeypatch):
    service = registry_service(plain_registry, monkeypatch)
    repo = service.repository(f"{plain_registry.host}/team/app:1.0")
    try:
        assert isinstance(repo, Repository)
        assert repo.path == "team/app"
        assert json.loads(repo.get_manifest("1.0").content)["schemaVersion"] == 2
    finally:
        repo.close()


# -- copy ------------------------------------------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int]] = []

    def blob_started(self, descriptor: Any) -> None:
        self.events.append(("started", descriptor.digest, descriptor.size))

    def blob_advanced(self, descriptor: Any, count: int) -> None:
        self.events.append(("advanced", descriptor.digest, count))

    def blob_finished(self, descriptor: Any, outcome: str) -> None:
        self.events.append((outcome, descriptor.digest, descriptor.size))


def test_copy_streams_between_registries_and_a_bad_blob_stores_nothing(
        plain_registry, big, tmp_path, monkeypatch):
    from registry_core.content import copy_image

    digest, data = big_layer(big)
    service = registry_service(plain_registry, monkeypatch)
    with start_registry(tmp_path / "dst") as other:
        recorder = _Recorder()
        with service.repository(f"{plain_registry.host}/team/big") as source, \
                service.repository(f"{other.host}/copied/big", ("pull", "push"),
                                   chunk_size=1 << 20, monolithic_max=1 << 20) as target:
            result = copy_image(source, "1", target, "v1", jobs=2, progress=recorder)
            assert result.digest == big.digest
            blobs = big.images[0].blobs
            assert result.copied == len(blobs)
            assert result.bytes_copied == sum(len(b) for b in blobs.values())
            advanced = sum(c for kind, d, c in recorder.events
                           if kind == "advanced" and d == digest)
            assert advanced == len(data)
            assert ("copied", digest, len(data)) in recorder.events
        assert skopeo("inspect", "--raw", "--tls-verify=false",
                      f"docker://{other.host}/copied/big:v1") == big.top
        # The same layer, corrupted at the source, copied to another repository: refused
        # before its last byte left, so the destination has no such blob.
        path = blob_file(plain_registry, digest)
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
        with service.repository(f"{plain_registry.host}/team/big") as source, \
                service.repository(f"{other.host}/second/big", ("pull", "push")) as target:
            with pytest.raises(DigestMismatchError):
                copy_image(source, "1", target)
            assert not target.has_blob(digest)
