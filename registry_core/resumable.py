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
read errors to :class:`~registry_core.errors.TransportError`.
"""

from __future__ import annotations

import http.client
import io
import logging
import re
import time
from collections.abc import Callable

import requests
import urllib3.exceptions

from .errors import RegistryError, TransportError
from .transport import redact_url

__all__ = ["ResumableLayerReader", "ResponseStream", "DEFAULT_MAX_FAILURES", "backoff"]

log = logging.getLogger(__name__)

#: Failures in a row without progress before the stream gives up (the reference's 5).
DEFAULT_MAX_FAILURES = 5

_READ_ERRORS = (
    urllib3.exceptions.HTTPError,
    requests.RequestException,
    http.client.HTTPException,
    OSError,
)
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


def backoff(failures: int) -> float:
    """Seconds to wait before resume number ``failures`` (1, 2, ...): 0.1 s doubling, at
    most 5 s."""
    return float(min(5.0, 0.1 * (2 ** (failures - 1))))


class ResponseStream(io.RawIOBase):
    """A response body as a binary stream; read errors become
    :class:`~registry_core.errors.TransportError`."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__()
        self.response = response

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            chunk = self.response.raw.read(len(buffer), decode_content=True)
        except _READ_ERRORS as exc:
            raise TransportError(
                f"error reading {redact_url(self.response.url)}: {type(exc).__name__}"
            ) from None
        n = len(chunk or b"")
        buffer[:n] = chunk or b""
        return n

    def close(self) -> None:
        if not self.closed:
            self.response.close()
        super().close()


class ResumableLayerReader(io.RawIOBase):
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

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def _read(self, size: int) -> bytes:
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
            try:
                chunk = self.response.raw.read(want, decode_content=False) or b""
            except _READ_ERRORS as exc:
                self._fail(f"the connection broke at byte {self.position}: {type(exc).__name__}")
                continue
            if chunk:
                self.position += len(chunk)
                self.failures = 0
                return chunk
            self._fail(f"the body ended at byte {self.position} of {self.total_size}")

    def _fail(self, why: str) -> None:
        """Count a failure without progress; raise once there have been too many."""
        self._drop_response()
        self.failures += 1
        log.info("layer %s: %s", redact_url(self.url), why)
        if self.failures >= self.max_failures:
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
        match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
        if (
            match is None
            or int(match.group(1)) != self.position
            or int(match.group(2)) != last
            or match.group(3) not in ("*", str(self.total_size))
        ):
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
