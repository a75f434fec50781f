"""A registry that wants the ``Exchange`` scheme, with its exchange realm: the other party of
the protocol the plugin implements, written from the scheme's description (the plugin's module
docstring), not from the plugin's code.

One loopback HTTP server plays both parts: ``/v2/...`` is the registry, ``/exchange`` the realm.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    status: int = 0


@dataclass
class ExchangeRegistry:
    """The server's state: the one credential it accepts, the tokens it issued, what it saw.

    :ivar lifetime: seconds each token lives (``expires_in``).
    :ivar realm: the realm the challenge names; by default this server's ``/exchange``.
    """

    credential: str
    account: str = "ci"
    service: str = "example-registry"
    tags: tuple[str, ...] = ("1.0", "2.0")
    lifetime: int = 300
    realm: str = ""
    seen: list[Request] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None

    @property
    def host(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def __enter__(self) -> ExchangeRegistry:
        state = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: dict[str, object], **headers: str) -> None:
                data = json.dumps(body).encode()
                state.seen[-1].status = status
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(data)

            def _record(self) -> Request:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, self.path, dict(self.headers.items()),
                                  self.rfile.read(length))
                state.seen.append(request)
                return request

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                request = self._record()
                if self.path != "/exchange":
                    return self._answer(404, {"error": "not found"})
                form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
                if (
                    form.get("credential") != state.credential
                    or form.get("service") != state.service
                    or form.get("account", state.account) != state.account
                ):
                    return self._answer(401, {"error": "credential refused"})
                token = secrets.token_urlsafe(16)
                state.tokens[token] = time.time() + state.lifetime
                return self._answer(200, {"token": token, "expires_in": state.lifetime})

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self._record()
                scheme, _, token = self.headers.get("Authorization", "").partition(" ")
                if scheme != "Exchange" or state.tokens.get(token, 0) < time.time():
                    realm = state.realm or f"{state.url}/exchange"
                    return self._answer(
                        401,
                        {"errors": [{"code": "UNAUTHORIZED", "message": "exchange required"}]},
                        WWW_Authenticate=f'Exchange realm="{realm}",service="{state.service}"',
                        Docker_Distribution_Api_Version="registry/2.0",
                    )
                if self.path == "/v2/":
                    return self._answer(200, {}, Docker_Distribution_Api_Version="registry/2.0")
                if self.path.startswith("/v2/") and self.path.endswith("/tags/list"):
                    name = self.path[len("/v2/"):-len("/tags/list")]
                    return self._answer(200, {"name": name, "tags": list(state.tags)})
                return self._answer(404, {"errors": [{"code": "NAME_UNKNOWN", "message": "x"}]})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
