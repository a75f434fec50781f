"""Loopback HTTP(S) servers whose answers a test scripts, recording every request they get.

For behaviour no real registry shows on demand: odd token bodies, hostile realms, redirects
to other hosts, echoed credentials, proxies, client certificates. Typical use::

    def route(seen: Seen) -> Answer:
        return Answer(401, [("WWW-Authenticate", 'Basic realm="r"')])

    with StubServer(route) as server:
        ...  # request server.url + "/v2/"
    assert server.seen[0].path == "/v2/"

Everything listens on loopback only (``127.0.0.1`` or ``::1``). This is the one stub server
of the test suite: the token issuer (:mod:`tests.token_issuer`) runs on it too.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import select
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "Answer",
    "Route",
    "Seen",
    "StubServer",
    "TLSMaterial",
    "free_port",
    "silent_listener",
]


@dataclass
class Seen:
    """One request a :class:`StubServer` received, kept whole so tests can look for leaks."""

    method: str
    path: str
    #: As sent: order, case and repeated names kept.
    headers: list[tuple[str, str]]
    body: bytes = b""
    client_address: tuple[Any, ...] = ()
    #: The client certificate's subject common name, when one was presented.
    client_cert_cn: str | None = None
    #: The status the server answered with (0 until it has).
    status: int = 0

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """The query's pairs in the order sent, not decoded."""
        pairs = []
        for item in urlsplit(self.path).query.split("&"):
            if item:
                key, _, value = item.partition("=")
                pairs.append((key, value))
        return pairs

    @property
    def form(self) -> dict[str, list[str]]:
        """The body parsed as a URL-encoded form (whatever its content type)."""
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    @property
    def scopes(self) -> list[str]:
        """The token scopes asked for: repeated ``scope`` query parameters (GET) and the
        space-separated ``scope`` form field (OAuth2 POST)."""
        values = self.query.get("scope", []) + self.form.get("scope", [])
        return [scope for value in values for scope in value.split(" ") if scope]

    @property
    def authorization(self) -> str | None:
        return self.header("Authorization")

    @property
    def basic(self) -> tuple[str, str] | None:
        """The decoded ``Authorization: Basic`` pair, or ``None`` (absent or malformed)."""
        value = self.authorization
        if not value or value[:6].lower() != "basic ":
            return None
        try:
            decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        return (user, password) if sep else None

    def contains(self, secret: str) -> bool:
        """Whether ``secret`` appears anywhere in the request, as sent or decoded.

        Checks the raw path, header values and body, the decoded query and form values and
        the decoded basic-auth pair, so a credential canary is found whichever way a client
        sent it.
        """
        haystacks = [self.path, self.body.decode("latin-1")]
        haystacks += [value for _name, value in self.headers]
        haystacks += [value for values in self.query.values() for value in values]
        haystacks += [value for values in self.form.values() for value in values]
        if self.basic is not None:
            haystacks += list(self.basic)
        return any(secret in haystack for haystack in haystacks)


@dataclass
class Answer:
    """What the stub sends back: status, headers (repeatable, in order), body.

    ``Content-Length`` is added unless the headers already name one.
    """

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: The status line's reason phrase; ``None`` for the standard one.
    reason: str | None = None


Route = Callable[[Seen], Answer]

#: A server-side TLS context, or ``(cert_path, key_path)`` to build one from.
TLSMaterial = ssl.SSLContext | tuple[Path | str, Path | str]


def _ok(seen: Seen) -> Answer:
    return Answer(body=b"ok")


def _read_body(handler: http.server.BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


def _peer_common_name(connection: Any) -> str | None:
    if not isinstance(connection, ssl.SSLSocket):
        return None
    common_name = None
    for rdn in (connection.getpeercert() or {}).get("subject", ()):
        for attribute in rdn:
            if attribute[0] == "commonName":
                common_name = str(attribute[1])
    return common_name


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without this every small TLS response waits for a delayed ACK (FACTS.md).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep quiet
        pass

    def _record(self) -> Seen:
        seen = Seen(
            method=self.command,
            path=self.path,
            headers=list(self.headers.items()),
            body=_read_body(self),
            client_address=tuple(self.client_address),
            client_cert_cn=_peer_common_name(self.connection),
        )
        self.server.owner._append(seen)
        return seen

    def _send(self, seen: Seen, answer: Answer) -> None:
        seen.status = answer.status
        self.send_response(answer.status, answer.reason)
        for name, value in answer.headers:
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name, _value in answer.headers):
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def _serve(self) -> None:
        seen = self._record()
        self._send(seen, self.server.owner.route(seen))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815

    def do_CONNECT(self) -> None:  # noqa: N802 - http.server's naming
        seen = self._record()
        upstream = self.server.owner.upstream
        if upstream is None:
            status = self.server.owner.route(seen).status
            self._send(seen, Answer(status if status != 200 else 502))
            return
        try:
            target = socket.create_connection(upstream, timeout=5)
        except OSError:
            self._send(seen, Answer(502))
            return
        seen.status = 200
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        _pipe(self.connection, target)


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    sockets = [client, upstream]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 5)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        return
    finally:
        upstream.close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: StubServer, bind: str) -> None:
        self.owner = owner
        self.address_family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        super().__init__((bind, 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS is set up here, in the connection's own thread, so that a client that never
        # finishes its handshake blocks only itself.
        request.settimeout(10)
        context = self.owner.tls
        if context is not None:
            try:
                request = context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.owner._handshake_failed(exc)
                request.close()
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that goes away mid-request is not the server's problem


_S = TypeVar("_S", bound="StubServer")


def _context(tls: TLSMaterial) -> ssl.SSLContext:
    if isinstance(tls, ssl.SSLContext):
        return tls
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls[0]), str(tls[1]))
    return context


class StubServer:
    """A threaded HTTP(S) server on loopback answering with ``route(seen)``; a context
    manager that serves between enter and exit.

    :param route: answers each request, in the server's threads (default: 200 ``ok``);
        :attr:`route` may be replaced while serving.
    :param bind: ``127.0.0.1`` (default) or ``::1``.
    :param tls: serve HTTPS with this context (e.g. :func:`tests.tls_helpers.server_context`,
        which can demand client certificates) or ``(cert_path, key_path)``.
    :param upstream: makes it an HTTP proxy that tunnels ``CONNECT`` to this loopback
        address whatever host the request names (so a test can reach a TLS server under a
        name that does not resolve). Without it ``CONNECT`` is answered with ``route``'s
        status, or 502 for a 200. Absolute-form requests (``GET http://host/path``) are
        always answered by ``route`` itself, never forwarded.
    """

    def __init__(
        self,
        route: Route | None = None,
        *,
        bind: str = "127.0.0.1",
        tls: TLSMaterial | None = None,
        upstream: tuple[str, int] | None = None,
    ) -> None:
        self.route: Route = route or _ok
        self.bind = bind
        self.tls = _context(tls) if tls is not None else None
        self.upstream = upstream
        self._lock = threading.Lock()
        self._seen: list[Seen] = []
        self._handshake_errors: list[str] = []
        self._server = _Server(self, bind)
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    @property
    def host(self) -> str:
        """``address:port`` (an IPv6 address bracketed), as in a URL or a reference."""
        address = f"[{self.bind}]" if ":" in self.bind else self.bind
        return f"{address}:{self.port}"

    @property
    def url(self) -> str:
        """``scheme://host:port``, no trailing slash."""
        return f"{self.scheme}://{self.host}"

    @property
    def seen(self) -> list[Seen]:
        """A copy of the requests received so far, oldest first."""
        with self._lock:
            return list(self._seen)

    def clear(self) -> None:
        """Forget the requests received so far."""
        with self._lock:
            self._seen.clear()

    @property
    def handshake_errors(self) -> list[str]:
        """Connections whose TLS handshake failed (e.g. the client rejected our certificate)."""
        with self._lock:
            return list(self._handshake_errors)

    def _append(self, seen: Seen) -> None:
        with self._lock:
            self._seen.append(seen)

    def _handshake_failed(self, exc: BaseException) -> None:
        with self._lock:
            self._handshake_errors.append(str(exc))

    def start(self: _S) -> _S:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def silent_listener(host: str = "127.0.0.1") -> Iterator[tuple[str, int]]:
    """A context manager giving ``(host, port)`` of a socket that listens but never accepts
    or answers: connections complete (the kernel queues them), then hear nothing. For
    timeout tests."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
        sock.listen(16)
        yield host, sock.getsockname()[1]
    finally:
        sock.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound, then released): connecting to it is refused, and
    a server may bind it (the caller may still lose a race for it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
