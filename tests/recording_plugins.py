"""Small plugins that tests register to watch what the core asks the plugins."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import requests

from registry_core.hookspecs import hookimpl
from registry_core.interfaces import RequestModifier
from registry_core.transport import headers


class PerHostModifiers:
    """Answers ``registry_request_modifiers`` with an ``X-For: <host>`` header, recording
    each host it was asked about: a request's ``X-For`` shows whose modifiers it got."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    @hookimpl
    def registry_request_modifiers(self, host: str) -> Sequence[RequestModifier]:
        self.asked.append(host)
        return headers("", {"X-For": [host]})


class Teapot:
    """Answers every ``registry_send_request`` itself, with a ``418`` and no body, without
    calling ``send``: nothing reaches the network."""

    @hookimpl
    def registry_send_request(
        self, request: requests.PreparedRequest, send: Callable[..., requests.Response]
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = 418
        response.request = request
        response._content = b""
        return response
