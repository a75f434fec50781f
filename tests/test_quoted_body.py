"""One way to read an error body for a message (registry_core.bodies.quoted_body), as the v1
and content code use it, and the v1 cap on JSON answers."""

from __future__ import annotations

import pytest
import requests

from registry_core.bodies import quoted_body
from registry_core.errors import RegistryError
from registry_core.v1wire import read_body, read_error_body
from tests.http_stub import Answer, StubServer

BODY = bytes(range(256)) * 400  # 100 KiB


@pytest.fixture
def server():
    with StubServer(lambda seen: Answer(500, [], BODY)) as stub:
        yield stub


def _get(server: StubServer, *, stream: bool) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    return session.get(server.url + "/x", stream=stream)


def test_a_streamed_error_body_is_quoted_up_to_the_cap_and_the_response_closed(server):
    response = _get(server, stream=True)
    assert quoted_body(response, 1000) == BODY[:1000]
    assert response.raw.closed


def test_a_preloaded_error_body_is_quoted_from_what_was_read(server):
    response = _get(server, stream=False)
    assert quoted_body(response, 1000) == BODY[:1000]


def test_v1_error_bodies_are_quoted_up_to_64_kib(server):
    assert read_error_body(_get(server, stream=True)) == BODY[: 64 << 10]


def test_a_v1_answer_larger_than_its_cap_is_refused_with_the_v1_text(server):
    with pytest.raises(RegistryError, match=r"^the answer is larger than 1000 bytes$"):
        read_body(_get(server, stream=True), 1000)
    assert read_body(_get(server, stream=True), len(BODY)) == BODY
