"""Layer streams that survive broken connections (moby ``registry/resumable``, made strict).

:class:`ResumableLayerReader` reads a v1 layer of known size. When the connection breaks, or
ends early without an error, it asks again for the rest with ``Range: bytes=<read>-<size-1>``
and goes on where it stopped. Beyond the reference (see :doc:`/quirks`):

* a resumed answer must be ``206 Partial Content`` whose ``Content-Range`` starts exactly at
  the bytes already read and ends at the layer's end; a ``200`` is never appended (its body
  starts at byte 0), so it fails the stream (``the server doesn't support byte ranges``);
* a failure is any broken read, short body or unusable answer, and only failures in a row
  without progress count: after ``max_failures`` of them the stream raises;
* a stream that ends before ``total_size`` bytes never ends quietly: it resumes, and raises
  when it cannot; no more than ``total_size`` bytes are ever read;
* the wait before a resume grows (0.1 s, 0.2 s, 0.4 s, ... at most 5 s) rather than a flat
  5 s, and is injectable.

:class:`ResponseStream` is the plain stream for a server that does not offer ranges: it maps
read errors to :class:`~registry_core.errors.TransportError`, and when the layer's size is
known, a body that ends short of it (a clean end of connection without ``Content-Length``)
is an error too, never a short layer.

Both are held to a :class:`~registry_core.deadline.ProgressRule` (their ``progress``
attribute): no read waits longer than its stall timeout (a stall is a broken connection:
resumed where ranges are offered; the final error is a
:class:`~registry_core.errors.DeadlineExceededError` naming the stall), and each window
must bring its minimum of bytes (else a ``DeadlineExceededError`` at once), without a cap on
the total time. Both read the raw bytes: a ``Content-Encoding`` is never decoded (a layer is
a compressed tar already; decoding would inflate a gzip bomb and break the byte ranges).
"""

from __future__ import annotations

import http.client
import io
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import requests
import urllib3.exceptions

from .deadline import ProgressRule, StreamGuard, is_timeout
from .errors import DeadlineExceededError, RegistryError, TransportError
from .transport import redact_url

__all__ = ["ResumableLayerReader", "ResponseStream", "DEFAULT_MAX_FAILURES", "accepts_layer_range",
           "backoff", "fill"]

log = logging.getLogger(__name__)

#: Failures in a row without progress before the stream gives up (the reference's 5).
DEFAULT_MAX_FAILURES = 5

_READ_ERRORS = (
    urllib3.exceptions.HTTPError,
    requests.RequestException,
    http.client.HTTPException,
    OSError,
)
_CONTENT_RANGE = re.compile(r"bytes\s+(\d{1,19})-(\d{1,19})/(\d{1,19}|\*)", re.IGNORECASE)


def backoff(failures: int) -> float:
    """Seconds to wait before resume number ``failures`` (1, 2, ...): 0.1 s doubling, at
    most 5 s."""
    return float(min(5.0, 0.1 * (2 ** (failures - 1))))


def parse_content_range(value: str) -> tuple[int, int, int | None] | None:
    """``(first, last, total)`` of a ``Content-Range: bytes first-last/total`` (``total``
    ``None`` for ``*``; the unit in any case, as HTTP allows); ``None`` for anything else, or
    a range that ends before it starts or past its total. Blob and layer resumes both judge
    a 206 by it."""
    match = _CONTENT_RANGE.fullmatch(value.strip())
    if match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    total = None if match.group(3) == "*" else int(match.group(3))
    if last < first or (total is not None and last >= total):
        return None
    return first, last, total


def accepts_layer_range(content_range: str, position: int, total_size: int) -> bool:
    """Whether ``Content-Range`` answers ``Range: bytes=<position>-<total_size - 1>``
    exactly: the same first and last byte, and the layer's size or ``*`` as the total."""
    parsed = parse_content_range(content_range)
    return parsed is not None and parsed[:2] == (position, total_size - 1) and parsed[2] in (
        None, total_size)


def fill(read_some: Callable[[int], bytes], size: int) -> bytes:
    """``size`` bytes from ``read_some`` (which may return fewer), fewer only at the end:
    the streams read one receive at a time, so that a drip is seen between its bytes, yet
    ``read(n)`` keeps its usual meaning."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        piece = read_some(size - got)
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class PieceStream(io.RawIOBase):
    """A binary stream over :meth:`_read_some`, which returns what one receive gives (at most
    ``size`` bytes; ``b""`` at the end): ``read(n)`` fills to ``n`` bytes except at the end
    (:func:`fill`), ``readinto`` takes one piece. The layer and blob readers share it."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        return fill(self._read_some, size)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._read_some(len(view))
        view[: len(data)] = data
        return len(data)

    def _read_some(self, size: int) -> bytes:
        raise NotImplementedError


class ResponseStream(PieceStream):
    """A response body as a binary stream of its raw bytes; read errors become
    :class:`~registry_core.errors.TransportError`.

    :param expected_size: the body's size when known (above 0): an end before it is an error.
    :param progress: the stall timeout and minimum progress (:class:`ProgressRule`).
    """

    def __init__(self, response: requests.Response, expected_size: int = -1, *,
                 progress: ProgressRule | None = None) -> None:
        super().__init__()
        self.response = response
        self.expected_size = expected_size
        self.position = 0
        self.progress = progress or ProgressRule()
        self._guard: StreamGuard | None = None

    def _read_some(self, size: int) -> bytes:
        if size <= 0:
            return b""
        what = f"layer {redact_url(self.response.url)}"
        if self._guard is None or self._guard.rule is not self.progress:
            self._guard = StreamGuard(self.progress, what)
        self._guard.arm(self.response)
        try:
            chunk = self.response.raw.read1(size, decode_content=False) or b""
        except _READ_ERRORS as exc:
            self.response.close()
            if is_timeout(exc):
                raise DeadlineExceededError(self._guard.stalled(self.position)) from None
            raise TransportError(
                f"error reading {redact_url(self.response.url)}: {type(exc).__name__}"
            ) from None
        if not chunk:
            if 0 < self.expected_size != self.position:
                self.response.close()
                raise TransportError(
                    f"{what}: the body ended at byte {self.position} of {self.expected_size}"
                )
            return b""
        self.position += len(chunk)
        try:
            self._guard.delivered(len(chunk), self.position)
        except DeadlineExceededError:
            self.response.close()
            raise
        return chunk

    def close(self) -> None:
        if not self.closed:
            self.response.close()
        super().close()


class ResumableLayerReader(PieceStream):
    """A layer body that resumes with ``Range`` requests; see the module documentation.

    :param session: sends the resumed requests (the v1 session's client, with its auth).
    :param url: the layer's URL.
    :param total_size: the layer's size in bytes (from ``X-Docker-Size``), more than 0.
    :param initial_response: the first answer (a 200 being streamed), if already sent.
    :param max_failures: failures in a row without progress before giving up.
    :param sleep: how to wait between attempts (``time.sleep``; tests pass their own).
    :param wait: seconds to wait before resume number ``n`` (:func:`backoff`).
    """

    def __init__(
        self,
        session: requests.Session,
        url: str,
        total_size: int,
        initial_response: requests.Response | None = None,
        *,
        max_failures: int = DEFAULT_MAX_FAILURES,
        sleep: Callable[[float], None] = time.sleep,
        wait: Callable[[int], float] = backoff,
        progress: ProgressRule | None = None,
    ) -> None:
        super().__init__()
        if total_size <= 0:
            raise RegistryError("a resumable layer needs its size")
        self.session = session
        self.url = url
        self.total_size = total_size
        self.response = initial_response
        self.max_failures = max(1, max_failures)
        self.sleep = sleep
        self.wait = wait
        self.position = 0
        self.failures = 0
        self.resumes = 0
        #: The stall timeout and minimum progress (:class:`ProgressRule`).
        self.progress = progress or ProgressRule()
        self._guard: StreamGuard | None = None

    def _read_some(self, size: int) -> bytes:
        if size <= 0:
            return b""
        while True:
            if self.position == self.total_size:
                self._drop_response()
                return b""
            if self.response is None:
                self._resume()
                if self.response is None:
                    continue
            assert self.response is not None
            want = min(size, self.total_size - self.position)
            if self._guard is None or self._guard.rule is not self.progress:
                self._guard = StreamGuard(self.progress, f"layer {redact_url(self.url)}")
            self._guard.arm(self.response)
            try:
                chunk = self.response.raw.read1(want, decode_content=False) or b""
            except _READ_ERRORS as exc:
                if is_timeout(exc):
                    self._fail(self._guard.stalled(self.position), stalled=True)
                else:
                    self._fail(
                        f"the connection broke at byte {self.position}: {type(exc).__name__}"
                    )
                continue
            if chunk:
                self.position += len(chunk)
                self.failures = 0
                try:
                    self._guard.delivered(len(chunk), self.position)
                except DeadlineExceededError:
                    self._drop_response()
                    raise
                return chunk
            self._fail(f"the body ended at byte {self.position} of {self.total_size}")

    def _fail(self, why: str, *, stalled: bool = False) -> None:
        """Count a failure without progress; raise once there have been too many."""
        self._drop_response()
        self.failures += 1
        log.info("layer %s: %s", redact_url(self.url), why)
        if self.failures >= self.max_failures:
            if stalled:  # the message names what stalled, where, and for how long
                raise DeadlineExceededError(
                    f"{why}; giving up after {self.failures} attempts without progress"
                )
            raise TransportError(
                f"layer {redact_url(self.url)}: {why}; giving up after {self.failures} "
                "attempts without progress"
            )

    def _resume(self) -> None:
        """Ask for the rest; leave :attr:`response` set to a usable 206, or count a
        failure."""
        self.resumes += 1
        self.sleep(self.wait(self.failures or 1))
        last = self.total_size - 1
        try:
            response = self.session.get(
                self.url,
                headers={"Range": f"bytes={self.position}-{last}", "Accept-Encoding": "identity"},
                stream=True,
            )
        except RegistryError as exc:
            self._fail(f"resuming failed: {exc}")
            return
        if response.status_code == 200:
            response.close()
            self._drop_response()
            raise TransportError("the server doesn't support byte ranges")
        if response.status_code != 206:
            response.close()
            self._fail(f"resuming got status {response.status_code}")
            return
        if not accepts_layer_range(response.headers.get("Content-Range", ""), self.position,
                                   self.total_size):
            response.close()
            self._fail(
                f"resuming at byte {self.position} got Content-Range "
                f"{response.headers.get('Content-Range', '')!r}"
            )
            return
        self.response = response

    def _drop_response(self) -> None:
        if self.response is not None:
            self.response.close()
            self.response = None

    def close(self) -> None:
        self._drop_response()
        super().close()
