"""The deadline machinery itself: nesting, naming, and no harm to connections once a call
is over."""

from __future__ import annotations

import threading

import pytest
import requests

from registry_core.deadline import call_deadline, current_deadline
from registry_core.errors import DeadlineExceededError
from registry_core.tlsadapter import RegistryTransport
from tests.hostile_server import Conn, HostileServer, Request
from tests.http_stub import StubServer


def test_no_deadline_outside_a_block_and_nesting_takes_the_earliest() -> None:
    assert current_deadline() is None
    with call_deadline(100, "outer") as outer:
        assert current_deadline() is outer
        with call_deadline(1000, "inner") as inner:
            assert inner is not None and outer is not None
            assert inner.expires_at == outer.expires_at
        with call_deadline(None) as same:
            assert same is outer
    assert current_deadline() is None


def test_threads_do_not_share_a_deadline() -> None:
    seen: list[object] = []
    with call_deadline(100, "here"):
        thread = threading.Thread(target=lambda: seen.append(current_deadline()))
        thread.start()
        thread.join()
    assert seen == [None]


def test_a_stall_names_the_callers_deadline_and_the_phase() -> None:
    def respond(request: Request, conn: Conn) -> None:
        conn.head(200, [("Content-Length", "10")])
        conn.send(b"12345")
        conn.server.sleep(30)

    session = requests.Session()
    session.mount("http://", RegistryTransport())
    with HostileServer(respond) as server, pytest.raises(DeadlineExceededError) as caught, \
            call_deadline(0.5, "the caller"):
        session.get(server.url + "/v2/", timeout=30)
    assert str(caught.value) == (
        "the caller: no complete answer within the deadline of 0.5 s "
        "(timed out reading the response body)"
    )


def test_a_finished_call_leaves_its_pooled_connection_alone() -> None:
    """The watchdog of a call that ended in time never touches the socket afterwards, even
    when the connection is reused later, past that call's deadline."""
    # A deadline the first request meets even on a loaded machine, then a wait past it.
    transport = RegistryTransport(request_deadline=2.0)
    session = requests.Session()
    session.mount("http://", transport)
    with StubServer() as server:  # HTTP/1.1 with keep-alive
        assert session.get(server.url + "/v2/", timeout=10).content == b"ok"
        threading.Event().wait(2.5)  # past the first request's deadline
        assert session.get(server.url + "/v2/", timeout=10).content == b"ok"
        clients = {seen.client_address for seen in server.seen}
    assert len(clients) == 1  # one connection, reused


@pytest.mark.parametrize("fields", [
    {"stall_timeout": 0}, {"stall_timeout": -1}, {"stall_timeout": float("nan")},
    {"window": float("inf")}, {"window": True}, {"min_bytes": -1}, {"min_bytes": 1.5},
    {"stall_timeout": "60"},
])
def test_a_progress_rule_that_makes_no_sense_is_refused(fields: dict[str, object]) -> None:
    from registry_core.deadline import ProgressRule
    from registry_core.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="ProgressRule"):
        ProgressRule(**fields)  # type: ignore[arg-type]


def test_the_progress_rule_counts_bytes_per_window_without_a_total_cap() -> None:
    from registry_core.deadline import ProgressRule, StreamGuard

    now = [0.0]
    guard = StreamGuard(ProgressRule(window=10, min_bytes=100), "reading blob x",
                        clock=lambda: now[0])
    for _ in range(1000):  # 10 000 s in all, 100 bytes every 10 s: never too slow
        now[0] += 5
        guard.delivered(50, 0)
    now[0] += 10
    with pytest.raises(DeadlineExceededError) as caught:
        guard.delivered(99, 12345)
    assert str(caught.value).startswith("reading blob x: too slow at byte 12345: 99 bytes in")
