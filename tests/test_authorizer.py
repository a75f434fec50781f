"""The token handler, the basic handler, the realm policy and the authorizer.

Token servers and registries here are loopback stubs (:mod:`tests.http_stub`) so that each
odd answer can be produced on demand; the real registry and token issuer are exercised in
``test_login.py`` and ``test_client.py``.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from registry_core.authorizer import (
    MAX_TOKEN_BODY,
    NO_TOKEN_MESSAGE,
    Authorizer,
    BasicHandler,
    RealmPolicy,
    TokenHandler,
    errcode_text,
    redact,
    registrable_domain,
    registry_scope,
    repository_scope,
    resendable_body,
)
from registry_core.challenge import Challenge, ChallengeManager
from registry_core.errors import AuthenticationError, TokenError, UntrustedRealmError
from registry_core.interfaces import CredentialStore
from tests.http_stub import Answer, Seen, StubServer
from tests.shared_fixtures import Clock


class Creds(CredentialStore):
    """A credential store that records what the handler sets."""

    def __init__(self, username: str = "", password: str = "", refresh: str = "") -> None:
        self.username = username
        self.password = password
        self.refresh = refresh
        self.set_calls: list[tuple[str, str, str]] = []

    def basic(self, url: str) -> tuple[str, str]:
        return self.username, self.password

    def refresh_token(self, url: str, service: str) -> str:
        return self.refresh

    def set_refresh_token(self, url: str, service: str, token: str) -> None:
        self.set_calls.append((url, service, token))
        self.refresh = token


def _json(status: int = 200, /, **body: Any) -> Answer:
    return Answer(status, [("Content-Type", "application/json")], json.dumps(body).encode())


def _handler(http: requests.Session, creds: CredentialStore | None, **kwargs: Any) -> TokenHandler:
    return TokenHandler(http, creds, **kwargs)


# -- scopes and helpers ------------------------------------------------------------------------


def test_scopes() -> None:
    assert repository_scope("team/app", ["pull"]) == "repository:team/app:pull"
    assert repository_scope("team/app", ["pull", "push"], "image") == (
        "repository:team/app:pull,push"
    )
    assert repository_scope("p", ["pull"], "plugin") == "repository(plugin):p:pull"
    assert registry_scope("catalog", ["*"]) == "registry:catalog:*"


def test_redact() -> None:
    import base64

    secret = "s3cret-Canary"
    encoded = base64.b64encode(secret.encode()).decode()
    text = f"a {secret} b {encoded} c {encoded.rstrip('=')}"
    assert secret not in redact(text, [secret])
    assert encoded.rstrip("=") not in redact(text, [secret])
    assert redact("nothing here", ["", "x" * 3]) == "nothing here"


def test_redact_covers_url_encoded_and_url_safe_forms() -> None:
    import base64
    from urllib.parse import quote, quote_plus

    secret = "cnry/rt+0123456789== ~?"
    forms = [
        secret,
        quote_plus(secret),  # a form body or query: cnry%2Frt%2B0123456789%3D%3D+~%3F
        quote(secret, safe=""),  # cnry%2Frt%2B0123456789%3D%3D%20~%3F
        quote(secret),  # "/" kept: cnry/rt%2B0123456789%3D%3D%20~%3F
        quote_plus(secret).lower(),  # lower-case escapes
        base64.b64encode(secret.encode()).decode(),
        base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
    ]
    for form in forms:
        redacted = redact(f"refresh_token={form}&scope=", [secret])
        assert redacted == "refresh_token=[redacted]&scope=", form


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        (b'{"details": "incorrect username or password"}', 401,
         "unauthorized: incorrect username or password"),
        (b'{"details": "no"}', 403, "denied: no"),
        (b'{"details": "slow down"}', 429, "toomanyrequests: slow down"),
        (b'{"details": "x"}', 400, "unknown: x"),
        (b'{"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}', 401,
         "unauthorized"),
        (b'{"errors": [{"code": "DENIED", "message": "nope"}]}', 403, "denied: nope"),
        (b'{"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known"}]}', 404,
         "name unknown: repository name not known"),
        (b'{"errors": [{"code": "DENIED"}, {"code": "UNAUTHORIZED", "detail": 1}]}', 401,
         "errors:\ndenied\nunauthorized: \n"),
        (b'{"errors": []}', 400, None),
        (b"not json", 400, None),
        (b"[1]", 400, None),
        # Read as Go's json.Unmarshal: invalid UTF-8 becomes U+FFFD; nesting past Go's limit
        # is an error (None), never a RecursionError.
        (b'{"details": "bad \xff byte"}', 401, "unauthorized: bad \ufffd byte"),
        (b"[" * 20000 + b"]" * 20000, 401, None),
        # Keys match as Go matches struct fields; a details of the wrong type fails that
        # decode even when a later duplicate is a string.
        (b'{"Details": "boom"}', 401, "unauthorized: boom"),
        (b'{"details": 5, "details": "boom"}', 401, None),
        (b'{"ERRORS": [{"code": "DENIED", "message": "x"}]}', 403, "denied: x"),
        (b'{"a":' * 20000 + b"1" + b"}" * 20000, 401, None),
    ],
)
def test_errcode_text(body: bytes, status: int, text: str | None) -> None:
    assert errcode_text(body, status) == text


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("registry.example.com", "example.com"),
        ("auth.docker.io", "docker.io"),
        ("example.com", "example.com"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("reg.example.com.au", "example.com.au"),
        ("reg.example.org.br", "example.org.br"),
        ("reg.example.co", "example.co"),
        ("reg.example.coo.uk", "coo.uk"),
        ("REG.Example.COM.", "example.com"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


# -- the realm policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "secure", "realm", "trusted"),
    [
        ("registry-1.docker.io", True, "https://auth.docker.io/token", True),
        ("reg.example.com:5000", True, "https://reg.example.com:5001/token", True),
        ("reg.example.com", True, "https://auth.example.com/token", True),
        ("reg.example.co.uk", True, "https://auth.example.co.uk/token", True),
        ("reg.example.co.uk", True, "https://auth.other.co.uk/token", False),
        ("reg.example.com", True, "http://auth.example.com/token", False),
        ("reg.example.com", False, "http://auth.example.com/token", True),
        ("reg.example.com", False, "ftp://auth.example.com/token", False),
        ("reg.example.com", True, "https://evil.example.net/token", False),
        ("reg.example.com", True, "https://example.com.evil.net/token", False),
        ("reg.example.com", True, "/token", False),
        ("127.0.0.1:5000", False, "http://127.0.0.1:5001/token", True),
        ("127.0.0.1:5000", False, "http://127.0.0.2/token", False),
        ("[::1]:5000", True, "https://[::1]:443/token", True),
        ("10.0.0.1", True, "https://11.0.0.1/token", False),
        ("localhost:5000", False, "http://localhost/token", True),
        ("localhost:5000", False, "http://evil/token", False),
    ],
)
def test_realm_policy_default_rule(registry: str, secure: bool, realm: str, trusted: bool) -> None:
    policy = RealmPolicy(registry, secure)
    if trusted:
        policy.check(realm)
    else:
        with pytest.raises(UntrustedRealmError) as info:
            policy.check(realm)
        assert registry in str(info.value)


def test_realm_policy_hook_and_option() -> None:
    asked: list[tuple[str, str, bool]] = []

    def hook(realm: str, registry: str, secure: bool) -> bool | None:
        asked.append((realm, registry, secure))
        return {"https://auth.partner.net/token": True, "https://auth.example.com/t": False}.get(
            realm
        )

    policy = RealmPolicy("reg.example.com", True, trust_hook=hook,
                         trusted_realms=["https://sso.corp.net/"])
    policy.check("https://auth.partner.net/token")
    with pytest.raises(UntrustedRealmError, match="refused by a plugin"):
        policy.check("https://auth.example.com/t")
    policy.check("https://sso.corp.net/oauth/token")
    policy.check("https://reg.example.com/token")  # the hook passed: the default rule decides
    with pytest.raises(UntrustedRealmError):
        policy.check("https://sso.corp.net.evil.io/")
    assert asked[0] == ("https://auth.partner.net/token", "reg.example.com", True)


# -- the token handler: GET --------------------------------------------------------------------


@pytest.fixture
def token_server() -> Iterator[StubServer]:
    with StubServer(lambda seen: _json(token="T-token", access_token="T-access")) as server:
        yield server


@pytest.mark.parametrize(
    ("username", "password", "sends_account"),
    [("alice", "pw", True), ("alice", "", False), ("", "pw", False), ("", "", False)],
)
def test_get_flow_parameters(
    http: requests.Session, token_server: StubServer, username: str, password: str,
    sends_account: bool,
) -> None:
    handler = _handler(http, Creds(username, password), scopes=["repository:a:pull"])
    params = {"realm": f"{token_server.url}/token?x=1", "service": "reg"}
    assert handler.get_token(params, ["repository:a:pull", "repository:b:pull,push"]) == (
        "T-access"
    )
    [seen] = token_server.seen
    assert seen.method == "GET"
    expected = [
        ("client_id", "docker"),
        ("offline_token", "true"),
        ("scope", "repository%3Aa%3Apull"),
        ("scope", "repository%3Ab%3Apull%2Cpush"),
        ("service", "reg"),
        ("x", "1"),
    ]
    if sends_account:
        expected.insert(0, ("account", "alice"))
        assert seen.basic == ("alice", "pw")
    else:
        assert seen.authorization is None
    assert seen.query_pairs == expected


def test_get_flow_without_service_and_scopes(http: requests.Session, token_server: StubServer
                                             ) -> None:
    handler = _handler(http, None)
    handler.get_token({"realm": f"{token_server.url}/token"}, [])
    assert token_server.seen[0].query_pairs == [("client_id", "docker"), ("offline_token", "true")]


@pytest.mark.parametrize(
    ("body", "token"),
    [
        ({"token": "only-token"}, "only-token"),
        ({"access_token": "only-access"}, "only-access"),
        ({"token": "t", "access_token": "a"}, "a"),
        ({"token": "t", "access_token": ""}, "t"),
        ({"Token": "case-insensitive"}, "case-insensitive"),
        ({"token": "t", "TOKEN": "last-wins"}, "last-wins"),
    ],
)
def test_token_fields(http: requests.Session, body: dict[str, str], token: str) -> None:
    with StubServer(lambda seen: _json(**body)) as server:
        assert _handler(http, None).get_token({"realm": server.url + "/t"}, []) == token


@pytest.mark.parametrize(
    "body",
    [{}, {"token": ""}, {"access_token": "", "token": ""}, {"refresh_token": "r"}, None],
)
def test_no_token_is_an_error(http: requests.Session, body: dict[str, str] | None) -> None:
    answer = _json(**body) if body is not None else Answer(200, [], b"null")
    with StubServer(lambda seen: answer) as server, pytest.raises(TokenError) as info:
        _handler(http, None).get_token({"realm": server.url + "/t"}, [])
    assert str(info.value) == NO_TOKEN_MESSAGE


def test_no_realm(http: requests.Session) -> None:
    with pytest.raises(TokenError, match="^no realm specified for token auth challenge$"):
        _handler(http, None).get_token({"service": "s"}, [])


def test_refresh_token_from_get_is_stored(http: requests.Session) -> None:
    creds = Creds("alice", "pw")
    with StubServer(lambda seen: _json(token="t", refresh_token="R1")) as server:
        _handler(http, creds).get_token({"realm": server.url + "/t", "service": "svc"}, [])
    assert creds.set_calls == [(server.url + "/t", "svc", "R1")]


# Go 1.19's own texts (the reference oracle answers these word for word): distribution
# reports a body it cannot decode as "unable to decode token response: <Go's error>".
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"token": 5}',
         "json: cannot unmarshal number into Go struct field getTokenResponse.token of type "
         "string"),
        (b'{"token": "t", "expires_in": 1.5}',
         "json: cannot unmarshal number 1.5 into Go struct field getTokenResponse.expires_in "
         "of type int"),
        (b'{"token": "t", "expires_in": 1e3}',
         "json: cannot unmarshal number 1e3 into Go struct field getTokenResponse.expires_in "
         "of type int"),
        (b'{"token": "t", "expires_in": "60"}',
         "json: cannot unmarshal string into Go struct field getTokenResponse.expires_in of "
         "type int"),
        (b'{"token": "t", "expires_in": 9223372036854775808}',
         "json: cannot unmarshal number 9223372036854775808 into Go struct field "
         "getTokenResponse.expires_in of type int"),
        (b'{"TOKEN": "t", "Expires_In": true}',
         "json: cannot unmarshal bool into Go struct field getTokenResponse.expires_in of type "
         "int"),
        (b'{"token": "t", "issued_at": "yesterday"}',
         'parsing time "\\"yesterday\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse '
         '"yesterday\\"" as "2006"'),
        (b'{"token": "t", "issued_at": "2024-01-01T00:00:00"}',
         'parsing time "\\"2024-01-01T00:00:00\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": '
         'cannot parse "\\"" as "Z07:00"'),
        (b'{"token": "t", "issued_at": 5}',
         'parsing time "5" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "5" as "\\""'),
        # A time error ends decoding at once, ahead of a type error met before it.
        (b'{"token": 5, "issued_at": "x"}',
         'parsing time "\\"x\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "x\\"" as '
         '"2006"'),
        (b"[1, 2]", "json: cannot unmarshal array into Go value of type auth.getTokenResponse"),
        (b'"token"', "json: cannot unmarshal string into Go value of type auth.getTokenResponse"),
        (b"<html>", "invalid character '<' looking for beginning of value"),
        (b"", "EOF"),
        (b'{"token": "t"', "unexpected EOF"),
        (b'{"token": "t", "x": NaN}', "invalid character 'N' looking for beginning of value"),
        (b'{"token": "t" "x": 1}', "invalid character '\"' after object key:value pair"),
        (b"0E", "unexpected EOF"),
        # time.Time is handed the value's text as sent (escapes and white space kept), and
        # Go reads up to 10000 levels of nesting.
        (b'{"token": "t", "issued_at": [1, 2]}',
         'parsing time "[1, 2]" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse "[1, 2]" as '
         '"\\""'),
        (b'{"token": "t", "issued_at": "2024\\u002d01-01T00:00:00Z"}',
         'parsing time "\\"2024\\\\u002d01-01T00:00:00Z\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": '
         'cannot parse "\\\\u002d01-01T00:00:00Z\\"" as "-"'),
        (b'{"token": ' + b"[" * 5000 + b"]" * 5000 + b"}",
         "json: cannot unmarshal array into Go struct field getTokenResponse.token of type "
         "string"),
    ],
)
def test_undecodable_bodies_are_worded_as_go(
    http: requests.Session, body: bytes, message: str
) -> None:
    with StubServer(lambda seen: Answer(200, [], body)) as server, pytest.raises(
        TokenError
    ) as info:
        _handler(http, None).get_token({"realm": server.url + "/t"}, [])
    assert str(info.value) == "unable to decode token response: " + message


def test_deeply_nested_unknown_member_is_skipped(http: requests.Session) -> None:
    body = b'{"token": "t", "x": ' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"}"
    with StubServer(lambda seen: Answer(200, [], body)) as server:
        assert _handler(http, None).get_token({"realm": server.url + "/t"}, []) == "t"


def test_the_refresh_flow_decodes_its_own_struct(http: requests.Session) -> None:
    body = b'{"access_token": "t", "scope": 5}'
    with StubServer(lambda seen: Answer(200, [], body)) as server, pytest.raises(
        TokenError, match="^unable to decode token response: json: cannot unmarshal number "
        "into Go struct field postTokenResponse.scope of type string$"
    ):
        _handler(http, Creds(refresh="r")).get_token({"realm": server.url + "/t"}, [])


def test_huge_expires_in_is_a_token_error_not_an_overflow(http: requests.Session) -> None:
    # Go cannot decode it into an int either; before, float() overflowed.
    body = b'{"token": "t", "expires_in": ' + b"9" * 5000 + b"}"
    with StubServer(lambda seen: Answer(200, [], body)) as server, pytest.raises(
        TokenError, match="^unable to decode token response: json: cannot unmarshal number 999"
    ):
        _handler(http, None).get_token({"realm": server.url + "/t"}, [])


def test_largest_go_int_expires_in_is_used(http: requests.Session) -> None:
    body = b'{"token": "t", "expires_in": 9223372036854775807}'
    clock = Clock()
    with StubServer(lambda seen: Answer(200, [], body)) as server:
        handler = _handler(http, None, clock=clock)
        assert handler.get_token({"realm": server.url + "/t"}, []) == "t"
        clock.now += 10**12
        assert handler.get_token({"realm": server.url + "/t"}, []) == "t"
    assert len(server.seen) == 1


def test_trailing_data_after_json_is_ignored(http: requests.Session) -> None:
    # Go's json.Decoder reads one value and stops.
    answer = Answer(200, [], b' {"token": "t"} trailing garbage')
    with StubServer(lambda seen: answer) as server:
        assert _handler(http, None).get_token({"realm": server.url + "/t"}, []) == "t"


def test_body_that_is_not_json_is_not_quoted(http: requests.Session) -> None:
    password = "Canary-pw-0123456789"
    body = f"<html>oops, you sent {password}</html>".encode() + b"x" * 5000
    with StubServer(lambda seen: Answer(200, [], body)) as server, pytest.raises(
        TokenError
    ) as info:
        _handler(http, Creds("alice", password)).get_token({"realm": server.url + "/t"}, [])
    assert str(info.value) == (
        "unable to decode token response: invalid character '<' looking for beginning of value"
    )


def test_body_is_capped(http: requests.Session) -> None:
    huge = b'{"token": "' + b"a" * MAX_TOKEN_BODY + b'"}'
    with StubServer(lambda seen: Answer(200, [], huge)) as server, pytest.raises(
        TokenError, match="larger than"
    ):
        _handler(http, None).get_token({"realm": server.url + "/t"}, [])


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (_json(401, details="incorrect username or password"), AuthenticationError,
         "unauthorized: incorrect username or password"),
        (Answer(401, [], b"nope"), AuthenticationError, "unauthorized: authentication required"),
        (_json(403, errors=[{"code": "DENIED", "message": "no way"}]), AuthenticationError,
         "denied: no way"),
        (Answer(500, [], b"boom"), TokenError,
         "received unexpected HTTP status: 500 Internal Server Error"),
        (Answer(404, [], b"page not found"), TokenError,
         "error parsing HTTP 404 response body: invalid character 'p' looking for beginning "
         'of value: "page not found"'),
        (Answer(400, [], b""), TokenError,
         'error parsing HTTP 400 response body: unexpected end of JSON input: ""'),
        (Answer(400, [], b"\xff<"), TokenError,
         "error parsing HTTP 400 response body: invalid character '\u00ff' looking for "
         'beginning of value: "\\xff<"'),
        (Answer(400, [], b"[1]"), TokenError,
         "error parsing HTTP 400 response body: json: cannot unmarshal array into Go value of "
         'type struct { Errors []errcode.Error }: "[1]"'),
        (_json(400, errors="x"), TokenError,
         "error parsing HTTP 400 response body: json: cannot unmarshal string into Go struct "
         "field .Errors of type []errcode.Error: "),
        (_json(400, other="x"), TokenError,
         "error parsing HTTP 400 response body: no error details found in HTTP response body"),
        (Answer(401, [("WWW-Authenticate", 'Bearer error="invalid_token"')], b"x"),
         AuthenticationError,
         "errors:\nunauthorized: authentication required\nunauthorized: authentication "
         "required\n"),
    ],
)
def test_token_server_errors(
    http: requests.Session, answer: Answer, error: type[Exception], message: str
) -> None:
    with StubServer(lambda seen: answer) as server, pytest.raises(error) as info:
        _handler(http, Creds("alice", "pw")).get_token({"realm": server.url + "/t"}, [])
    assert type(info.value) is error
    assert str(info.value).startswith(message)


def test_error_details_echoing_the_password_are_redacted(http: requests.Session) -> None:
    password = "Echo-Canary-9f8e7d"
    with StubServer(
        lambda seen: _json(401, details=f"bad password {password} for {seen.authorization}")
    ) as server, pytest.raises(AuthenticationError) as info:
        _handler(http, Creds("alice", password)).get_token({"realm": server.url + "/t"}, [])
    assert password not in str(info.value)
    import base64

    assert base64.b64encode(f"alice:{password}".encode()).decode() not in str(info.value)


# -- the token handler: POST with a refresh token ----------------------------------------------


def test_post_flow(http: requests.Session) -> None:
    creds = Creds("alice", "", refresh="R0")
    with StubServer(lambda seen: _json(access_token="A", refresh_token="R0", token="T")) as server:
        token = _handler(http, creds).get_token(
            {"realm": server.url + "/t", "service": "svc"}, ["repository:a:pull", "registry:c:*"]
        )
    assert token == "A"
    [seen] = server.seen
    assert seen.method == "POST"
    assert seen.header("Content-Type") == "application/x-www-form-urlencoded"
    assert seen.form == {
        "client_id": ["docker"],
        "grant_type": ["refresh_token"],
        "refresh_token": ["R0"],
        "scope": ["repository:a:pull registry:c:*"],
        "service": ["svc"],
    }
    assert seen.authorization is None
    assert creds.set_calls == []  # the same refresh token came back


def test_post_flow_stores_a_rotated_refresh_token(http: requests.Session) -> None:
    creds = Creds(refresh="R0")
    with StubServer(lambda seen: _json(access_token="A", refresh_token="R1")) as server:
        _handler(http, creds).get_token({"realm": server.url + "/t", "service": "s"}, [])
    assert creds.set_calls == [(server.url + "/t", "s", "R1")]


@pytest.mark.parametrize("body", [{"token": "only-token"}, {"access_token": ""}, {}])
def test_post_flow_needs_an_access_token(http: requests.Session, body: dict[str, str]) -> None:
    # Beyond the reference: it would accept an empty access_token and send "Bearer ".
    with StubServer(lambda seen: _json(**body)) as server, pytest.raises(TokenError) as info:
        _handler(http, Creds(refresh="R")).get_token({"realm": server.url + "/t"}, [])
    assert str(info.value) == NO_TOKEN_MESSAGE


# -- expiry and caching ------------------------------------------------------------------------


def test_cache_and_expiry(http: requests.Session) -> None:
    clock = Clock()
    with StubServer(lambda seen: _json(token=f"t{len(server.seen)}", expires_in=10)) as server:
        handler = _handler(http, None, clock=clock)
        params = {"realm": server.url + "/t", "service": "s"}
        assert handler.get_token(params, ["a"]) == "t1"
        # expires_in under 60 counts as 60; the token is renewed 10 s before that.
        clock.now += 49
        assert handler.get_token(params, ["a"]) == "t1"
        clock.now += 2
        assert handler.get_token(params, ["a"]) == "t2"
        # Another scope set is another token; the order of scopes does not matter.
        assert handler.get_token(params, ["b"]) == "t3"
        assert handler.get_token(params, ["b", "a"]) == "t4"
        assert handler.get_token(params, ["a", "b"]) == "t4"
        assert handler.get_token({**params, "service": "other"}, ["a"]) == "t5"
    assert len(server.seen) == 5


def test_issued_at_sets_the_start(http: requests.Session) -> None:
    clock = Clock(1_700_000_000.0)
    issued = "2023-11-14T22:10:00Z"  # 3 minutes before clock.now: 1_699_999_800
    with StubServer(
        lambda seen: _json(token=f"t{len(server.seen)}", expires_in=300, issued_at=issued)
    ) as server:
        handler = _handler(http, None, clock=clock)
        params = {"realm": server.url + "/t"}
        assert handler.get_token(params, []) == "t1"
        clock.now = 1_699_999_800 + 300 - 11
        assert handler.get_token(params, []) == "t1"
        clock.now += 2
        assert handler.get_token(params, []) == "t2"


def test_zero_issued_at_means_now(http: requests.Session) -> None:
    clock = Clock()
    with StubServer(
        lambda seen: _json(token="t", expires_in=120, issued_at="0001-01-01T00:00:00Z")
    ) as server:
        handler = _handler(http, None, clock=clock)
        handler.get_token({"realm": server.url + "/t"}, [])
        clock.now += 100
        handler.get_token({"realm": server.url + "/t"}, [])
    assert len(server.seen) == 1


def test_nine_digit_issued_at_from_a_token_server(http: requests.Session) -> None:
    clock = Clock(1_700_000_000.0)
    issued = "2023-11-14T22:10:00.123456789Z"
    with StubServer(lambda seen: _json(token="t", expires_in=300, issued_at=issued)) as server:
        handler = _handler(http, None, clock=clock)
        assert handler.get_token({"realm": server.url + "/t"}, []) == "t"
        clock.now = 1_699_999_800 + 300 - 11  # still fresh: issued_at counted, fraction too
        assert handler.get_token({"realm": server.url + "/t"}, []) == "t"
    assert len(server.seen) == 1


def test_many_threads_one_fetch(http: requests.Session) -> None:
    release = threading.Event()

    def route(seen: Seen) -> Answer:
        release.wait(5)
        return _json(token="shared")

    with StubServer(route) as server:
        handler = _handler(http, None)
        params = {"realm": server.url + "/t"}
        results: list[str] = []
        threads = [
            threading.Thread(target=lambda: results.append(handler.get_token(params, ["s"])))
            for _ in range(16)
        ]
        for thread in threads:
            thread.start()
        release.set()
        for thread in threads:
            thread.join()
    assert results == ["shared"] * 16
    assert len(server.seen) == 1


# -- realm policy inside the handler -----------------------------------------------------------


def test_untrusted_realm_gets_no_credentials(http: requests.Session) -> None:
    with StubServer(lambda seen: _json(token="t")) as server:
        policy = RealmPolicy("reg.example.com", True)
        handler = _handler(http, Creds("alice", "Canary-pw"), realm_policy=policy)
        with pytest.raises(UntrustedRealmError):
            handler.get_token({"realm": server.url + "/t"}, [])
        refresh = _handler(http, Creds(refresh="Canary-rt"), realm_policy=policy)
        with pytest.raises(UntrustedRealmError):
            refresh.get_token({"realm": server.url + "/t"}, [])
        # Without credentials nothing secret can leak: the anonymous fetch goes ahead.
        assert _handler(http, Creds(), realm_policy=policy).get_token(
            {"realm": server.url + "/t"}, []
        ) == "t"
    assert len(server.seen) == 1
    assert server.seen[0].authorization is None


# -- ambiguous realms and trusted_realms -------------------------------------------------------


@pytest.mark.parametrize(
    "realm",
    [
        # urllib3 ends the host at the backslash (localhost:1); urlsplit reads 127.0.0.1:5000.
        "http://localhost:1\\@127.0.0.1:5000/token",
        "https://localhost:1\\@reg.example.com/token",
        "http://evil:x@127.0.0.1:5000/token",  # requests would send "Basic evil:x"
        "http://127.0.0.1:5000@evil.example/token",
        "http://127.0.0.1:5000/to ken",
        "http://127.0.0.1:5000/token\t",
        "http://127.0.0.1:5000/\x00token",
        "http://127.0.0.1:5000/\u200btoken",
    ],
)
def test_ambiguous_realms_are_refused_before_any_plugin(realm: str) -> None:
    asked: list[str] = []

    def trust_everything(realm: str, registry: str, secure: bool) -> bool:
        asked.append(realm)
        return True

    registry = "reg.example.com" if realm.startswith("https") else "127.0.0.1:5000"
    policy = RealmPolicy(registry, realm.startswith("https"), trust_hook=trust_everything,
                         trusted_realms=[realm])
    with pytest.raises(UntrustedRealmError):
        policy.check(realm)
    assert not policy.trusts_host(realm)
    assert asked == []


@pytest.mark.parametrize("secret", ["password", "refresh", "none"])
def test_ambiguous_realms_are_never_contacted(http: requests.Session, secret: str) -> None:
    creds = {"password": Creds("alice", "Canary-pw"), "refresh": Creds(refresh="Canary-rt"),
             "none": None}[secret]
    with StubServer(lambda seen: _json(token="t")) as hostile, \
            StubServer(lambda seen: _json(token="t")) as tokens:
        for realm in (f"http://localhost:{hostile.port}\\@127.0.0.1:{tokens.port}/token",
                      f"http://evil:x@127.0.0.1:{hostile.port}/token"):
            policy = RealmPolicy(f"127.0.0.1:{tokens.port}", False)
            for handler in (_handler(http, creds, realm_policy=policy), _handler(http, creds)):
                with pytest.raises(UntrustedRealmError, match="^refusing to send a request"):
                    handler.get_token({"realm": realm}, [])
    assert hostile.seen == [] and tokens.seen == []


def test_trust_hook_sees_the_realm_as_it_will_be_sent() -> None:
    asked: list[str] = []

    def hook(realm: str, registry: str, secure: bool) -> bool:
        asked.append(realm)
        return True

    RealmPolicy("reg.example.com", True, trust_hook=hook).check("https://Auth.Example.COM")
    assert asked == ["https://auth.example.com/"]


@pytest.mark.parametrize(
    ("trusted", "realm", "covered"),
    [
        ("https://auth.partner.example", "https://auth.partner.example/token", True),
        ("https://auth.partner.example", "https://AUTH.partner.example:443/token", True),
        ("https://auth.partner.example", "https://auth.partner.example.evil.net/token", False),
        ("https://auth.partner.example", "https://auth.partner.exampleevil.net/token", False),
        ("https://auth.partner.example", "https://auth.partner.example:8443/token", False),
        ("https://auth.partner.example", "http://auth.partner.example/token", False),
        ("https://auth.partner.example:8443", "https://auth.partner.example:8443/t", True),
        ("https://sso.corp.net/oauth", "https://sso.corp.net/oauth", True),
        ("https://sso.corp.net/oauth", "https://sso.corp.net/oauth/token", True),
        ("https://sso.corp.net/oauth/", "https://sso.corp.net/oauth/token", True),
        ("https://sso.corp.net/oauth", "https://sso.corp.net/oauthx/token", False),
        ("https://sso.corp.net/oauth", "https://sso.corp.net/oauth/../evil", False),
        ("https://sso.corp.net/oauth", "https://sso.corp.net/", False),
        ("https://sso.corp.net/oauth?x=1", "https://sso.corp.net/oauth", False),
        ("https://u:p@sso.corp.net/", "https://sso.corp.net/oauth", False),
        ("not a url", "https://sso.corp.net/oauth", False),
    ],
)
def test_trusted_realms_match_origin_and_whole_path_segments(
    trusted: str, realm: str, covered: bool
) -> None:
    policy = RealmPolicy("reg.example.com", True, trusted_realms=[trusted])
    if covered:
        policy.check(realm)
    else:
        with pytest.raises(UntrustedRealmError):
            policy.check(realm)


def test_userinfo_in_a_realm_never_replaces_the_users_credentials(http: requests.Session
                                                                   ) -> None:
    with StubServer(lambda seen: _json(token="t")) as server:
        realm = f"http://evil:x@127.0.0.1:{server.port}/token"
        with pytest.raises(UntrustedRealmError):
            _handler(http, Creds("alice", "pw")).get_token({"realm": realm}, [])
    assert server.seen == []


# -- token server redirects --------------------------------------------------------------------


def _moved(location: str, status: int = 307) -> Any:
    return lambda seen: Answer(status, [("Location", location)])


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_redirected_refresh_post_becomes_a_get_without_the_token(
    http: requests.Session, status: int
) -> None:
    canary = "Canary-rt-0123456789"
    with StubServer(lambda seen: _json(access_token="A")) as final, \
            StubServer(lambda seen: _json(access_token="B")) as tokens:
        tokens.route = lambda seen: (
            Answer(status, [("Location", "/done")]) if seen.path == "/here"
            else Answer(status, [("Location", f"{final.url}/done")]) if seen.path == "/there"
            else _json(access_token="B")
        )
        policy = RealmPolicy(f"127.0.0.1:{tokens.port}", False)
        handler = _handler(http, Creds(refresh=canary), realm_policy=policy)
        # Same origin: the POST turns into a GET on the token server itself.
        assert handler.get_token({"realm": tokens.url + "/here"}, []) == "B"
        # Another port: the GET goes there with neither body nor credentials.
        assert handler.get_token({"realm": tokens.url + "/there"}, []) == "A"
    assert [(s.method, s.path, s.body) for s in tokens.seen][:2] == [
        ("POST", "/here", tokens.seen[0].body), ("GET", "/done", b"")
    ]
    assert tokens.seen[0].form["refresh_token"] == [canary]  # control
    assert [(s.method, s.path, s.body, s.authorization) for s in final.seen] == [
        ("GET", "/done", b"", None)
    ]
    assert not any(s.contains(canary) for s in tokens.seen[1:2] + final.seen)


def test_a_307_would_resend_the_refresh_token_elsewhere_and_is_refused(
    http: requests.Session
) -> None:
    with StubServer(lambda seen: _json(access_token="A")) as other, \
            StubServer(_moved(f"{other.url}/token")) as tokens:
        policy = RealmPolicy(f"127.0.0.1:{tokens.port}", False)  # 127.0.0.1, any port: trusted
        handler = _handler(http, Creds(refresh="Canary-rt"), realm_policy=policy)
        with pytest.raises(UntrustedRealmError, match="request body to another host"):
            handler.get_token({"realm": tokens.url + "/t"}, [])
    assert other.seen == []
    assert tokens.seen[0].form["refresh_token"] == ["Canary-rt"]  # control


def test_a_307_on_the_same_origin_keeps_method_body_and_credentials(
    http: requests.Session
) -> None:
    def route(seen: Seen) -> Answer:
        if seen.path.startswith("/old"):
            return Answer(308, [("Location", "/new")])
        return _json(access_token="A", token="A")

    with StubServer(route) as tokens:
        _handler(http, Creds(refresh="rt")).get_token({"realm": tokens.url + "/old"}, [])
        _handler(http, Creds("alice", "pw")).get_token({"realm": tokens.url + "/old"}, [])
    assert [(s.method, s.path.split("?")[0]) for s in tokens.seen] == [
        ("POST", "/old"), ("POST", "/new"), ("GET", "/old"), ("GET", "/new")
    ]
    assert tokens.seen[1].form["refresh_token"] == ["rt"]
    assert tokens.seen[3].basic == ("alice", "pw")


def test_basic_credentials_stay_on_the_realms_origin(http: requests.Session) -> None:
    with StubServer(lambda seen: _json(token="T")) as other, \
            StubServer(_moved("/")) as tokens:
        tokens.route = _moved(f"{other.url}/token", 302)
        policy = RealmPolicy(f"127.0.0.1:{tokens.port}", False)
        handler = _handler(http, Creds("alice", "Canary-pw"), realm_policy=policy)
        assert handler.get_token({"realm": tokens.url + "/t"}, []) == "T"
    assert tokens.seen[0].basic == ("alice", "Canary-pw")
    assert [s.authorization for s in other.seen] == [None]


def test_every_hop_of_a_request_with_credentials_passes_the_policy(
    http: requests.Session
) -> None:
    with StubServer(lambda seen: _json(token="T")) as hostile, \
            StubServer(_moved("/")) as tokens:
        tokens.route = _moved(f"http://localhost:{hostile.port}/token", 302)
        policy = RealmPolicy(f"127.0.0.1:{tokens.port}", False)
        with pytest.raises(UntrustedRealmError, match="another domain"):
            _handler(http, Creds("alice", "pw"), realm_policy=policy).get_token(
                {"realm": tokens.url + "/t"}, []
            )
        # The same redirect for an anonymous request is followed, as in the reference.
        assert _handler(http, None, realm_policy=policy).get_token(
            {"realm": tokens.url + "/t"}, []
        ) == "T"
    assert len(hostile.seen) == 1 and hostile.seen[0].authorization is None


def test_a_redirect_to_an_ambiguous_location_is_refused(http: requests.Session) -> None:
    with StubServer(lambda seen: _json(token="T")) as hostile, \
            StubServer(_moved("/")) as tokens:
        tokens.route = _moved(f"http://localhost:{hostile.port}\\@127.0.0.1:{tokens.port}/t")
        for creds in (Creds("alice", "pw"), Creds(refresh="rt"), None):
            with pytest.raises(UntrustedRealmError, match="backslash"):
                _handler(http, creds).get_token({"realm": tokens.url + "/t"}, [])
    assert hostile.seen == []


@pytest.mark.parametrize("location", ["http://[::1/x", "http://[zz]/x", "//[::1"])
def test_a_redirect_to_a_broken_ip_literal_is_a_token_error(
    http: requests.Session, location: str
) -> None:
    from registry_core.transport import http_client, new_transport

    with StubServer(_moved(location)) as tokens, http_client(new_transport()) as pipeline:
        for session in (http, pipeline):
            for creds in (Creds("alice", "pw"), None):
                with pytest.raises(TokenError, match="redirected to a location that is not a"):
                    _handler(session, creds).get_token({"realm": tokens.url + "/t"}, [])


class RotatedElsewhere(Creds):
    """A store whose refresh token another thread rotates right after this one read it."""

    def refresh_token(self, url: str, service: str) -> str:
        held, self.refresh = self.refresh, "rotated-by-another-thread"
        return held


def test_an_error_never_quotes_the_refresh_token_this_request_sent(
    http: requests.Session,
) -> None:
    def echo(seen: Seen) -> Answer:
        return _json(401, details=f"refresh token {seen.form['refresh_token'][0]} revoked")

    with StubServer(echo) as tokens:
        creds = RotatedElsewhere(refresh="cnry-sent-refresh-token")
        with pytest.raises(AuthenticationError) as info:
            _handler(http, creds).get_token({"realm": tokens.url + "/t"}, [])
    assert "revoked" in str(info.value)  # control
    assert "cnry-sent-refresh-token" not in str(info.value)


# -- the basic handler -------------------------------------------------------------------------


def test_basic_handler() -> None:
    request = requests.Request("GET", "https://reg/v2/").prepare()
    BasicHandler(Creds("alice", "pé")).authorize_request(request, {})
    assert request.headers["Authorization"] == "Basic YWxpY2U6cMOp"  # UTF-8, as Go sends
    for creds in (Creds("alice", ""), Creds("", "pw"), None):
        with pytest.raises(AuthenticationError, match="^no basic auth credentials$"):
            BasicHandler(creds).authorize_request(requests.Request("GET", "https://r/").prepare(),
                                                  {})


# -- the authorizer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ping"),
    [
        ("https://reg:5000/v2/", "https://reg:5000/v2/"),
        ("https://reg:5000/v2/team/app/manifests/1", "https://reg:5000/v2/"),
        ("https://reg/prefix/v2/x", "https://reg/prefix/v2/"),
        ("https://reg/v1/search?q=x", "https://reg/v2/"),
        ("https://reg/x/v1/users/", "https://reg/x/v2/"),
        ("https://reg/v2", None),
        ("https://reg/token", None),
    ],
)
def test_ping_url(url: str, ping: str | None) -> None:
    assert Authorizer.ping_url(url) == ping


def _authorizer(manager: ChallengeManager, http: requests.Session, creds: CredentialStore,
                **kwargs: Any) -> Authorizer:
    return Authorizer(manager, [TokenHandler(http, creds, **kwargs), BasicHandler(creds)])


def test_authorizer_answers_only_recorded_hosts(http: requests.Session) -> None:
    manager = ChallengeManager()
    manager.set_challenges("https://reg:5000/v2/", [Challenge("basic", {"realm": "r"})])
    authorizer = _authorizer(manager, http, Creds("alice", "pw"))
    inside = authorizer(requests.Request("GET", "https://reg:5000/v2/a/tags/list").prepare())
    assert inside.headers["Authorization"].startswith("Basic ")
    for url in ("https://reg:5001/v2/a", "http://reg:5000/v2/a", "https://other:5000/v2/a",
                "https://reg:5000/blobs/x"):
        outside = authorizer(requests.Request("GET", url).prepare())
        assert "Authorization" not in outside.headers, url
        assert outside.hooks["response"] == []


def test_authorizer_error_names_the_request(http: requests.Session) -> None:
    manager = ChallengeManager()
    manager.set_challenges("https://reg/v2/", [Challenge("basic", {})])
    authorizer = _authorizer(manager, http, Creds())
    with pytest.raises(AuthenticationError) as info:
        authorizer(requests.Request("GET", "https://reg/v2/").prepare())
    assert str(info.value) == 'Get "https://reg/v2/": no basic auth credentials'


def test_authorizer_error_redacts_the_request_url(http: requests.Session) -> None:
    # As every other url.Error text: no user info, no query (a signed URL's signature).
    manager = ChallengeManager()
    manager.set_challenges("https://reg/v2/", [Challenge("basic", {})])
    authorizer = _authorizer(manager, http, Creds())
    request = requests.Request("GET", "https://reg/v2/app/tags/list?sig=s3cret-signature")
    with pytest.raises(AuthenticationError) as info:
        authorizer(request.prepare())
    assert str(info.value) == 'Get "https://reg/v2/app/tags/list?...": no basic auth credentials'


def test_authorizer_registers_its_hook_once(http: requests.Session) -> None:
    manager = ChallengeManager()
    manager.set_challenges("https://reg/v2/", [Challenge("basic", {})])
    authorizer = _authorizer(manager, http, Creds("a", "b"))
    request = authorizer(requests.Request("GET", "https://reg/v2/").prepare())
    authorizer(request)
    assert request.hooks["response"] == [authorizer.handle_401]


class _Registry:
    """A stub registry: bearer tokens name their scopes; access needs the path's scope."""

    def __init__(self, needs: dict[str, str]) -> None:
        self.needs = needs

    def token(self, seen: Seen) -> Answer:
        scopes = sorted(seen.query.get("scope", []))
        return _json(token="tok:" + " ".join(scopes))

    def registry(self, seen: Seen, realm: str) -> Answer:
        path = seen.path.split("?")[0]
        auth = seen.authorization or ""
        scopes = auth.removeprefix("Bearer tok:").split(" ") if auth.startswith("Bearer ") else []
        needed = self.needs.get(path, "")
        if auth and (not needed or needed in scopes):
            return Answer(200, [], b"ok")
        header = f'Bearer realm="{realm}",service="reg"'
        if auth and needed:
            header += f',scope="{needed}",error="insufficient_scope"'
        return Answer(401, [("WWW-Authenticate", header)], b"")


@pytest.fixture
def scoped() -> Iterator[tuple[StubServer, StubServer, _Registry]]:
    registry = _Registry({"/v2/b/tags/list": "repository:b:pull",
                          "/v2/c/tags/list": "repository:c:push"})
    with StubServer(registry.token) as tokens, StubServer(
        lambda seen: registry.registry(seen, tokens.url + "/token")
    ) as reg:
        yield reg, tokens, registry


@pytest.fixture(params=["requests", "registry"])
def pipeline(request: pytest.FixtureRequest) -> str:
    """Which session carries the authorizer: plain requests, or the library's own."""
    return str(request.param)


def _session(reg: StubServer, http: requests.Session, scopes: list[str],
             pipeline: str = "requests") -> requests.Session:
    manager = ChallengeManager()
    manager.add_response(http.get(reg.url + "/v2/"))
    handlers = [TokenHandler(http, Creds(), scopes=scopes)]
    if pipeline == "registry":
        from registry_core.transport import http_client

        registry_session = http_client()
        registry_session.auth = Authorizer(manager, handlers, send=registry_session.send_as_is)
        return registry_session
    session = requests.Session()
    session.trust_env = False
    session.auth = Authorizer(manager, handlers, send=session.send)
    return session


def test_insufficient_scope_is_retried_once_with_the_wider_scope(
    scoped: tuple[StubServer, StubServer, _Registry], http: requests.Session, pipeline: str
) -> None:
    reg, tokens, _registry = scoped
    session = _session(reg, http, ["repository:a:pull"], pipeline)
    response = session.get(reg.url + "/v2/b/tags/list")
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    assert [sorted(seen.query["scope"]) for seen in tokens.seen] == [
        ["repository:a:pull"],
        ["repository:a:pull", "repository:b:pull"],
    ]
    # The wider token is cached like any other.
    assert session.get(reg.url + "/v2/b/tags/list").status_code == 200
    assert len(tokens.seen) == 2


def test_a_second_401_is_returned_not_looped(
    scoped: tuple[StubServer, StubServer, _Registry], http: requests.Session, pipeline: str
) -> None:
    reg, tokens, registry = scoped
    registry.needs["/v2/c/tags/list"] = "repository:c:push"
    # The token server grants nothing wider: strip the scope it is asked for.
    tokens.route = lambda seen: _json(token="tok:repository:a:pull")
    session = _session(reg, http, ["repository:a:pull"], pipeline)
    before = len(reg.seen)
    response = session.get(reg.url + "/v2/c/tags/list")
    assert response.status_code == 401
    assert len(reg.seen) - before == 2


def test_insufficient_scope_without_a_new_scope_is_not_retried(
    scoped: tuple[StubServer, StubServer, _Registry], http: requests.Session
) -> None:
    reg, tokens, registry = scoped
    tokens.route = lambda seen: _json(token="tok:")
    session = _session(reg, http, ["repository:b:pull"])
    before = len(reg.seen)
    assert session.get(reg.url + "/v2/b/tags/list").status_code == 401
    assert len(reg.seen) - before == 1


def test_from_parameter_adds_a_pull_scope(
    scoped: tuple[StubServer, StubServer, _Registry], http: requests.Session
) -> None:
    reg, tokens, _registry = scoped
    session = _session(reg, http, ["repository:a:pull,push"])
    session.post(reg.url + "/v2/a/blobs/uploads/?mount=sha256:x&from=team/src")
    assert sorted(tokens.seen[-1].query["scope"]) == [
        "repository:a:pull,push", "repository:team/src:pull"
    ]


def _upload_body(kind: str) -> Any:
    if kind == "generator":
        return (chunk for chunk in (b"layer ", b"data"))
    if kind == "file":
        return io.BytesIO(b"layer data")
    return b"layer data"


@pytest.mark.parametrize("kind", ["bytes", "file", "generator"])
def test_insufficient_scope_retry_only_when_the_body_can_be_sent_again(
    scoped: tuple[StubServer, StubServer, _Registry], http: requests.Session, pipeline: str,
    kind: str
) -> None:
    reg, tokens, registry = scoped
    registry.needs["/v2/b/blobs/uploads/x"] = "repository:b:push"
    session = _session(reg, http, ["repository:b:pull"], pipeline)
    before = len(reg.seen)
    response = session.put(reg.url + "/v2/b/blobs/uploads/x", data=_upload_body(kind), timeout=5)
    puts = reg.seen[before:]
    if kind == "generator":
        # Sending it again would send nothing: a lost upload that the registry accepts.
        assert response.status_code == 401
        assert [seen.body for seen in puts] == [b"layer data"]
        assert len(tokens.seen) == 1  # no wider token fetched for nothing
    else:
        assert response.status_code == 200
        assert [seen.body for seen in puts] == [b"layer data", b"layer data"]


def test_resendable_body() -> None:
    def prepared(body: Any) -> requests.PreparedRequest:
        return requests.Request("PUT", "http://127.0.0.1:1/x", data=body).prepare()

    assert resendable_body(prepared(None))
    assert resendable_body(prepared(b"x"))
    assert resendable_body(prepared("x"))
    assert not resendable_body(prepared(iter([b"x"])))
    file = io.BytesIO(b"0123456789")
    file.seek(4)
    request = prepared(file)
    file.read()
    assert resendable_body(request)
    assert file.read() == b"456789"  # rewound to where it started, not to 0
    request = prepared(io.BytesIO(b"x"))
    request._body_position = object()  # type: ignore[attr-defined] # a tell() that failed
    assert not resendable_body(request)
