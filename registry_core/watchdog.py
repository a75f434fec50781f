"""One watchdog thread per process that runs callbacks when their time is up.

Every request arms an overall deadline (:mod:`registry_core.deadline`) and nearly every one
ends long before it. A ``threading.Timer`` per request costs a thread start and a join, a
good part of a millisecond, on each of them; here, arming is a push on a heap under a lock,
and the thread is woken only when the new expiry is the earliest it knows of. Disarming only
marks the entry cancelled (no wake-up): the thread drops it when it reaches the top of the
heap, and the heap is compacted when cancelled entries make up most of it, so a long default
deadline (120 s) disarmed after a few milliseconds, thousands of times a second, does not
pile up.

The thread is started on first use (never at import), is a daemon (it never keeps a process
alive), and is made again in a forked child, where the parent's thread does not exist: the
child takes over the entries still armed.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable

__all__ = ["Alarm", "Watchdog", "watchdog"]

#: The name of the watchdog thread (to find it in ``threading.enumerate()``).
THREAD_NAME = "registry-core-watchdog"

#: Compact the heap when it holds at least this many entries and most are cancelled.
_COMPACT_MIN = 1024

_log = logging.getLogger(__name__)


class Alarm:
    """One armed callback. :meth:`cancel` it when the guarded work ends in time."""

    __slots__ = ("callback", "cancelled", "expires_at", "_owner")

    def __init__(self, expires_at: float, callback: Callable[[], None], owner: Watchdog) -> None:
        self.expires_at = expires_at
        self.callback = callback
        self.cancelled = False
        self._owner = owner

    def cancel(self) -> None:
        """Never run the callback (if it is not already running). Wakes no thread."""
        if not self.cancelled:
            self.cancelled = True
            self._owner._count_cancelled()


class Watchdog:
    """A heap of :class:`Alarm` ordered by expiry (``time.monotonic()`` seconds) and the one
    thread that sleeps until the earliest and runs its callback.

    Callbacks run on the watchdog thread, outside its lock, one after another: keep them
    short (shutting sockets down), and never let them wait for a lock that is held while an
    alarm is armed or cancelled.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()  # ties fire in arming order; Alarms never compare
        self._cancelled = 0
        #: The expiry the thread sleeps until (``inf``: no alarm; ``-inf``: awake).
        self._sleeping_until = float("-inf")
        self._thread: threading.Thread | None = None

    def arm(self, expires_at: float, callback: Callable[[], None]) -> Alarm:
        """Run ``callback`` on the watchdog thread once ``time.monotonic()`` reaches
        ``expires_at``, unless the returned alarm is cancelled first."""
        alarm = Alarm(expires_at, callback, self)
        with self._cond:
            if self._thread is None:
                self._start()
            heapq.heappush(self._heap, (expires_at, next(self._order), alarm))
            if expires_at < self._sleeping_until:  # earlier than what the thread waits for
                self._sleeping_until = float("-inf")
                self._cond.notify()
        return alarm

    def pending(self) -> int:
        """How many alarms are armed and neither fired nor cancelled."""
        with self._cond:
            return sum(1 for _, _, alarm in self._heap if not alarm.cancelled)

    def _count_cancelled(self) -> None:
        with self._cond:
            self._cancelled += 1
            if len(self._heap) >= _COMPACT_MIN and self._cancelled * 2 > len(self._heap):
                self._heap[:] = [item for item in self._heap if not item[2].cancelled]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def _adopt(self, old: Watchdog) -> None:
        """Take over the alarms ``old`` (a forked parent's watchdog, whose thread is not in
        this process) still holds. The child has one thread, so ``old``'s lock is not
        needed (and may be held forever by a thread that was not copied)."""
        self._heap = [item for item in old._heap if not item[2].cancelled]
        heapq.heapify(self._heap)
        if self._heap:
            with self._cond:
                self._start()

    def _run(self) -> None:
        heap = self._heap  # compacted in place, never replaced
        while True:
            with self._cond:
                while heap and heap[0][2].cancelled:
                    heapq.heappop(heap)
                    self._cancelled = max(0, self._cancelled - 1)
                now = time.monotonic()
                if not heap or heap[0][0] > now:
                    self._sleeping_until = heap[0][0] if heap else float("inf")
                    self._cond.wait(None if not heap else heap[0][0] - now)
                    self._sleeping_until = float("-inf")
                    continue
                due: list[Alarm] = []
                while heap and heap[0][0] <= now:
                    alarm = heapq.heappop(heap)[2]
                    if alarm.cancelled:
                        self._cancelled = max(0, self._cancelled - 1)
                    else:
                        due.append(alarm)
            for alarm in due:
                if alarm.cancelled:
                    continue
                try:
                    alarm.callback()
                except Exception:  # the thread must outlive a broken callback
                    _log.exception("watchdog callback %r failed", alarm.callback)


_watchdog: Watchdog | None = None
_watchdog_lock = threading.Lock()


def watchdog() -> Watchdog:
    """The process's watchdog, made (and its thread started) on first use, and made again
    in a child process after a fork."""
    global _watchdog
    current = _watchdog
    if current is not None and current.pid == os.getpid():
        return current
    with _watchdog_lock:
        current = _watchdog
        if current is None or current.pid != os.getpid():
            fresh = Watchdog()
            if current is not None:
                fresh._adopt(current)
            _watchdog = current = fresh
        return current
