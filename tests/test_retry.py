"""The retry plugin: 429/503 with ``Retry-After``, safe methods only, bounded attempts."""

from __future__ import annotations

import email.utils
import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from registry_core_plugins import retry
from registry_core_plugins.retry import RetryPlugin, retry_after

from registry_core.hookspecs import hookimpl
from registry_core.manager import Hooks, get_plugin_manager

NOW = 1_700_000_000.0


def _response(status: int, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = b""
    response._content_consumed = True  # type: ignore[attr-defined]
    return response


class _Script:
    """Stands in for the network: answers each send with the next scripted response."""

    def __init__(self, *responses: requests.Response) -> None:
        self.responses = list(responses)
        self.sent: list[requests.PreparedRequest] = []

    def __call__(self, request: requests.PreparedRequest) -> requests.Response:
        self.sent.append(request)
        return self.responses.pop(0)


class _Core:
    """The core's own sender: last, and just sends."""

    @hookimpl(trylast=True)
    def registry_send_request(self, request: requests.PreparedRequest, send: Any) -> Any:
        return send(request)


class _Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> _Sleeps:
    return _Sleeps()


def _hooks(plugin: object) -> Hooks:
    return Hooks(get_plugin_manager(plugins=[plugin, _Core()], load_entrypoints=False))


def _request(method: str = "GET", body: Any = None) -> requests.PreparedRequest:
    return requests.Request(method, "http://127.0.0.1:1/v2/x/manifests/1", data=body).prepare()


def test_503_with_retry_after_seconds_is_retried(sleeps: _Sleeps) -> None:
    script = _Script(_response(503, {"Retry-After": "7"}), _response(200))
    hooks = _hooks(RetryPlugin(sleep=sleeps, clock=lambda: NOW))
    response = hooks.send_request(_request(), script)
    assert response.status_code == 200
    assert len(script.sent) == 2
    assert sleeps == [7.0]


def test_429_with_http_date(sleeps: _Sleeps) -> None:
    date = email.utils.formatdate(NOW + 12, usegmt=True)
    script = _Script(_response(429, {"Retry-After": date}), _response(200))
    hooks = _hooks(RetryPlugin(sleep=sleeps, clock=lambda: NOW))
    assert hooks.send_request(_request("HEAD"), script).status_code == 200
    assert sleeps == [12.0]


def test_delay_is_capped(sleeps: _Sleeps) -> None:
    script = _Script(_response(429, {"Retry-After": "3600"}), _response(200))
    hooks = _hooks(RetryPlugin(sleep=sleeps, max_delay=30.0))
    hooks.send_request(_request(), script)
    assert sleeps == [30.0]


def test_attempts_are_bounded(sleeps: _Sleeps) -> None:
    script = _Script(*(_response(503) for _ in range(5)))
    hooks = _hooks(RetryPlugin(sleep=sleeps, max_attempts=3))
    response = hooks.send_request(_request(), script)
    assert response.status_code == 503
    assert len(script.sent) == 3
    assert sleeps == [retry.DEFAULT_DELAY, retry.DEFAULT_DELAY]


@pytest.mark.parametrize("status", [500, 502, 504, 404, 401, 200])
def test_other_statuses_are_not_retried(status: int, sleeps: _Sleeps) -> None:
    script = _Script(_response(status), _response(200))
    hooks = _hooks(RetryPlugin(sleep=sleeps))
    assert hooks.send_request(_request(), script).status_code == status
    assert len(script.sent) == 1
    assert sleeps == []


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unsafe_methods_are_not_retried(method: str, sleeps: _Sleeps) -> None:
    script = _Script(_response(503), _response(200))
    hooks = _hooks(RetryPlugin(sleep=sleeps))
    assert hooks.send_request(_request(method, b"x"), script).status_code == 503
    assert len(script.sent) == 1


def test_streamed_bodies_are_not_retried(sleeps: _Sleeps) -> None:
    def stream() -> Iterator[bytes]:
        yield b"chunk"

    script = _Script(_response(503), _response(200))
    hooks = _hooks(RetryPlugin(sleep=sleeps, methods=["GET", "PUT"]))
    assert hooks.send_request(_request("PUT", stream()), script).status_code == 503
    assert len(script.sent) == 1


def test_file_bodies_are_rewound_for_the_retry(sleeps: _Sleeps) -> None:
    bodies: list[bytes] = []

    def send(request: requests.PreparedRequest) -> requests.Response:
        assert isinstance(request.body, io.BytesIO)
        bodies.append(request.body.read())  # what the network would have read
        return _response(503 if len(bodies) == 1 else 201)

    hooks = _hooks(RetryPlugin(sleep=sleeps, methods=["GET", "PUT"]))
    response = hooks.send_request(_request("PUT", io.BytesIO(b"layer data")), send)
    assert response.status_code == 201
    assert bodies == [b"layer data", b"layer data"]


def test_unseekable_file_bodies_are_not_retried(sleeps: _Sleeps) -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            return 0

        def tell(self) -> int:
            raise OSError("not seekable")

    script = _Script(_response(503), _response(200))
    hooks = _hooks(RetryPlugin(sleep=sleeps, methods=["PUT"]))
    assert hooks.send_request(_request("PUT", Pipe()), script).status_code == 503
    assert len(script.sent) == 1


def test_configured_methods_and_statuses(sleeps: _Sleeps) -> None:
    script = _Script(_response(502), _response(200))
    hooks = _hooks(RetryPlugin(sleep=sleeps, methods=["put"], statuses=[502]))
    assert hooks.send_request(_request("PUT", b"data"), script).status_code == 200
    assert len(script.sent) == 2


def test_module_plugin_uses_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps = _Sleeps()
    monkeypatch.setattr("time.sleep", sleeps)
    script = _Script(_response(503, {"Retry-After": "2"}), _response(503), _response(503))
    hooks = _hooks(retry)
    assert hooks.send_request(_request(), script).status_code == 503
    assert len(script.sent) == retry.MAX_ATTEMPTS
    assert sleeps == [2.0, retry.DEFAULT_DELAY]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, retry.DEFAULT_DELAY),
        ("0", 0.0),
        (" 5 ", 5.0),
        ("-1", retry.DEFAULT_DELAY),
        ("1.5", retry.DEFAULT_DELAY),
        ("soon", retry.DEFAULT_DELAY),
        (email.utils.formatdate(NOW - 100, usegmt=True), 0.0),
        (email.utils.formatdate(NOW + 3, usegmt=True), 3.0),
        ("Sun, 06 Nov 1994 08:49:37", retry.DEFAULT_DELAY),  # no zone: not an HTTP date
        ("٣", retry.DEFAULT_DELAY),  # not ASCII digits
        ("0000000005", 5.0),
        # Hundreds of digits: float() overflowed, and int() refuses more than 4300 digits.
        pytest.param("1" * 400, float(retry.LONGEST_RETRY_AFTER), id="400-digits"),
        pytest.param("9" * 5000, float(retry.LONGEST_RETRY_AFTER), id="5000-digits"),
        (str(retry.LONGEST_RETRY_AFTER + 1), float(retry.LONGEST_RETRY_AFTER)),
        ("Fri, 31 Dec 9999 23:59:59 GMT", float(retry.LONGEST_RETRY_AFTER)),
        ("Fri, 31 Dec 99999999999999999999 23:59:59 GMT", retry.DEFAULT_DELAY),
    ],
)
def test_retry_after(value: str | None, expected: float) -> None:
    assert retry_after(value, NOW) == expected


def test_a_huge_retry_after_waits_the_longest_delay(sleeps: _Sleeps) -> None:
    script = _Script(_response(503, {"Retry-After": "9" * 5000}), _response(200))
    hooks = _hooks(RetryPlugin(sleep=sleeps, max_delay=12.0))
    assert hooks.send_request(_request(), script).status_code == 200
    assert sleeps == [12.0]


def test_through_the_session_pipeline(sleeps: _Sleeps) -> None:
    # The real RegistrySession sends through the hooks; the stub answers 429 once.
    from registry_core.transport import http_client
    from tests.http_stub import Answer, StubServer

    answers = [Answer(429, [("Retry-After", "4")]), Answer(200, [], b"ok")]
    with StubServer(lambda seen: answers.pop(0)) as server:
        pm = get_plugin_manager(
            plugins=["registry_core.transport", RetryPlugin(sleep=sleeps)], load_entrypoints=False
        )
        with http_client(plugin_hooks=Hooks(pm)) as session:
            response = session.get(server.url + "/v2/")
    assert (response.status_code, response.text) == (200, "ok")
    assert len(server.seen) == 2
    assert sleeps == [4.0]
