"""A TCP proxy on loopback that breaks the answers of a real server on purpose.

Put it between the library and a real server (``docker-registry``, or a stub from
:mod:`tests.http_stub`) to see what a flaky network or a hostile middlebox does to a call:
a response cut after N bytes (or at a seeded random offset), a stall, a drip of one byte per
interval, a TCP reset, rewritten response headers or status, a request header removed (a
``Range`` request answered with ``200`` and the whole body). Typical use::

    from tests.fault_proxy import FaultProxy, Rule

    with FaultProxy(registry.host) as proxy:
        proxy.set_rule(Rule(cut_body_after=100, reset=True))     # every new connection
        proxy.set_rule(Rule(), connection=2)                     # ...but not the second
        requests.get(proxy.url + "/v2/team/app/blobs/" + digest)  # goes through the proxy
    assert proxy.connections == 2
    assert proxy.records[0].ended == "reset"

or the ``fault_proxy`` fixture, a factory that stops every proxy it made at teardown
(``pytest_plugins = ["tests.fault_proxy"]`` or ``from tests.fault_proxy import fault_proxy``)::

    def test_x(fault_proxy, plain_registry):
        proxy = fault_proxy(plain_registry.host, Rule(drip_interval=0.5))

How it works and what it cannot do:

- Bytes from client to server pass unchanged except for the first request head of each
  connection, whose headers :attr:`Rule.request_headers` may replace or drop. Faults apply to
  the bytes from server to client.
- Offsets count bytes as the client receives them. :attr:`Rule.cut_after` and friends count
  from the first byte of the connection's answer (status line included);
  :attr:`Rule.cut_body_after` counts from the first byte after the first response head.
- Only the first request and the first response of a connection are parsed as HTTP. When a
  rule changes anything at the HTTP level (headers, status, a body-relative offset) the proxy
  sends ``Connection: close`` with that request, so each exchange gets a connection of its own
  and the rule applies to each (``connections`` then counts requests).
- TLS passes through untouched (the proxy sees a ClientHello as the first byte ``0x16`` and
  parses nothing): cut, stall, drip and reset work on TLS, header rewriting and body-relative
  offsets do not (a body-relative offset then counts from the first byte, like ``cut_after``).
- It stops by itself after ``lifetime`` seconds (default 60): every socket closes, every stall
  ends, so a test whose client never gives up still ends. A stall without ``stall_for`` lasts
  until then or until :meth:`FaultProxy.stop`.
- Rules are looked up while bytes flow, so :meth:`FaultProxy.set_rule` changes an open
  connection too (e.g. start a stall once a test has seen the first bytes arrive); setting
  another rule for a stalled connection releases the stall. Whether the heads are parsed is
  decided when the first request passes, by the rule of that moment.
"""

from __future__ import annotations

import contextlib
import random
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pytest

__all__ = ["ConnectionRecord", "FaultProxy", "Rule", "fault_proxy"]

#: How often loops wake up to look at the stop flag and the clock, in seconds.
_TICK = 0.02
#: Bytes held from the server before the proxy stops reading it (a drip or stall holds them).
_MAX_PENDING = 1 << 20
#: A response or request head longer than this is passed on unparsed.
_MAX_HEAD = 64 * 1024

Ended = Literal["open", "eof", "cut", "reset", "stopped", "upstream-refused"]


@dataclass(frozen=True)
class Rule:
    """What to do to one connection's answer. The default rule passes everything through.

    Offsets are in bytes as the client receives them (after any header rewriting).
    """

    #: Close the connection after this many bytes of the answer (head included).
    cut_after: int | None = None
    #: Close the connection after this many bytes of the first response's body.
    cut_body_after: int | None = None
    #: When cutting, send a TCP reset (``SO_LINGER`` 0) instead of an orderly close.
    reset: bool = False
    #: Stop forwarding after this many bytes of the answer (head included) ...
    stall_after: int | None = None
    #: ... or after this many bytes of the first response's body ...
    stall_body_after: int | None = None
    #: ... for this many seconds, then go on; ``None``: until the proxy stops.
    stall_for: float | None = None
    #: Forward one byte per this many seconds, starting at byte :attr:`drip_after`.
    drip_interval: float | None = None
    drip_after: int = 0
    #: Response headers to set (replacing every header of that name) or, with ``None``, drop.
    response_headers: Mapping[str, str | None] = field(default_factory=dict)
    #: Replace the first response's status code (the reason phrase follows it).
    status: int | None = None
    #: Request headers to set or, with ``None``, drop (``{"Range": None}``: a whole ``200``).
    request_headers: Mapping[str, str | None] = field(default_factory=dict)
    #: Any other change to the first response head: gets and returns the head's bytes,
    #: ``\r\n\r\n`` included, after the changes above.
    head_filter: Callable[[bytes], bytes] | None = None

    @classmethod
    def cut_at_random(cls, seed: int | str, low: int, high: int, *, reset: bool = False,
                      body: bool = True) -> Rule:
        """A cut at an offset drawn from ``[low, high)`` with ``random.Random(seed)``: the
        same seed gives the same offset, so a failing case can be replayed. The offset is
        the rule's :attr:`cut_body_after` (or :attr:`cut_after` with ``body=False``)."""
        offset = random.Random(seed).randrange(low, high)
        if body:
            return cls(cut_body_after=offset, reset=reset)
        return cls(cut_after=offset, reset=reset)

    @classmethod
    def ignore_range(cls) -> Rule:
        """The server never sees ``Range``: it answers ``200`` with the whole body."""
        return cls(request_headers={"Range": None})

    @property
    def speaks_http(self) -> bool:
        """Whether the rule needs the HTTP heads parsed (and one exchange per connection)."""
        return bool(self.response_headers or self.request_headers or self.status is not None
                    or self.head_filter is not None or self.cut_body_after is not None
                    or self.stall_body_after is not None)


@dataclass
class ConnectionRecord:
    """What happened on one proxied connection (read it after the proxy's traffic is done)."""

    #: 1 for the first connection accepted, 2 for the next, ...
    index: int
    #: The first request line, e.g. ``GET /v2/ HTTP/1.1`` (empty for TLS or before it came).
    request_line: str = ""
    #: The first status line as the server sent it (before any rewriting).
    status_line: str = ""
    tls: bool = False
    bytes_to_server: int = 0
    #: Bytes the client was sent (after rewriting, up to any cut).
    bytes_to_client: int = 0
    #: The length of the first response head as the client got it (``None`` if unparsed).
    head_length: int | None = None
    ended: Ended = "open"
    stalled: bool = False
    #: The size of each send to the client, in order (a drip shows as sends of one byte;
    #: what the client's ``recv`` returns may coalesce them).
    sends: list[int] = field(default_factory=list)


def _split_head(head: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    lines = head[:-4].split(b"\r\n")
    pairs = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        pairs.append((name.strip(), value.strip()))
    return lines[0], pairs


def _join_head(first: bytes, pairs: list[tuple[bytes, bytes]]) -> bytes:
    return b"\r\n".join([first, *(name + b": " + value for name, value in pairs)]) + b"\r\n\r\n"


def _set_headers(pairs: list[tuple[bytes, bytes]],
                 changes: Mapping[str, str | None]) -> list[tuple[bytes, bytes]]:
    for name, value in changes.items():
        key = name.lower().encode("latin-1")
        pairs = [pair for pair in pairs if pair[0].lower() != key]
        if value is not None:
            pairs.append((name.encode("latin-1"), value.encode("latin-1")))
    return pairs


class _Link:
    """One client connection and its connection to the server, pumped by one thread."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, record: ConnectionRecord):
        self.proxy = proxy
        self.client = client
        self.record = record
        self.server: socket.socket | None = None
        self.request_head: bytearray | None = bytearray()  # None once passed
        self.response_head: bytearray | None = bytearray()
        self.head_start: int | None = None  # stream offset where the body starts
        self.pending = bytearray()  # from the server, not yet sent to the client
        self.server_eof = False
        self.client_eof = False
        self.stall_done = False
        self.next_drip = 0.0
        self.http = False  # the first request asked for HTTP-level changes

    # -- life cycle ------------------------------------------------------------------
    def run(self) -> None:
        try:
            try:
                self.server = socket.create_connection(self.proxy.upstream, timeout=5)
            except OSError:
                self.record.ended = "upstream-refused"
                self._close(reset=True)
                return
            self._pump()
        except OSError:
            if self.record.ended == "open":
                self.record.ended = "eof"
            self._close(reset=False)

    def _close(self, *, reset: bool) -> None:
        if reset:
            with contextlib.suppress(OSError):
                self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        else:
            with contextlib.suppress(OSError):
                self.client.shutdown(socket.SHUT_RDWR)
        for sock in (self.client, self.server):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()

    @property
    def rule(self) -> Rule:
        return self.proxy.rule_for(self.record.index)

    # -- the loop --------------------------------------------------------------------
    def _pump(self) -> None:
        assert self.server is not None
        while True:
            if self.proxy.stopping:
                self.record.ended = "stopped"
                self._close(reset=False)
                return
            readable = []
            if not self.client_eof:
                readable.append(self.client)
            if not self.server_eof and len(self.pending) < _MAX_PENDING:
                readable.append(self.server)
            if readable:
                ready, _, _ = select.select(readable, [], [], 0 if self.pending else _TICK)
            else:
                ready = []
                if not self.pending:
                    time.sleep(_TICK)
            if self.client in ready:
                self._from_client()
            if self.server in ready:
                self._from_server()
            if self._to_client():
                return
            if self.server_eof and not self.pending:
                self.record.ended = "eof"
                self._close(reset=False)
                return

    def _from_client(self) -> None:
        assert self.server is not None
        data = self.client.recv(65536)
        if not data:
            self.client_eof = True
            with contextlib.suppress(OSError):
                self.server.shutdown(socket.SHUT_WR)
            return
        if self.request_head is not None:
            if not self.request_head and data[:1] == b"\x16":
                self.record.tls = True
                self.request_head = None
                self.response_head = None
            else:
                self.request_head += data
                end = self.request_head.find(b"\r\n\r\n")
                if end < 0 and len(self.request_head) < _MAX_HEAD:
                    return
                data = self._rewrite_request(bytes(self.request_head), end)
                self.request_head = None
        self.server.sendall(data)
        self.record.bytes_to_server += len(data)

    def _rewrite_request(self, buffered: bytes, end: int) -> bytes:
        if end < 0:
            return buffered
        head, rest = buffered[:end + 4], buffered[end + 4:]
        first, pairs = _split_head(head)
        self.record.request_line = first.decode("latin-1")
        rule = self.rule
        if rule.speaks_http:
            self.http = True
            pairs = _set_headers(pairs, {**rule.request_headers, "Connection": "close"})
        else:
            self.response_head = None  # nothing to rewrite: do not parse the answer
        return _join_head(first, pairs) + rest

    def _from_server(self) -> None:
        assert self.server is not None
        data = self.server.recv(65536)
        if not data:
            self.server_eof = True
            if self.response_head:  # an unterminated head: pass it on as it came
                self.pending += self.response_head
                self.response_head = None
            return
        if self.response_head is None or not self.http:
            self.response_head = None
            self.pending += data
            return
        self.response_head += data
        end = self.response_head.find(b"\r\n\r\n")
        if end < 0:
            if len(self.response_head) >= _MAX_HEAD:
                self.pending += self.response_head
                self.response_head = None
            return
        buffered = bytes(self.response_head)
        self.response_head = None
        head = self._rewrite_response(buffered[:end + 4])
        self.head_start = self.record.bytes_to_client + len(self.pending) + len(head)
        self.record.head_length = len(head)
        self.pending += head + buffered[end + 4:]

    def _rewrite_response(self, head: bytes) -> bytes:
        first, pairs = _split_head(head)
        self.record.status_line = first.decode("latin-1")
        rule = self.rule
        if rule.status is not None:
            version = first.split(b" ", 1)[0]
            first = version + b" %d Rewritten" % rule.status
        pairs = _set_headers(pairs, rule.response_headers)
        head = _join_head(first, pairs)
        if rule.head_filter is not None:
            head = rule.head_filter(head)
        return head

    def _offset(self, stream: int | None, body: int | None) -> int | None:
        """The earliest stream offset named by a stream- or body-relative setting."""
        offsets = []
        if stream is not None:
            offsets.append(stream)
        if body is not None:
            if self.record.tls or not self.http:
                offsets.append(body)
            elif self.head_start is not None:
                offsets.append(self.head_start + body)
        return min(offsets) if offsets else None

    def _waiting_for_head(self, rule: Rule) -> bool:
        """A body-relative fault is set but the head has not been seen: hold the bytes."""
        body_rule = rule.cut_body_after is not None or rule.stall_body_after is not None
        return (body_rule and self.http and not self.record.tls and self.head_start is None
                and not self.server_eof)

    def _to_client(self) -> bool:
        """Send what the rule allows now. True when the connection is finished."""
        while self.pending:
            if self.proxy.stopping:
                return False
            rule = self.rule
            if self._waiting_for_head(rule):
                return False
            sent = self.record.bytes_to_client
            cut = self._offset(rule.cut_after, rule.cut_body_after)
            if cut is not None and sent >= cut:
                self.record.ended = "reset" if rule.reset else "cut"
                self._close(reset=rule.reset)
                return True
            stall = self._offset(rule.stall_after, rule.stall_body_after)
            if stall is not None and sent >= stall and not self.stall_done:
                self._stall(rule)
                continue
            count = len(self.pending)
            if cut is not None:
                count = min(count, cut - sent)
            if stall is not None and not self.stall_done:
                count = min(count, stall - sent)
            if rule.drip_interval is not None and sent + count > rule.drip_after:
                if sent >= rule.drip_after:
                    now = time.monotonic()
                    if now < self.next_drip:
                        time.sleep(min(_TICK, self.next_drip - now))
                        return False  # go back to reading while waiting
                    self.next_drip = now + rule.drip_interval
                    count = 1
                else:
                    count = rule.drip_after - sent
            self.client.sendall(self.pending[:count])
            del self.pending[:count]
            self.record.bytes_to_client += count
            self.record.sends.append(count)
        # nothing pending: a cut at exactly the end of what the server sent still applies
        rule = self.rule
        cut = self._offset(rule.cut_after, rule.cut_body_after)
        if self.server_eof and cut is not None and self.record.bytes_to_client >= cut:
            self.record.ended = "reset" if rule.reset else "cut"
            self._close(reset=rule.reset)
            return True
        return False

    def _stall(self, rule: Rule) -> None:
        """Hold the answer until ``stall_for`` passes, the proxy stops, or a test sets
        another rule for this connection (which releases it)."""
        self.record.stalled = True
        until = None if rule.stall_for is None else time.monotonic() + rule.stall_for
        while not self.proxy.stopping and (until is None or time.monotonic() < until):
            if self.rule is not rule:
                break
            time.sleep(_TICK)
        self.stall_done = True


class FaultProxy:
    """A loopback TCP proxy to ``upstream`` (``"host:port"`` or ``(host, port)``).

    :param rule: the rule for every connection with no rule of its own (default: none).
    :param lifetime: seconds after which the proxy stops by itself.
    :param listen_host: ``127.0.0.1`` or ``::1``.
    """

    def __init__(self, upstream: str | tuple[str, int], rule: Rule | None = None, *,
                 lifetime: float = 60.0, listen_host: str = "127.0.0.1") -> None:
        if isinstance(upstream, str):
            host, _, port = upstream.rpartition(":")
            upstream = (host.strip("[]"), int(port))
        self.upstream = upstream
        self.lifetime = lifetime
        self.records: list[ConnectionRecord] = []
        self._default = rule or Rule()
        self._rules: dict[int, Rule] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        family = socket.AF_INET6 if ":" in listen_host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((listen_host, 0))
        self._listener.listen(64)
        self._listener.settimeout(_TICK * 5)
        self._deadline = 0.0
        self._acceptor: threading.Thread | None = None

    # -- where it listens ---------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` the proxy listens on."""
        host, port = self._listener.getsockname()[:2]
        return host, port

    @property
    def host(self) -> str:
        """``host:port`` (IPv6 in brackets), the form a registry host name takes."""
        host, port = self.address
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    @property
    def url(self) -> str:
        """``http://host:port`` (use ``"https://" + proxy.host`` for a TLS upstream)."""
        return "http://" + self.host

    # -- rules and counters --------------------------------------------------------------
    def set_rule(self, rule: Rule, *, connection: int | None = None) -> None:
        """Set the rule for connection number ``connection`` (1-based, in accept order,
        open or future), or with ``None`` the default for connections without one."""
        with self._lock:
            if connection is None:
                self._default = rule
            else:
                self._rules[connection] = rule

    def rule_for(self, connection: int) -> Rule:
        with self._lock:
            return self._rules.get(connection, self._default)

    @property
    def connections(self) -> int:
        """How many connections the proxy has accepted."""
        with self._lock:
            return len(self.records)

    def wait_for_connections(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until ``count`` connections have been accepted; False on timeout."""
        until = time.monotonic() + timeout
        while self.connections < count:
            if time.monotonic() > until or self.stopping:
                return False
            time.sleep(_TICK)
        return True

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() or (self._deadline > 0 and time.monotonic() > self._deadline)

    # -- running ----------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._deadline = time.monotonic() + self.lifetime
        self._acceptor = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._acceptor.start()
        return self

    def stop(self) -> None:
        """Close every connection and stop listening (waits for the threads, briefly)."""
        self._stop.set()
        threads = [self._acceptor, *self._threads] if self._acceptor else self._threads
        for thread in threads:
            thread.join(timeout=2)
        with contextlib.suppress(OSError):
            self._listener.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self.stopping:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                record = ConnectionRecord(index=len(self.records) + 1)
                self.records.append(record)
            link = _Link(self, client, record)
            thread = threading.Thread(target=link.run, name=f"fault-proxy-{record.index}",
                                      daemon=True)
            self._threads.append(thread)
            thread.start()
        with contextlib.suppress(OSError):
            self._listener.close()


@pytest.fixture
def fault_proxy() -> Iterator[Callable[..., FaultProxy]]:
    """A factory: ``fault_proxy(upstream, rule=None, lifetime=60, listen_host=...)`` gives a
    started :class:`FaultProxy`; all are stopped at teardown."""
    made: list[FaultProxy] = []

    def make(upstream: str | tuple[str, int], rule: Rule | None = None,
             **options: object) -> FaultProxy:
        proxy = FaultProxy(upstream, rule, **options)  # type: ignore[arg-type]
        made.append(proxy.start())
        return proxy

    yield make
    for proxy in made:
        proxy.stop()

