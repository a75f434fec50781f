"""Reading a blob: a stream that verifies its digest and survives a broken connection.

:class:`BlobReader` reads the answer's body in large pieces and feeds each piece to the
hash as it passes, so a blob of any size streams in constant memory. When the connection
breaks (a reset, a cut, a read timeout, or an end before the announced length), it asks
again from the first byte it does not have (``Range: bytes=N-``) and accepts only a 206
whose ``Content-Range`` starts at ``N``: anything else could splice other bytes into the
stream. At the end the digest (and size, when known) must match, or
:class:`~registry_core.content.errors.DigestMismatchError` is raised from the read that hit
the end: wrong bytes never pass silently.

A stream that stalls or drips ends in a typed error, without a cap on its total time: no
read waits more than the :class:`~registry_core.deadline.ProgressRule`'s stall timeout (a
stall counts as a broken connection, so it is resumed within the resume budget, and the
final error is a :class:`~registry_core.errors.DeadlineExceededError` naming the stall), and
each window of the rule must bring its minimum of bytes (else a
:class:`~registry_core.errors.DeadlineExceededError` at once). Reads use ``read1`` (one
receive at most), so a drip is seen between its bytes, and always the raw bytes: a
``Content-Encoding`` is never decoded (a gzip bomb stays the bytes it is, and fails the
digest if it is not the blob).
"""

from __future__ import annotations

import http.client
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import requests
import urllib3.exceptions

from ..deadline import ProgressRule, StreamGuard, is_timeout
from ..errors import DeadlineExceededError, TransportError
from ..resumable import PieceStream, parse_content_range
from .digests import new_hasher
from .errors import DigestMismatchError, unexpected

__all__ = ["DEFAULT_CHUNK_SIZE", "BlobReader", "check_range_response", "parse_content_range"]

log = logging.getLogger(__name__)

#: Bytes read (and hashed) at a time: large enough that Python's per-call cost vanishes
#: next to hashing and copying.
DEFAULT_CHUNK_SIZE = 1024 * 1024

#: Blobs at least this large are hashed in a second thread while the next piece is received
#: (``hashlib`` releases the GIL while it hashes a large piece): verifying then costs little
#: more time than receiving, instead of adding to it.
BACKGROUND_HASH_MIN = 8 * DEFAULT_CHUNK_SIZE

#: Errors that mean "the connection broke while the body was read".
_BROKEN = (
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    requests.RequestException,
    OSError,
)


#: Opens the blob from an offset: returns a streamed answer already checked to start there.
Opener = Callable[[int], requests.Response]


def check_range_response(response: requests.Response, offset: int, what: str,
                         size: int | None = None) -> None:
    """Accept an answer to ``Range: bytes=<offset>-`` only if it is a 206 whose
    ``Content-Range`` starts at ``offset`` and runs to the end of the blob (of ``size``
    bytes, when known); raise :class:`UnexpectedResponseError` (closing it) otherwise."""
    if response.status_code != 206:
        raise unexpected(response, what, f"resuming at byte {offset} got no partial content")
    parsed = parse_content_range(response.headers.get("Content-Range", ""))
    if (
        parsed is None
        or parsed[0] != offset
        or (parsed[2] is not None and parsed[1] != parsed[2] - 1)
        or (size is not None and parsed[2] not in (None, size))
    ):
        raise unexpected(
            response, what,
            f"resuming at byte {offset} got Content-Range "
            f"{response.headers.get('Content-Range', '(none)')!r}",
        )


class _BackgroundHash:
    """Feeds pieces to a hash object in one worker thread, in order, at most one piece
    ahead of the reader (so at most two pieces are held: the one hashed, the one read)."""

    def __init__(self, hasher: Any) -> None:
        self._hasher = hasher
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def update(self, data: bytes) -> None:
        self.wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="registry-core-blob-hash")
        self._pending = self._pool.submit(self._hasher.update, data)

    def wait(self) -> None:
        """Until every piece handed over is in the hash."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class BlobReader(PieceStream):
    """A binary stream of one blob, verified while read, resumed when broken.

    Use it as a context manager; :meth:`read` and :meth:`readinto` are the file protocol,
    :meth:`iter_chunks` the fastest way through. Returned by
    :meth:`Repository.open_blob <registry_core.content.Repository.open_blob>`.

    :ivar digest: the digest the content must have.
    :ivar size: the size it must have, when known (from the caller, else the first
        answer's ``Content-Length``).
    :ivar bytes_read: how many bytes were delivered so far.
    :ivar resumes: how many times a broken transfer was resumed.
    :ivar progress: the stall timeout and minimum progress the stream is held to (set it
        before reading to change it).
    """

    def __init__(
        self,
        opener: Opener,
        digest: str,
        size: int | None = None,
        *,
        first: requests.Response | None = None,
        max_resumes: int = 5,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: ProgressRule | None = None,
    ) -> None:
        super().__init__()
        self.digest = digest
        self.size = size
        self.bytes_read = 0
        self.resumes = 0
        self.chunk_size = chunk_size
        self.max_resumes = max_resumes
        self._opener = opener
        self._hasher = new_hasher(digest)
        self._background: _BackgroundHash | None = None
        self._failures = 0  # consecutive resumes without a byte of progress
        self._response: requests.Response | None = None
        self._done = False
        self._failed: DigestMismatchError | None = None
        self.progress = progress or ProgressRule()
        self._guard: StreamGuard | None = None
        #: Called with the number of bytes of each piece delivered (a progress display).
        self.on_read: Callable[[int], None] | None = None
        if first is not None:
            self._take(first)

    # -- the file protocol ---------------------------------------------------------------

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all the rest for ``-1``); ``b""`` at the verified end.

        :raises DigestMismatchError: at the end, when the content is not what was asked for.
        :raises TransportError: the connection broke and could not be resumed.
        """
        return super().read(size)

    def readall(self) -> bytes:
        parts = list(self.iter_chunks())
        return b"".join(parts)

    def iter_chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The rest of the blob in pieces of at most ``chunk_size`` bytes, verified at the end."""
        size = chunk_size or self.chunk_size
        while True:
            data = self._read_some(size)
            if not data:
                return
            yield data

    def close(self) -> None:
        """Close the connection; reading stops (without verification, when not at the end)."""
        if self._response is not None:
            self._response.close()
            self._response = None
        if self._background is not None:
            self._background.close()
        super().close()

    def __enter__(self) -> BlobReader:
        return self

    # -- the machinery ------------------------------------------------------------------

    def _take(self, response: requests.Response) -> None:
        if response.status_code == 206 and self.size is not None:
            # The opener checked where the range starts; the total must be this blob's.
            check_range_response(response, self.bytes_read, f"reading blob {self.digest}",
                                 self.size)
        self._response = response
        if self.size is None and self.bytes_read == 0:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and response.status_code == 200:
                self.size = int(length)

    def _read_some(self, size: int) -> bytes:
        if self.closed:
            raise ValueError("I/O operation on closed blob reader")
        if self._failed is not None:
            raise self._failed  # a failed verification stays failed: never a quiet EOF
        while not self._done:
            if self._response is None:
                try:
                    response = self._opener(self.bytes_read)
                except TransportError as exc:
                    if self.bytes_read == 0 and self.resumes == 0:
                        raise
                    self._broken(str(exc))
                    continue
                self._take(response)
            assert self._response is not None
            guard = self._guard_for(self._response)
            try:
                data = self._response.raw.read1(size, decode_content=False)
            except _BROKEN as exc:
                if is_timeout(exc):
                    self._broken(guard.stalled(self.bytes_read), stalled=True)
                else:
                    self._broken(str(exc) or type(exc).__name__)
                continue
            if data:
                self._failures = 0
                self.bytes_read += len(data)
                try:
                    guard.delivered(len(data), self.bytes_read)
                except DeadlineExceededError:
                    self._drop()
                    raise
                if self.size is not None and self.bytes_read > self.size:
                    self._fail_size()
                self._hash(data)
                if self.on_read is not None:
                    self.on_read(len(data))
                return bytes(data)
            if self.size is not None and self.bytes_read < self.size:
                self._broken(f"the body ended after {self.bytes_read} of {self.size} bytes")
                continue
            self._finish()
        return b""

    def _guard_for(self, response: requests.Response) -> StreamGuard:
        if self._guard is None or self._guard.rule is not self.progress:
            self._guard = StreamGuard(self.progress, f"reading blob {self.digest}")
        self._guard.arm(response)
        return self._guard

    def _hash(self, data: bytes) -> None:
        if self._background is None and self.size is not None and \
                self.size >= BACKGROUND_HASH_MIN:
            self._background = _BackgroundHash(self._hasher)
        if self._background is not None:
            self._background.update(data)
        else:
            self._hasher.update(data)

    def _drop(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None

    def _broken(self, why: str, *, stalled: bool = False) -> None:
        self._drop()
        self._failures += 1
        if self._failures > self.max_resumes:
            if stalled:  # the message names what stalled, where, and for how long
                raise DeadlineExceededError(
                    f"{why}; {self.max_resumes} attempts to resume failed"
                )
            raise TransportError(
                f"reading blob {self.digest}: the connection broke at byte {self.bytes_read} "
                f"and {self.max_resumes} attempts to resume failed: {why}"
            )
        self.resumes += 1
        if self._failures > 1:
            # Back off a little when resuming itself fails: the network may need a moment.
            time.sleep(min(0.1 * 2 ** (self._failures - 2), 2.0))
        log.info("blob %s: connection broke at byte %d (%s); resuming", self.digest,
                 self.bytes_read, why)

    def _fail_size(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None
        self._failed = DigestMismatchError(
            f"blob {self.digest}: the registry sent more than the expected {self.size} bytes",
            expected=self.digest,
        )
        raise self._failed

    def _finish(self) -> None:
        self._done = True
        if self._response is not None:
            self._response.close()
            self._response = None
        if self._background is not None:
            self._background.wait()
            self._background.close()
        algorithm = self.digest.partition(":")[0]
        actual = f"{algorithm}:{self._hasher.hexdigest()}"
        if actual != self.digest:
            self._failed = DigestMismatchError(
                f"blob {self.digest}: the registry sent {self.bytes_read} bytes whose digest "
                f"is {actual}",
                expected=self.digest,
                actual=actual,
            )
            raise self._failed


