"""Overall deadlines: connect, TLS, headers and body of a call together, whatever the server does.

Socket timeouts apply to each read, so a server that sends one byte per second never trips
them, and a ping, login or token fetch could last forever. A :class:`Deadline` bounds the
whole: a watchdog alarm that, when the time is up, shuts down every socket the call is using
(connections register their sockets through :class:`WatchedConnection`), so whatever read or
write is blocked returns at once, and the error that comes out of it is replaced by a
:class:`~registry_core.errors.DeadlineExceededError` naming the request and what it was doing
(connecting, TLS handshake, waiting for the response headers, reading the body).

Deadlines nest: :func:`call_deadline` around any public call (``with call_deadline(10):
service.auth(...)``) bounds everything inside, several requests included, and each request
gets its transport's own deadline too; the earliest one wins. The state lives in a
:class:`contextvars.ContextVar`, so threads do not share it. The watchdog is the process's
one watchdog thread (:mod:`registry_core.watchdog`): arming and disarming a deadline costs a
heap push and a flag, not a thread per request.

A blob or layer stream gets no total deadline (a large layer on a slow link takes as long as
it takes); :class:`ProgressRule` and :class:`StreamGuard` hold it to a stall timeout per read
and a minimum of bytes per window instead, which a stall or a drip breaks and a healthy
transfer does not.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .errors import DeadlineExceededError, InvalidArgumentError
from .watchdog import Alarm, watchdog

__all__ = [
    "DEFAULT_MIN_PROGRESS",
    "DEFAULT_PROGRESS_WINDOW",
    "DEFAULT_REQUEST_DEADLINE",
    "DEFAULT_STALL_TIMEOUT",
    "Deadline",
    "ProgressRule",
    "StreamGuard",
    "WatchedConnection",
    "call_deadline",
    "current_deadline",
    "is_timeout",
]

#: Seconds one request may take, connect to last byte of a body read with it, when the
#: transport is not given another value. Far beyond a working registry's pace; a drip or a
#: stall ends here at the latest.
DEFAULT_REQUEST_DEADLINE = 120.0

_CURRENT: ContextVar[Deadline | None] = ContextVar("registry_core_deadline", default=None)


class Deadline:
    """One running deadline: its watchdog alarm, the sockets it may shut down, and the phase the
    call is in (for the message)."""

    def __init__(self, seconds: float, what: str, parent: Deadline | None) -> None:
        self.seconds = seconds
        self.what = what
        self.parent = parent
        #: When this deadline, by itself, expires; ``expires_at`` is the earlier of that
        #: and the enclosing deadline's.
        self.own_expires_at = time.monotonic() + seconds
        self.expires_at = self.own_expires_at
        if parent is not None:
            self.expires_at = min(self.expires_at, parent.expires_at)
        self.phase = "starting"
        #: The phase the call was in when the deadline passed (what timed out).
        self.fired_phase = ""
        self.fired = False
        self._done = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._alarm: Alarm | None = None

    def remaining(self) -> float:
        return max(0.0, self.expires_at - time.monotonic())

    def clip(self, seconds: float | None) -> float:
        """``seconds`` (a socket timeout), no longer than what is left; at least a sliver,
        since urllib3 treats 0 as "no wait" and would fail without trying."""
        left = max(self.remaining(), 0.001)
        return left if seconds is None else min(seconds, left)

    def watch(self, sock: socket.socket | None, phase: str | None = None) -> None:
        """Shut ``sock`` down if this deadline, or an enclosing one, passes."""
        if phase is not None:
            self.phase = phase
        if sock is None:
            return
        with self._lock:
            if self.fired:
                _shutdown(sock)
            elif sock not in self._sockets:
                self._sockets.append(sock)
        if self.parent is not None:
            self.parent.watch(sock)

    def set_phase(self, phase: str) -> None:
        deadline: Deadline | None = self
        while deadline is not None:
            deadline.phase = phase
            deadline = deadline.parent

    def expired(self) -> Deadline | None:
        """The outermost deadline of the chain that has fired, if any."""
        found = None
        deadline: Deadline | None = self
        while deadline is not None:
            if deadline.fired:
                found = deadline
            deadline = deadline.parent
        return found

    def error(self) -> DeadlineExceededError:
        """The error, naming the deadline of the chain that ran out (the one with the
        earliest expiry of its own: a request's deadline cut short by the caller's is the
        caller's) and the phase the call was in."""
        binding: Deadline = self
        deadline: Deadline | None = self.parent
        while deadline is not None:
            if deadline.own_expires_at <= binding.own_expires_at:
                binding = deadline
            deadline = deadline.parent
        return DeadlineExceededError(
            f"{binding.what}: no complete answer within the deadline of {binding.seconds:g} s "
            f"(timed out {self.fired_phase or self.phase})"
        )

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            self.fired_phase = self.phase
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)

    def _start(self) -> None:
        self._alarm = watchdog().arm(self.expires_at, self._fire)

    def _finish(self) -> None:
        with self._lock:
            self._done = True
            self._sockets = []
        if self._alarm is not None:  # outside our lock: the watchdog's is taken here
            self._alarm.cancel()


def _shutdown(sock: socket.socket) -> None:
    """Make blocked reads and writes on ``sock`` return now. The plain socket's shutdown,
    also for a TLS socket: ``SSLSocket.shutdown`` would drop the TLS object under a reader
    in another thread."""
    with contextlib.suppress(OSError, ValueError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def current_deadline() -> Deadline | None:
    """The innermost deadline running in this context, if any."""
    return _CURRENT.get()


@contextlib.contextmanager
def call_deadline(seconds: float | None, what: str = "call") -> Iterator[Deadline | None]:
    """Bound everything inside the block to ``seconds`` (``None``: no deadline of its own;
    an enclosing one still applies).

    When the deadline passes, the sockets in use are shut down, and the block ends with a
    :class:`~registry_core.errors.DeadlineExceededError` naming ``what`` and the phase it
    was in, whatever error the interrupted code raised (or even if it raised none: a body
    whose end is the connection's end would otherwise look complete).
    """
    parent = _CURRENT.get()
    if seconds is None:
        yield parent
        return
    deadline = Deadline(seconds, what, parent)
    token = _CURRENT.set(deadline)
    deadline._start()
    try:
        yield deadline
    except DeadlineExceededError:
        raise
    except BaseException:
        # The watchdog of an inner deadline with the same expiry may have interrupted the
        # call before this one's timer ran: a failure at or past the expiry is this
        # deadline's too (an error that wraps the inner one, e.g. "all endpoints failed",
        # becomes the deadline error).
        fired = deadline.expired()
        if fired is None and deadline.remaining() <= 0:
            fired = deadline
        if fired is not None:
            raise fired.error() from None
        raise
    else:
        fired = deadline.expired()
        if fired is not None:
            raise fired.error()
    finally:
        deadline._finish()
        _CURRENT.reset(token)


class WatchedConnection:
    """A mixin for urllib3 connection classes: registers each socket with the running
    deadline and keeps its phase up to date. Put it first in the bases."""

    sock: Any

    def _new_conn(self) -> socket.socket:
        deadline = _CURRENT.get()
        if deadline is not None:
            deadline.set_phase("connecting")
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        if deadline is not None:
            deadline.watch(sock, "in the TLS handshake" if _is_tls(self) else "connecting")
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        deadline = _CURRENT.get()
        if deadline is not None:
            deadline.watch(self.sock, "sending the request")
        super().request(*args, **kwargs)  # type: ignore[misc]
        if deadline is not None:
            deadline.watch(self.sock)
            deadline.set_phase("waiting for the response headers")

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        response = super().getresponse(*args, **kwargs)  # type: ignore[misc]
        deadline = _CURRENT.get()
        if deadline is not None:
            deadline.set_phase("reading the response body")
        return response


def _is_tls(connection: object) -> bool:
    return type(connection).__name__.endswith("HTTPSConnection") or hasattr(
        connection, "ssl_context"
    )


# -- streams ---------------------------------------------------------------------------------

#: Seconds a blob or layer stream may go without a single byte before the read fails.
DEFAULT_STALL_TIMEOUT = 60.0
#: The progress window: every this many seconds a stream must have delivered ...
DEFAULT_PROGRESS_WINDOW = 60.0
#: ... at least this many bytes (64 KiB a minute, about 1 KiB/s: far below any link a
#: registry can be used over, far above a drip).
DEFAULT_MIN_PROGRESS = 64 << 10


@dataclass(frozen=True)
class ProgressRule:
    """How slow a blob or layer stream may be before it fails, without a cap on its total
    time (a large layer over a slow but working link takes as long as it takes).

    Two rules: no read may wait more than :attr:`stall_timeout` seconds for its next byte
    (the socket's read timeout during the stream), and each :attr:`window` seconds must
    bring at least :attr:`min_bytes` bytes (a drip of a byte a second never trips a read
    timeout, but trips this). A stall is a broken connection (the stream resumes, as far as
    its resume budget allows); too little progress is a
    :class:`~registry_core.errors.DeadlineExceededError` at once (resuming a drip would only
    drip again, and each drop of progress would reset the resume budget).
    """

    stall_timeout: float = DEFAULT_STALL_TIMEOUT
    window: float = DEFAULT_PROGRESS_WINDOW
    min_bytes: int = DEFAULT_MIN_PROGRESS

    def __post_init__(self) -> None:
        for name in ("stall_timeout", "window"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    not 0 < value < 1e9:
                raise InvalidArgumentError(
                    f"ProgressRule.{name} must be a positive number of seconds, not {value!r}"
                )
        if isinstance(self.min_bytes, bool) or not isinstance(self.min_bytes, int) or \
                self.min_bytes < 0:
            raise InvalidArgumentError(
                f"ProgressRule.min_bytes must be a number of bytes, not {self.min_bytes!r}"
            )


class StreamGuard:
    """Applies a :class:`ProgressRule` to one stream: arms each response's socket with the
    stall timeout and counts the bytes of each window.

    Readers read with ``read1`` (at most one receive per call), so each call returns, with
    data or a timeout, within the stall timeout, and :meth:`delivered` runs often enough to
    see a drip.
    """

    def __init__(self, rule: ProgressRule, what: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rule = rule
        self.what = what
        self._clock = clock
        self._armed: object = None
        self._window_start = clock()
        self._window_bytes = 0

    def arm(self, response: Any) -> None:
        """Set the stall timeout on the socket ``response`` (a requests answer being
        streamed) reads from, once per response."""
        if response is self._armed:
            return
        self._armed = response
        self._window_start = self._clock()
        self._window_bytes = 0
        sock = _socket_of(response)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.settimeout(self.rule.stall_timeout)

    def delivered(self, count: int, position: int) -> None:
        """Count ``count`` bytes just read (the stream is at byte ``position``).

        :raises DeadlineExceededError: a whole window passed with too few bytes.
        """
        self._window_bytes += count
        now = self._clock()
        if now - self._window_start < self.rule.window:
            return
        if self._window_bytes < self.rule.min_bytes:
            raise DeadlineExceededError(
                f"{self.what}: too slow at byte {position}: {self._window_bytes} bytes in "
                f"{now - self._window_start:.1f} s, under the minimum of {self.rule.min_bytes} "
                f"bytes per {self.rule.window:g} s"
            )
        self._window_start = now
        self._window_bytes = 0

    def stalled(self, position: int) -> str:
        """The reason to give for a read that timed out."""
        return (f"{self.what}: stalled at byte {position}: no data for "
                f"{self.rule.stall_timeout:g} s")


def _socket_of(response: Any) -> socket.socket | None:
    """The socket a streamed requests answer reads from: its urllib3 connection's, or, when
    http.client has already let go of it there (an answer that closes the connection), the
    one under the answer's file object."""
    raw = getattr(response, "raw", None)
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if not isinstance(sock, socket.socket):
        fp = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def is_timeout(exc: BaseException) -> bool:
    """Whether a read error is a read timeout (a stall), whoever wrapped it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TimeoutError) or "Timeout" in type(current).__name__:
            return True
        current = current.__cause__ or current.__context__
    return False
