"""A loopback HTTP server whose answers a test scripts, recording every request it gets.

For behaviour no real registry shows on demand: odd token bodies, hostile realms, redirects
to other hosts, echoed credentials.
"""

from __future__ import annotations

import base64
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Answer", "Seen", "StubServer", "stub_server"]


@dataclass
class Seen:
    """One request the stub received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """The query's pairs in the order sent."""
        pairs = []
        for item in urlsplit(self.path).query.split("&"):
            if item:
                key, _, value = item.partition("=")
                pairs.append((key, value))
        return pairs

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    @property
    def authorization(self) -> str | None:
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                return value
        return None

    @property
    def basic(self) -> tuple[str, str] | None:
        value = self.authorization
        if not value or not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        return user, password

    def contains(self, secret: str) -> bool:
        """Whether ``secret`` appears in the request, as sent or base64-decoded."""
        haystack = self.path + " " + " ".join(self.headers.values()) + " "
        haystack += self.body.decode("latin-1")
        if self.basic is not None:
            haystack += " " + ":".join(self.basic)
        return secret in haystack


@dataclass
class Answer:
    """What the stub sends back: status, headers (repeatable), body."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


Route = Callable[[Seen], Answer]


class _Handler(BaseHTTPRequestHandler):
    server: StubServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(self.command, self.path, dict(self.headers.items()), body)
        with self.server.lock:
            self.server.seen.append(seen)
        answer = self.server.route(seen)
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _serve  # noqa: N815


class StubServer(ThreadingHTTPServer):
    """Answers with ``route(seen)``; :attr:`seen` lists the requests, oldest first.

    With ``tls`` (``(cert_path, key_path)``) it serves HTTPS.
    """

    daemon_threads = True

    def __init__(self, route: Route, tls: tuple[Any, Any] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.route = route
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.socket = context.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )
            self.scheme = "https"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that rejects the certificate is a test's expected outcome."""

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def requests_to(self, prefix: str) -> list[Seen]:
        with self.lock:
            return [seen for seen in self.seen if seen.path.startswith(prefix)]


@contextmanager
def stub_server(route: Route, tls: tuple[Any, Any] | None = None) -> Iterator[StubServer]:
    server = StubServer(route, tls)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
