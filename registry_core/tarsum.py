"""TarSum: the v1 registries' checksum of a layer (moby ``pkg/tarsum``).

:func:`new_tar_sum` wraps a tar stream in a readable stream that re-encodes the archive
(through a port of Go's tar writer, gzipped unless ``disable_compression``) while it hashes
each entry; once the stream is read to its end, :meth:`TarSum.sum` gives the checksum.

The algorithm, as ``tarsum_spec.md`` describes and the reference applies it:

* each entry's hash is SHA-256 over its selected header fields (``name`` + value, in a fixed
  order; version 0 includes ``mtime``, version 1 drops it and appends the ``SCHILY.xattr``
  extended attributes sorted by key), then its content;
* ``uname`` and ``gname`` are hashed with empty values (the reference does so for
  compatibility with archives written before Go 1.10);
* the header is the one Go's ``archive/tar`` reader decodes (GNU long names, PAX records,
  sparse files expanded), so :mod:`registry_core.gotar` ports that reader;
* the entries' hex sums are sorted (by Go's ``sort.Sort``; entries with the same path keep
  their archive order among themselves) and hashed after ``extra`` (for a v1 push, the image
  JSON): ``tarsum+sha256:<hex>`` for version 0, ``tarsum.v1+sha256:<hex>`` for version 1.

A header that Go's tar writer refuses to re-encode fails the stream, as in the reference.
"""

from __future__ import annotations

import enum
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from .errors import InvalidArgumentError
from .gopath import path_join
from .gosort import go_sort
from .gotar import TarError, TarHeader, TarReader
from .gotar_writer import TarWriter

__all__ = [
    "Version",
    "VERSION0",
    "VERSION1",
    "VERSION_DEV",
    "FileInfoSum",
    "TarSum",
    "TarError",
    "new_tar_sum",
    "new_tar_sum_for_label",
    "version_label_for_checksum",
    "get_version_from_tarsum",
    "select_headers",
]

_CHUNK = 32 * 1024


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Version(enum.IntEnum):
    """A TarSum version (Go ``tarsum.Version``); ``str()`` is its label."""

    V0 = 0
    V1 = 1
    DEV = 2

    def __str__(self) -> str:
        return {0: "tarsum", 1: "tarsum.v1", 2: "tarsum.dev"}[self.value]


VERSION0 = Version.V0
VERSION1 = Version.V1
VERSION_DEV = Version.DEV


def version_label_for_checksum(checksum: str) -> str:
    """Everything before the first ``+`` of ``checksum``; ``""`` without one."""
    index = checksum.find("+")
    return "" if index < 0 else checksum[:index]


def get_version_from_tarsum(tarsum: str) -> Version:
    """The version a checksum (or a bare label) names.

    :raises InvalidArgumentError: ``string does not include a TarSum Version``.
    """
    label = tarsum.split("+", 1)[0]
    for version in Version:
        if str(version) == label:
            return version
    raise InvalidArgumentError("string does not include a TarSum Version")


def select_headers(header: TarHeader, version: Version) -> list[tuple[bytes, bytes]]:
    """The ``(name, value)`` pairs hashed for ``header`` by ``version``, in order, before
    the reference blanks ``uname`` and ``gname``."""
    mtime = header.mtime[0]
    v0 = [
        (b"name", header.name),
        (b"mode", str(header.mode).encode()),
        (b"uid", str(header.uid).encode()),
        (b"gid", str(header.gid).encode()),
        (b"size", str(header.size).encode()),
        (b"mtime", str(mtime).encode()),
        (b"typeflag", bytes([header.typeflag])),
        (b"linkname", header.linkname),
        (b"uname", header.uname),
        (b"gname", header.gname),
        (b"devmajor", str(header.devmajor).encode()),
        (b"devminor", str(header.devminor).encode()),
    ]
    if version == Version.V0:
        return v0
    xattrs = header.xattrs or {}
    return v0[:5] + v0[6:] + [(key, xattrs[key]) for key in sorted(xattrs)]


@dataclass(frozen=True)
class FileInfoSum:
    """One entry's checksum (Go ``fileInfoSum``): its cleaned path, hex sum and position."""

    name: bytes
    sum: str
    pos: int


class TarSum:
    """A readable stream of the re-encoded archive that checksums it (Go ``TarSum``).

    Read it to the end (:meth:`read` returns ``b""``), then call :meth:`sum`.

    :raises TarError: from :meth:`read`, when the archive is not one Go's tar reader
        accepts, or holds a header Go's tar writer cannot encode.
    """

    def __init__(self, reader: _Reader, disable_compression: bool, version: Version) -> None:
        self._reader = reader
        self.disable_compression = disable_compression
        self._version = Version(version)
        self._sums: list[FileInfoSum] = []
        self._buffer = bytearray()
        self._chunks = self._produce()
        self.finished = False

    def version(self) -> Version:
        return self._version

    def hash_name(self) -> str:
        return "sha256"

    def get_sums(self) -> list[FileInfoSum]:
        """The entries' sums, in archive order until :meth:`sum` sorts them."""
        return self._sums

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the re-encoded archive (all of it for ``-1``)."""
        while (size < 0 or len(self._buffer) < size) and not self.finished:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                self.finished = True
        if size < 0:
            size = len(self._buffer)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self.read(_CHUNK)
            if not chunk:
                return
            yield chunk

    def _produce(self) -> Iterator[bytes]:
        tar = TarReader(self._reader)
        writer = TarWriter()
        compressor = (
            None if self.disable_compression else zlib.compressobj(6, zlib.DEFLATED, 31)
        )

        def emit(final: bool = False) -> bytes:
            data = bytes(writer.out)
            writer.out.clear()
            if compressor is None:
                return data
            out = compressor.compress(data)
            return out + compressor.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)

        position = 0
        while True:
            header = tar.next()
            if header is None:
                break
            digest = hashlib.sha256()
            for key, value in select_headers(header, self._version):
                if key in (b"uname", b"gname"):
                    value = b""
                digest.update(key + value)
            writer.write_header(header)
            yield emit()
            while True:
                chunk = tar.read(_CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
                writer.write(chunk)
                yield emit()
            name = path_join(b".", path_join(b"/", header.name))
            self._sums.append(FileInfoSum(name, digest.hexdigest(), position))
            position += 1
        writer.close()
        yield emit(final=True)

    def sum(self, extra: bytes | None = None) -> str:
        """The checksum: ``<version label>+sha256:<hex>`` over ``extra`` and the sorted
        entry sums. Meaningful once the stream has been read to its end."""
        names = [entry.name for entry in self._sums]
        dups = len(set(names)) != len(names)

        def less(a: FileInfoSum, b: FileInfoSum) -> bool:
            if dups and a.name == b.name:
                return a.pos < b.pos
            return a.sum < b.sum

        go_sort(self._sums, less)
        digest = hashlib.sha256()
        if extra:
            digest.update(extra)
        for entry in self._sums:
            digest.update(entry.sum.encode())
        return f"{self._version}+sha256:{digest.hexdigest()}"


def new_tar_sum(reader: _Reader, disable_compression: bool, version: Version | int) -> TarSum:
    """A :class:`TarSum` over the tar stream ``reader`` (Go ``NewTarSum``).

    :param disable_compression: write the re-encoded tar as it is; else gzip it (what a v1
        push uploads).
    :param version: 0 or 1 (or 2, the unsettled ``tarsum.dev``, which hashes as 1).
    :raises InvalidArgumentError: an unknown version (``TarSum Version is not yet
        implemented``).
    """
    try:
        chosen = Version(version)
    except ValueError:
        raise InvalidArgumentError("TarSum Version is not yet implemented") from None
    return TarSum(reader, disable_compression, chosen)


def new_tar_sum_for_label(reader: _Reader, disable_compression: bool, label: str) -> TarSum:
    """A :class:`TarSum` for a ``<version>+<hash>`` label such as ``tarsum.v1+sha256``.

    :raises InvalidArgumentError: a malformed label, unknown version or hash other than
        sha256 (the only one this port implements).
    """
    parts = label.split("+", 1)
    if len(parts) != 2:
        raise InvalidArgumentError(
            "tarsum label string should be of the form: {tarsum_version}+{hash_name}"
        )
    names = {str(version): version for version in Version}
    if parts[0] not in names:
        raise InvalidArgumentError(f"unknown TarSum version name: {parts[0]!r}")
    if parts[1] != "sha256":
        raise InvalidArgumentError(f"unknown TarSum hash name: {parts[1]!r}")
    return TarSum(reader, disable_compression, names[parts[0]])
