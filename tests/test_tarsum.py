"""TarSum against the reference's sums, and the re-encoded stream it produces."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import tarfile
from typing import Any

import pytest

from registry_core.errors import InvalidArgumentError, RegistryError
from registry_core.gosort import go_sort
from registry_core.tarsum import (
    VERSION0,
    VERSION1,
    get_version_from_tarsum,
    new_tar_sum,
    new_tar_sum_for_label,
    version_label_for_checksum,
)
from tests.conformance import VECTORS_DIR, load_cases

RECORDED = VECTORS_DIR / "recorded"


def read_all(stream: Any, size: int = 4096) -> bytes:
    return b"".join(iter(lambda: stream.read(size), b""))


def read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    data = tar.extractfile(member) if member.isfile() else None
    return b"" if data is None else data.read()


def entries(data: bytes) -> list[tuple[str, int, int, str, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return [(m.name, m.size, m.mode, m.linkname, read_member(tar, m)) for m in tar]


def answer(
    case: dict[str, Any], disable_compression: bool, size: int
) -> tuple[dict[str, str], bytes]:
    data = base64.b64decode(case["input"])
    tarsum = new_tar_sum(io.BytesIO(data), disable_compression, case["version"])
    try:
        out = read_all(tarsum, size)
    except RegistryError as exc:
        return {"error": str(exc)}, b""
    return {"sum": tarsum.sum(case["extra"].encode())}, out


@pytest.mark.parametrize("case", load_cases("tarsum"))
def test_reference_vectors(case: dict[str, Any]) -> None:
    for disable_compression, size in ((True, 512), (False, 100_000)):
        got, _ = answer(case, disable_compression, size)
        assert got == case["expect"]


@pytest.mark.parametrize("case", load_cases("tarsum_formats", RECORDED))
def test_recorded_formats(case: dict[str, Any]) -> None:
    """PAX, GNU, V7, sparse, hard links, xattrs, duplicates, malformed: the reference's sum
    or its error, with or without compression."""
    for disable_compression in (True, False):
        got, _ = answer(case, disable_compression, 3000)
        assert got == case["expect"], case["description"]


@pytest.mark.parametrize("case", [
    # The archives the reference refuses have no output; test_recorded_formats checks that we
    # refuse them too, with the reference's error.
    param for param in load_cases("tarsum_formats", RECORDED)
    if "error" not in param.values[0]["expect"]
])
def test_output_is_a_valid_tar_with_the_same_sum(case: dict[str, Any]) -> None:
    """The gzipped re-encoding reads back (with Python's tarfile, an independent reader)
    to the same entries, and summing it again gives the same checksum, except for old-GNU
    sparse entries, written back as regular files."""
    got, out = answer(case, False, 5000)
    raw = gzip.decompress(out)
    after = entries(raw)
    try:
        before: list[tuple[str, int, int, str, bytes]] | None = entries(
            base64.b64decode(case["input"])
        )
    except tarfile.ReadError:  # empty or cut short: Python's reader refuses what Go's takes
        before = None
    if before is not None:
        assert after == before
    if "GNU tar gnu" in case["description"]:
        return
    again = new_tar_sum(io.BytesIO(raw), True, case["version"])
    read_all(again)
    assert again.sum(case["extra"].encode()) == got["sum"]


def test_gzip_output_is_the_tar_stream() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("f")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    plain = new_tar_sum(io.BytesIO(buffer.getvalue()), True, VERSION0)
    zipped = new_tar_sum(io.BytesIO(buffer.getvalue()), False, VERSION0)
    assert gzip.decompress(read_all(zipped)) == read_all(plain)
    assert plain.sum(b"x") == zipped.sum(b"x")
    assert plain.sum(b"x").startswith("tarsum+sha256:")


def test_v0_hashes_mtime_and_v1_xattrs() -> None:
    def archive(mtime: int, xattr: str) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo("f")
            info.mtime = mtime
            info.pax_headers = {"SCHILY.xattr.user.k": xattr}
            tar.addfile(info)
        return buffer.getvalue()

    def total(data: bytes, version: int) -> str:
        tarsum = new_tar_sum(io.BytesIO(data), True, version)
        read_all(tarsum)
        return tarsum.sum(None)

    assert total(archive(1, "a"), VERSION0) != total(archive(2, "a"), VERSION0)
    assert total(archive(1, "a"), VERSION0) == total(archive(1, "b"), VERSION0)
    assert total(archive(1, "a"), VERSION1) == total(archive(2, "a"), VERSION1)
    assert total(archive(1, "a"), VERSION1) != total(archive(1, "b"), VERSION1)


def test_empty_archive_sums_extra_alone() -> None:
    tarsum = new_tar_sum(io.BytesIO(b""), True, VERSION1)
    read_all(tarsum)
    assert tarsum.get_sums() == []
    assert tarsum.sum(b"extra") == "tarsum.v1+sha256:" + hashlib.sha256(b"extra").hexdigest()


def test_versions_and_labels() -> None:
    with pytest.raises(InvalidArgumentError, match="not yet implemented"):
        new_tar_sum(io.BytesIO(b""), True, 7)
    assert version_label_for_checksum("tarsum.v1+sha256:abc") == "tarsum.v1"
    assert version_label_for_checksum("nolabel") == ""
    assert get_version_from_tarsum("tarsum+sha256:00") == VERSION0
    assert get_version_from_tarsum("tarsum.v1") == VERSION1
    with pytest.raises(InvalidArgumentError, match="does not include a TarSum Version"):
        get_version_from_tarsum("md5+x")
    assert new_tar_sum_for_label(io.BytesIO(b""), True, "tarsum.v1+sha256").version() == VERSION1
    for label in ("tarsum", "tarsum.v9+sha256", "tarsum+md5"):
        with pytest.raises(InvalidArgumentError):
            new_tar_sum_for_label(io.BytesIO(b""), True, label)


def test_go_sort_matches_sorted_for_a_total_order() -> None:
    data = [5, 3, 9, 1, 1, 8, 2, 7] * 20
    go_sort(data, lambda a, b: a < b)
    assert data == sorted(data)


def test_the_tar_writer_quotes_what_it_cannot_encode_as_go_does() -> None:
    # Go 1.19: tar.NewWriter(...).WriteHeader(&tar.Header{Name: "a\u0085b", Format:
    # tar.FormatUSTAR, Mode: 0644}) fails with exactly this text (%q escapes U+0085).
    from registry_core.gotar import FORMAT_USTAR, TarHeader
    from registry_core.gotar_writer import TarWriter

    with pytest.raises(RegistryError) as caught:
        TarWriter().write_header(
            TarHeader(name="a\u0085b".encode(), format=FORMAT_USTAR, mode=0o644)
        )
    assert str(caught.value) == (
        "archive/tar: cannot encode header: Format specifies USTAR; and USTAR cannot encode "
        'Name="a\\u0085b"'
    )
