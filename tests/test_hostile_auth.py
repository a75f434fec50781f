"""Token handling under pressure and redaction of odd secrets."""

from __future__ import annotations

import json
import threading

import pytest
import requests

from registry_core.redact import redact
from registry_core.tokens import TokenHandler
from tests.http_stub import Answer, Seen, StubServer
from tests.shared_fixtures import Clock


def test_64_threads_meeting_an_expired_token_fetch_it_once(http: requests.Session) -> None:
    issued: list[str] = []
    release = threading.Event()

    def route(seen: Seen) -> Answer:
        if issued:  # the refresh: hold it until every thread is waiting for it
            release.wait(10)
        issued.append(f"token-{len(issued)}")
        body = json.dumps({"token": issued[-1], "expires_in": 300}).encode()
        return Answer(200, [("Content-Type", "application/json")], body)

    clock = Clock()
    with StubServer(route) as server:
        handler = TokenHandler(http, None, clock=clock)
        params = {"realm": server.url + "/token", "service": "svc"}
        assert handler.get_token(params, ["repository:a:pull"]) == "token-0"
        clock.now += 3600  # long expired
        start = threading.Barrier(64)
        results: list[str] = []
        lock = threading.Lock()

        def worker() -> None:
            start.wait()
            token = handler.get_token(params, ["repository:a:pull"])
            with lock:
                results.append(token)

        threads = [threading.Thread(target=worker) for _ in range(64)]
        for thread in threads:
            thread.start()
        waited = 0
        while len(issued) < 1 or (len(server.seen) < 2 and waited < 1000):
            threading.Event().wait(0.01)  # until the one refresh reached the server (bounded)
            waited += 1
        release.set()
        for thread in threads:
            thread.join(30)
    assert results == ["token-1"] * 64
    assert len(server.seen) == 2


@pytest.mark.parametrize("secret", ["s3cr3t-\ud800-x", "s3cr3t\r\nx", "s3cr3t-tøken-ü",
                                    "s3cr3t\x00x", "s3cr3t-\udcff"])
def test_redact_takes_any_secret(secret: str) -> None:
    from urllib.parse import quote

    text = f"a {secret} b {json.dumps(secret)} c {quote(secret, errors='surrogatepass')}"
    redacted = redact(text, [secret])
    assert "s3cr3t" not in redacted


def test_a_plugin_that_raises_does_not_poison_the_pipeline() -> None:
    """A plugin failing inside a hook is a typed error for that request only; the next
    request goes through the plugins afresh and succeeds."""
    from registry_core.errors import PluginError
    from registry_core.hookspecs import hookimpl
    from registry_core.manager import Hooks, get_plugin_manager
    from registry_core.transport import http_client

    class Flaky:
        sends = 0
        modifier_calls = 0

        @hookimpl
        def registry_send_request(self, request: requests.PreparedRequest,
                                  send: object) -> None:
            self.sends += 1
            if self.sends == 1:
                raise RuntimeError("plugin bug in send")

        @hookimpl
        def registry_request_modifiers(self, host: str) -> list[object]:
            self.modifier_calls += 1
            if self.modifier_calls == 1:
                raise KeyError("plugin bug in modifiers")
            return []

    pm = get_plugin_manager(load_entrypoints=False)
    plugin = Flaky()
    pm.register(plugin)
    with StubServer() as server:
        first = http_client(plugin_hooks=Hooks(pm), host_modifiers=Hooks(pm).request_modifiers)
        with pytest.raises(PluginError, match="registry_request_modifiers plugin failed"):
            first.get(server.url + "/v2/", timeout=5)
        second = http_client(plugin_hooks=Hooks(pm), host_modifiers=Hooks(pm).request_modifiers)
        with pytest.raises(PluginError, match="registry_send_request plugin failed"):
            second.get(server.url + "/v2/", timeout=5)
        assert second.get(server.url + "/v2/", timeout=5).status_code == 200
        assert len(server.seen) == 1
