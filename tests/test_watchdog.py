"""The process's one watchdog thread that fires the overall deadlines: it fires what expired
and nothing that was disarmed, stays one thread however many deadlines and threads there
are, wakes for an earlier deadline while it sleeps on a later one, and is made again after
a fork. Counts only, with small deadlines and generous bounds: no test times the speed."""

from __future__ import annotations

import os
import threading

import pytest

from registry_core.deadline import call_deadline
from registry_core.errors import DeadlineExceededError
from registry_core.watchdog import THREAD_NAME, watchdog

THREADS = 16
PER_THREAD = 40
BOUND = 20.0  # seconds a test waits at most for something that should take milliseconds


def watchdog_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def fire_after(seconds: float) -> threading.Event:
    """An event the process's watchdog sets ``seconds`` from now."""
    import time

    event = threading.Event()
    watchdog().arm(time.monotonic() + seconds, event.set)
    return event


def test_deadlines_from_16_threads_fire_only_the_expired_ones() -> None:
    """Each thread arms deadlines it disarms at once and deadlines it lets run out; the
    disarmed ones expire first, so once a sentinel armed after all of them (and expiring
    after them) has fired, the watchdog has passed every one."""
    import time

    fired_kept: list[int] = []
    fired_disarmed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work(index: int) -> None:
        start.wait()
        for n in range(PER_THREAD):
            key = index * PER_THREAD + n

            def on_disarmed(key: int = key) -> None:
                with lock:
                    fired_disarmed.append(key)

            def on_kept(key: int = key) -> None:
                with lock:
                    fired_kept.append(key)

            # Margins a paused thread cannot eat: a disarmed deadline is cancelled in the
            # statement that armed it, long before its half second is up.
            watchdog().arm(time.monotonic() + 0.5, on_disarmed).cancel()
            watchdog().arm(time.monotonic() + 0.6, on_kept)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fire_after(0.8).wait(BOUND)
    assert fired_disarmed == []
    assert sorted(fired_kept) == list(range(THREADS * PER_THREAD))
    assert len(watchdog_threads()) == 1


def test_call_deadlines_from_16_threads_end_only_the_calls_that_ran_out() -> None:
    outcomes: list[str] = []
    lock = threading.Lock()

    def call(runs_out: bool) -> None:
        try:
            with call_deadline(0.05 if runs_out else 30, "a call") as deadline:
                assert deadline is not None
                if runs_out:  # wait for the watchdog, not a clock
                    for _ in range(int(BOUND * 100)):
                        if deadline.fired:
                            break
                        threading.Event().wait(0.01)
            outcome = "finished"
        except DeadlineExceededError as exc:
            outcome = str(exc)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=call, args=(i % 2 == 0,)) for i in range(THREADS * 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("finished") == THREADS * 2
    assert outcomes.count(
        "a call: no complete answer within the deadline of 0.05 s (timed out starting)"
    ) == THREADS * 2
    assert len(watchdog_threads()) == 1


def test_the_watchdog_is_one_thread_and_a_daemon() -> None:
    with call_deadline(30, "first"):
        pass
    assert watchdog() is watchdog()
    threads = watchdog_threads()
    assert len(threads) == 1
    assert threads[0].daemon
    for _ in range(200):
        with call_deadline(30, "again"):
            pass
    assert watchdog_threads() == threads
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer)]


def test_an_earlier_deadline_fires_while_the_watchdog_sleeps_on_a_later_one() -> None:
    import time

    later_fired = threading.Event()
    later = watchdog().arm(time.monotonic() + 600, later_fired.set)
    try:
        assert fire_after(0.01).wait(BOUND)  # the thread is back asleep on the later one
        with pytest.raises(DeadlineExceededError, match="the short one"), \
                call_deadline(0.05, "the short one") as deadline:
            assert deadline is not None
            for _ in range(int(BOUND * 100)):
                if deadline.fired:
                    break
                threading.Event().wait(0.01)
        assert fire_after(0.02).wait(BOUND)
        assert not later_fired.is_set()
    finally:
        later.cancel()


def test_a_broken_callback_does_not_stop_the_watchdog(caplog: pytest.LogCaptureFixture) -> None:
    import time

    def broken() -> None:
        raise RuntimeError("boom")

    watchdog().arm(time.monotonic() + 0.01, broken)
    assert fire_after(0.05).wait(BOUND)
    assert "watchdog callback" in caplog.text


def test_many_disarmed_long_deadlines_do_not_pile_up() -> None:
    """The default request deadline is 120 s and most requests end in milliseconds: the
    disarmed entries must not stay until they would have expired."""
    for _ in range(5000):
        with call_deadline(120, "quick"):
            pass
    assert len(watchdog()._heap) < 4096
    assert watchdog().pending() < 100


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_watchdog() -> None:
    with call_deadline(30, "in the parent"):
        pass
    parent = watchdog()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only this thread was copied
        code = 1
        try:
            fired = fire_after(0.02).wait(BOUND)
            mine = watchdog()
            code = 0 if fired and mine is not parent and len(watchdog_threads()) == 1 else 2
        finally:
            os.write(write_end, bytes([code]))
            os._exit(0)
    os.close(write_end)
    try:
        answer = os.read(read_end, 1)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    assert answer == b"\x00"
    assert watchdog() is parent
