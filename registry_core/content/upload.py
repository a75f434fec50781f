"""Pushing a blob: monolithic when small, chunked when large, mounted when possible.

Every upload starts with ``POST /v2/<name>/blobs/uploads/`` and ends with
``PUT <location>?digest=<digest>``; the registry checks the digest. In between:

* monolithic: the whole blob is the body of the final ``PUT``;
* chunked: ``PATCH <location>`` bodies of at most ``chunk_size`` bytes, each with its
  ``Content-Range``, each answer giving the ``Location`` to use next (distribution keeps
  the upload's state in it), then a ``PUT`` without a body.

A body is streamed from the source in large pieces: the blob is never read into memory as a
whole (a source of unknown size is read one chunk at a time). The digest is computed while
the bytes pass, so a file of unknown digest needs one pass only.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol
from urllib.parse import quote, urljoin

import requests

from ..errors import InvalidArgumentError
from .blobs import BlobReader
from .digests import check_digest, compute_digest, new_hasher
from .errors import DigestMismatchError, response_error, unexpected
from .manifest import Descriptor

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_MONOLITHIC_MAX",
    "Readable",
    "UploadTarget",
    "upload_blob",
]

log = logging.getLogger(__name__)

#: Blobs up to this size (when their size and digest are known) go in one ``PUT``.
DEFAULT_MONOLITHIC_MAX = 32 * 1024 * 1024
#: The most bytes in one ``PATCH``.
DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024
#: Bytes handed to the connection at a time.
_PIECE = 1024 * 1024
_OCTET_STREAM = "application/octet-stream"
REQUEST_TIMEOUT = 300.0


class Readable(Protocol):
    """Anything with a binary ``read(n)``: a file, a socket file, a :class:`BlobReader`."""

    def read(self, size: int = ..., /) -> bytes: ...


@dataclass
class UploadTarget:
    """Where uploads go: a session and ``<base>/v2/<name>``."""

    session: requests.Session
    repository_url: str
    name: str

    def url(self, suffix: str) -> str:
        return f"{self.repository_url}/{suffix}"


class _Body:
    """A request body of known length read from ``source``, hashed as it goes.

    Given to requests as an iterable with a length: it sends ``Content-Length`` and urllib3
    writes the pieces as they come. An error of the source (a blob that failed
    verification) is kept, so the caller can raise it rather than the connection error it
    turns into.
    """

    def __init__(
        self, source: Readable, length: int, hasher: Any, *, check_end: bool = False
    ) -> None:
        self.source = source
        self.check_end = check_end
        self.length = length
        self.hasher = hasher
        self.sent = 0
        self.error: BaseException | None = None

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        while self.sent < self.length:
            try:
                data = self.source.read(min(_PIECE, self.length - self.sent))
            except BaseException as exc:
                self.error = exc
                raise
            if not data:
                self.error = InvalidArgumentError(
                    f"the source ended after {self.sent} of {self.length} bytes"
                )
                raise self.error
            self.hasher.update(data)
            self.sent += len(data)
            if self.sent >= self.length and self.check_end:
                self._check_end()
            yield data

    def _check_end(self) -> None:
        """Read once more before the last piece goes out: a verifying source (a
        :class:`~registry_core.content.blobs.BlobReader`) checks its digest at its end, and
        a failure then leaves the request incomplete, so the registry stores nothing."""
        try:
            extra = self.source.read(1)
        except BaseException as exc:
            self.error = exc
            raise
        if extra:
            self.error = InvalidArgumentError(f"the source is longer than {self.length} bytes")
            raise self.error


def _read_up_to(source: Readable, size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the source."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        data = source.read(min(left, _PIECE * 8))
        if not data:
            break
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


def _location(response: requests.Response, what: str) -> str:
    location = response.headers.get("Location")
    if not location:
        raise unexpected(response, what, "the answer has no Location")
    return urljoin(response.url, location)


def _with_digest(location: str, digest: str) -> str:
    separator = "&" if "?" in location else "?"
    return f"{location}{separator}digest={quote(digest, safe=':')}"


def start_upload(target: UploadTarget, query: str = "") -> requests.Response:
    """``POST /v2/<name>/blobs/uploads/[?query]``; the answer, not yet checked."""
    return target.session.post(
        target.url("blobs/uploads/") + (f"?{query}" if query else ""),
        headers={"Content-Length": "0"}, timeout=REQUEST_TIMEOUT,
    )


def new_upload(target: UploadTarget) -> str:
    """Open an upload session; its location."""
    what = f"starting an upload to {target.name}"
    response = start_upload(target)
    if response.status_code != 202:
        raise response_error(response, what, not_found="NAME_UNKNOWN")
    response.close()
    return _location(response, what)


def cancel_upload(target: UploadTarget, location: str) -> None:
    """Best effort: tell the registry to drop an upload session."""
    try:
        target.session.delete(location, timeout=REQUEST_TIMEOUT).close()
    except Exception as exc:  # noqa: BLE001 - cleanup must not hide the real error
        log.debug("cancelling an upload to %s failed: %s", target.name, exc)


def _send(
    target: UploadTarget, method: str, url: str, body: Any, headers: dict[str, str],
    expected: int, what: str,
) -> requests.Response:
    """Send an upload request; the error of a body's source wins over the connection's."""
    try:
        response = target.session.request(
            method, url, data=body, headers=headers, timeout=REQUEST_TIMEOUT
        )
    except Exception:
        if isinstance(body, _Body) and body.error is not None:
            raise body.error from None
        raise
    if isinstance(body, _Body) and body.error is not None:
        response.close()
        raise body.error
    if response.status_code != expected:
        raise response_error(response, what, not_found="BLOB_UPLOAD_UNKNOWN")
    response.close()
    return response


def upload_blob(
    target: UploadTarget,
    data: bytes | bytearray | memoryview | BinaryIO | Readable,
    digest: str | None = None,
    size: int | None = None,
    *,
    location: str | None = None,
    monolithic_max: int = DEFAULT_MONOLITHIC_MAX,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Descriptor:
    """Upload ``data`` (bytes or a binary file object read from its current position).

    :param digest: the digest the content has; computed while sending when not given.
    :param size: its size, when known (a file object of unknown size goes chunked).
    :param location: an upload session already open (a declined mount opens one).
    :raises DigestMismatchError: the content does not have ``digest`` or ``size``.
    :raises RegistryResponseError: the registry refused a step.
    """
    if chunk_size <= 0:
        raise InvalidArgumentError(f"chunk_size must be positive, not {chunk_size}")
    expected = str(check_digest(digest)) if digest is not None else None
    source: Readable
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        actual = compute_digest(raw, expected.partition(":")[0] if expected else "sha256")
        if expected is not None and actual != expected:
            raise DigestMismatchError(
                f"uploading to {target.name}: the content's digest is {actual}, not {expected}",
                expected=expected, actual=actual,
            )
        if size is not None and size != len(raw):
            raise InvalidArgumentError(f"size {size} given for {len(raw)} bytes of content")
        expected, size, source = actual, len(raw), io.BytesIO(raw)
    else:
        source = data
    what = f"uploading blob to {target.name}"
    if location is None:
        location = new_upload(target)
    try:
        if expected is not None and size is not None and size <= monolithic_max:
            return _monolithic(target, location, source, expected, size, what)
        return _chunked(target, location, source, expected, size, chunk_size, what)
    except BaseException:
        cancel_upload(target, location)
        raise


def _monolithic(
    target: UploadTarget, location: str, source: Readable, digest: str, size: int, what: str
) -> Descriptor:
    body = _Body(source, size, new_hasher(digest), check_end=isinstance(source, BlobReader))
    headers = {"Content-Type": _OCTET_STREAM}
    if size == 0:
        body_or_empty: Any = b""
        headers["Content-Length"] = "0"
    else:
        body_or_empty = body
    _send(target, "PUT", _with_digest(location, digest), body_or_empty, headers, 201, what)
    log.debug("uploaded %s (%d bytes) to %s in one request", digest, size, target.name)
    return Descriptor(_OCTET_STREAM, digest, size)


def _chunked(
    target: UploadTarget, location: str, source: Readable, digest: str | None,
    size: int | None, chunk_size: int, what: str,
) -> Descriptor:
    hasher = new_hasher(digest or "sha256:")
    offset = 0
    while size is None or offset < size:
        body: Any
        if size is not None:
            length = min(chunk_size, size - offset)
            last = offset + length >= size
            body = _Body(source, length, hasher, check_end=last and isinstance(source, BlobReader))
        else:
            body = _read_up_to(source, chunk_size)
            length = len(body)
            if not length:
                break
            hasher.update(body)
        headers = {
            "Content-Type": _OCTET_STREAM,
            "Content-Range": f"{offset}-{offset + length - 1}",
            "Content-Length": str(length),
        }
        response = _send(target, "PATCH", location, body, headers, 202, what)
        location = _location(response, what)
        offset += length
        if size is None and length < chunk_size:
            break
    algorithm = (digest or "sha256:").partition(":")[0]
    actual = f"{algorithm}:{hasher.hexdigest()}"
    if digest is not None and actual != digest:
        raise DigestMismatchError(
            f"uploading to {target.name}: the content's digest is {actual}, not {digest}",
            expected=digest, actual=actual,
        )
    headers = {"Content-Type": _OCTET_STREAM, "Content-Length": "0"}
    _send(target, "PUT", _with_digest(location, actual), b"", headers, 201, what)
    log.debug("uploaded %s (%d bytes) to %s in chunks", actual, offset, target.name)
    return Descriptor(_OCTET_STREAM, actual, offset)
