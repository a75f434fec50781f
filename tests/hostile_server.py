"""A loopback HTTP server that answers badly on purpose, byte by byte.

:class:`tests.http_stub.StubServer` answers with whole, well-formed responses; the servers a
hostile-network test needs do not: a body that announces 1 GiB and streams it until the
client gives up, a body cut short, an answer that drips one byte per interval, a head that
never ends. Each connection gets one request and a ``respond(request, conn)`` call that
writes whatever it likes; the connection is closed after it. Typical use::

    def respond(request: Request, conn: Conn) -> None:
        conn.head(200, [("Content-Length", str(1 << 30))])
        conn.stream(b"\\0" * 65536, total=1 << 30)   # stops when the client hangs up

    with HostileServer(respond) as server:
        ...  # request server.url + "/v2/"

It listens on 127.0.0.1 only and stops by itself after ``lifetime`` seconds.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["Conn", "HostileServer", "Request"]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Conn:
    """The client's connection, with helpers that stop quietly when the client hangs up."""

    def __init__(self, sock: socket.socket, server: HostileServer) -> None:
        self.sock = sock
        self.server = server
        self.sent = 0
        self.gone = False

    def send(self, data: bytes) -> bool:
        if self.gone or self.server.stopping:
            return False
        try:
            self.sock.sendall(data)
        except OSError:
            self.gone = True
            return False
        self.sent += len(data)
        return True

    def head(self, status: int, headers: Sequence[tuple[str, str]] = (), reason: str = "X") -> None:
        lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers),
                 "Connection: close"]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def stream(self, piece: bytes, total: int) -> None:
        """Send ``piece`` over and over, ``total`` bytes in all, or until the client leaves."""
        left = total
        while left > 0 and self.send(piece[:left]):
            left -= len(piece)

    def drip(self, data: bytes, interval: float) -> None:
        """Send ``data`` one byte per ``interval`` seconds."""
        for byte in data:
            if not self.send(bytes([byte])):
                return
            self.server.sleep(interval)


Respond = Callable[[Request, Conn], None]


def _read_request(sock: socket.socket) -> Request | None:
    data = sock.recv(65536)
    if not data or data[:1] == b"\x16":  # nothing, or a TLS ClientHello: not for us
        return None
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return Request(method, path, headers, rest)


class HostileServer:
    """Answers every request on 127.0.0.1 with ``respond``; records what it was asked."""

    def __init__(self, respond: Respond, *, lifetime: float = 60.0) -> None:
        self.respond = respond
        self.requests: list[Request] = []
        self._stop = threading.Event()
        self._deadline = time.monotonic() + lifetime
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._listener.getsockname()[1]}"

    @property
    def url(self) -> str:
        return "http://" + self.host

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() or time.monotonic() > self._deadline

    def sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        while not self.stopping:
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(sock,), daemon=True).start()

    def _handle(self, sock: socket.socket) -> None:
        with sock:
            sock.settimeout(10)
            try:
                request = _read_request(sock)
            except OSError:
                return
            if request is None:
                return
            self.requests.append(request)
            with contextlib.suppress(OSError):
                self.respond(request, Conn(sock, self))
