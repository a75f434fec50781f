"""``WWW-Authenticate`` parsing and the challenge manager, against distribution's rules."""

from __future__ import annotations

import threading

import pytest
import requests
from urllib3 import HTTPHeaderDict

from registry_core.challenge import (
    Challenge,
    ChallengeManager,
    header_values,
    normalize_url,
    parse_auth_headers,
    parse_value_and_params,
    response_challenges,
)
from registry_core.errors import PingResponseError


def _response(status: int, headers: list[tuple[str, str]], url: str | None) -> requests.Response:
    """A response as requests builds it from urllib3, repeated headers kept apart."""
    response = requests.Response()
    response.status_code = status
    raw = type("Raw", (), {})()
    raw.headers = HTTPHeaderDict(headers)
    response.raw = raw
    response.headers = requests.structures.CaseInsensitiveDict(raw.headers)
    if url is not None:
        response.request = requests.Request("GET", url).prepare()
    return response


def test_distribution_parse_example() -> None:
    # distribution's TestAuthChallengeParse, byte for byte.
    header = (
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",'
        'other=fun,slashed="he\\"\\l\\lo"'
    )
    scheme, params = parse_value_and_params(header)
    assert scheme == "bearer"
    assert params == {
        "realm": "https://auth.example.com/token",
        "service": "registry.example.com",
        "other": "fun",
        "slashed": 'he"llo',
    }


@pytest.mark.parametrize(
    ("header", "scheme", "params"),
    [
        ("", "", {}),
        (" Bearer", "", {}),  # leading space: no token (the header reader trims it first)
        ("BEARER REALM=\"x\"", "bearer", {"realm": "x"}),
        ("Bearer", "bearer", {}),
        ("Bearer realm=x", "bearer", {"realm": "x"}),
        ("Bearer realm =\"x\"", "bearer", {}),  # a space before '=' ends the list
        ("Bearer realm= \"x\"", "bearer", {}),  # and a space after it
        ('Bearer realm="x" service="y"', "bearer", {"realm": "x"}),  # no comma: stop
        ('Bearer realm="x",,service="y"', "bearer", {"realm": "x"}),  # empty element: stop
        ('Bearer realm="",service="y"', "bearer", {}),  # an empty value ends the list
        ('Bearer realm="unterminated', "bearer", {}),
        ('Bearer a="x\\', "bearer", {}),  # escape at the very end: unterminated
        ('Bearer realm="x", realm="y"', "bearer", {"realm": "y"}),  # the later one wins
        ('Bearer realm="a,b" , service = "s"', "bearer", {"realm": "a,b"}),
        ('Bearer realm="x", Basic realm="y"', "bearer", {"realm": "x"}),
        ("Negotiate", "negotiate", {}),
        ('Bearer scope="a b"', "bearer", {"scope": "a b"}),
        ('X k="\\\\"', "x", {"k": "\\"}),
        ('X k="a\\"b"rest', "x", {"k": 'a"b'}),
        ("X k=a\tb", "x", {"k": "a"}),
        ("X\tk=v", "x", {"k": "v"}),
        ("x k=é", "x", {}),  # not a token character
        ('x k="é"', "x", {"k": "é"}),
    ],
)
def test_parse_value_and_params(header: str, scheme: str, params: dict[str, str]) -> None:
    assert parse_value_and_params(header) == (scheme, params)


def test_parse_auth_headers_skips_values_without_scheme_and_trims() -> None:
    challenges = parse_auth_headers(["", " ", '  Basic realm="r"  ', "=x", "Bearer"])
    assert challenges == [
        Challenge("basic", {"realm": "r"}),
        Challenge("bearer", {}),
    ]


def test_parse_auth_headers_reads_utf8_sent_as_bytes() -> None:
    # http.client decodes header bytes as latin-1; Go would hold the UTF-8 text.
    raw = 'Bearer realm="https://reg.example/tökén"'.encode().decode("latin-1")
    [challenge] = parse_auth_headers([raw])
    assert challenge.parameters["realm"] == "https://reg.example/tökén"


def test_only_a_401_carries_challenges() -> None:
    headers = [("WWW-Authenticate", 'Bearer realm="r"')]
    for status in (200, 403, 404, 407, 500):
        assert response_challenges(_response(status, headers, "https://h/v2/")) == []
    assert response_challenges(_response(401, headers, "https://h/v2/")) == [
        Challenge("bearer", {"realm": "r"})
    ]


def test_repeated_headers_stay_separate() -> None:
    response = _response(
        401,
        [("WWW-Authenticate", 'Bearer realm="a",service="s"'), ("www-authenticate", "Basic")],
        "https://h/v2/",
    )
    assert header_values(response, "WWW-Authenticate") == ['Bearer realm="a",service="s"', "Basic"]
    assert [c.scheme for c in response_challenges(response)] == ["bearer", "basic"]


def test_header_values_without_urllib3_headers() -> None:
    response = requests.Response()
    response.headers["WWW-Authenticate"] = "Basic"
    assert header_values(response, "www-authenticate") == ["Basic"]
    assert header_values(response, "X-Missing") == []


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://reg.EXAMPLE.com/v2/", "http://reg.example.com:80/v2/"),
        ("https://reg.example.com/v2/", "https://reg.example.com:443/v2/"),
        ("https://reg.example.com:5000/v2/", "https://reg.example.com:5000/v2/"),
        ("https://[::1]/v2/", "https://[::1]:443/v2/"),
        ("https://[::1]:5000/v2/", "https://[::1]:5000/v2/"),
        ("https://user:pw@h:1/v2/?q=1#f", "https://h:1/v2/"),
    ],
)
def test_normalize_url(url: str, key: str) -> None:
    assert normalize_url(url) == key


@pytest.mark.parametrize(
    "host", ["reg.EXAMPLE.com", "bɿɒʜɔiɿ-ɿɘƚƨim-ƚol-ɒ-ƨʞnɒʜƚ.com", "reg.example.com:80"]
)
def test_manager_normalizes_hosts(host: str) -> None:
    # distribution's TestAuthChallengeNormalization.
    manager = ChallengeManager()
    headers = [("WWW-Authenticate", f'Bearer realm="https://{host}/token",service="r"')]
    manager.add_response(_response(401, headers, f"http://{host}/v2/"))
    lowered = f"http://{host.lower()}/v2/"
    assert manager.get_challenges(lowered)
    assert manager.get_challenges(f"http://{host.lower().split(':')[0]}:80/v2/")
    assert manager.get_challenges(f"https://{host.lower()}/v2/") == []
    assert manager.get_challenges(f"http://{host.lower()}/v2/other/") == []


def test_manager_replaces_and_clears() -> None:
    manager = ChallengeManager()
    headers = [("WWW-Authenticate", "Basic")]
    manager.add_response(_response(401, headers, "https://h/v2/"))
    assert manager.get_challenges("https://h/v2/") == [Challenge("basic", {})]
    manager.add_response(_response(200, headers, "https://h/v2/"))
    assert manager.get_challenges("https://h/v2/") == []


def test_manager_returns_copies() -> None:
    manager = ChallengeManager()
    manager.set_challenges("https://h/v2/", [Challenge("basic", {})])
    manager.get_challenges("https://h/v2/").clear()
    assert manager.get_challenges("https://h/v2/") == [Challenge("basic", {})]


def test_manager_needs_the_request() -> None:
    with pytest.raises(PingResponseError, match="missing request reference"):
        ChallengeManager().add_response(_response(401, [], None))


def test_manager_concurrent_use() -> None:
    # distribution's testAuthChallengeConcurrent: readers and writers at once.
    manager = ChallengeManager()
    headers = [("WWW-Authenticate", 'Bearer realm="https://r/token"')]
    response = _response(401, headers, "http://reg.EXAMPLE.com/v2/")
    seen: list[int] = []

    def write() -> None:
        for _ in range(200):
            manager.add_response(response)

    def read() -> None:
        for _ in range(200):
            seen.append(len(manager.get_challenges("http://reg.example.com/v2/")))

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(seen) <= {0, 1}
    assert manager.get_challenges("http://reg.example.com/v2/") == [
        Challenge("bearer", {"realm": "https://r/token"})
    ]
