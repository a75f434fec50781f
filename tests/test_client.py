"""Authenticated sessions against the real registry: tags, manifests, counted requests."""

from __future__ import annotations

import logging
import threading

import pytest

from registry_core.client import list_tags, open_session
from registry_core.config import parse_repository_info
from registry_core.errors import AuthenticationError, RepositoryNotFoundError
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.types import AuthConfig, RepositoryInfo
from tests.fakes import EndpointService
from tests.http_stub import Answer, Seen, StubServer, free_port
from tests.recording_plugins import PerHostModifiers
from tests.registry_fixtures import MANIFEST_V2, RegistryEnv
from tests.registry_services import registry_service

pytest_plugins = ["tests.registry_fixtures"]

#: What a client pulling by tag accepts (FACTS.md: without Accept, 404 or a schema1 answer).
ACCEPT = ", ".join([
    MANIFEST_V2,
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])


def _info(service: DefaultService, env: RegistryEnv, name: str | None = None) -> RepositoryInfo:
    named = parse_normalized_named(f"{env.host}/{name or env.repository}")
    return service.resolve_repository(named)


def _alice(env: RegistryEnv) -> AuthConfig:
    return AuthConfig(username=env.username or "", password=env.password or "")


def test_token_session_lists_tags(token_registry: RegistryEnv,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    env = token_registry
    service = registry_service(env, monkeypatch, _alice(env))
    info = _info(service, env)
    with open_session(service, info) as session:
        assert session.base_url == f"https://{env.host}"
        assert sorted(list_tags(session, info)) == ["1.0", "2.0"]
    assert env.issuer is not None
    [fetch] = env.issuer.requests
    assert fetch.scopes == ["repository:team/app:pull"]
    assert fetch.basic == ("alice", env.password)


def test_fifty_manifests_cost_one_ping_and_one_token(token_registry: RegistryEnv,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    env = token_registry
    assert env.issuer is not None
    service = registry_service(env, monkeypatch, _alice(env))
    info = _info(service, env)
    path = f"/v2/{env.repository}/manifests/1.0"
    with open_session(service, info) as session:
        for _ in range(50):
            response = session.get(session.base_url + path, headers={"Accept": ACCEPT})
            assert response.status_code == 200
            assert response.headers["Docker-Content-Digest"] == env.tags["1.0"]
    log = [tuple(entry) for entry in env.registry.access_log()]
    assert log.count(("GET", "/v2/", 401)) == 1
    assert log.count(("GET", path, 200)) == 50
    assert len(log) == 51  # nothing else: no 401 after the ping
    assert env.issuer.count() == 1


def test_threads_share_one_token(token_registry: RegistryEnv,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    env = token_registry
    assert env.issuer is not None
    service = registry_service(env, monkeypatch, _alice(env))
    info = _info(service, env)
    statuses: list[int] = []
    start = threading.Barrier(8)
    with open_session(service, info) as session:
        def pull() -> None:
            start.wait()
            for tag in ("1.0", "2.0"):
                url = f"{session.base_url}/v2/{env.repository}/manifests/{tag}"
                statuses.append(session.get(url, headers={"Accept": ACCEPT}).status_code)

        threads = [threading.Thread(target=pull) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 16
    assert env.issuer.count() == 1
    assert all(entry.status != 401 for entry in env.registry.access_log()[1:])


def test_push_scope(token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    env = token_registry
    assert env.issuer is not None
    service = registry_service(env, monkeypatch, _alice(env))
    info = _info(service, env, "team/new")
    with open_session(service, info, ("pull", "push")) as session:
        started = session.post(f"{session.base_url}/v2/team/new/blobs/uploads/")
        assert started.status_code == 202
    assert env.issuer.requests[0].scopes == ["repository:team/new:pull,push"]


def test_anonymous_session_is_refused(token_registry: RegistryEnv,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The issuer grants anonymous users nothing: the registry answers 401 insufficient_scope
    # for the scope the token already asked for, so there is nothing wider to retry with.
    env = token_registry
    service = registry_service(env, monkeypatch)
    info = _info(service, env)
    with open_session(service, info) as session, pytest.raises(AuthenticationError):
        list_tags(session, info)


def test_unknown_repository(token_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    env = token_registry
    service = registry_service(env, monkeypatch, _alice(env))
    info = _info(service, env, "team/missing")
    with open_session(service, info) as session, pytest.raises(RepositoryNotFoundError) as err:
        list_tags(session, info)
    assert "team/missing" in str(err.value)


def test_basic_session(tls_basic_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tls_basic_registry
    service = registry_service(env, monkeypatch, _alice(env))
    info = _info(service, env)
    with open_session(service, info) as session:
        assert sorted(list_tags(session, info)) == ["1.0", "2.0"]
    assert env.registry.access_log() == [
        ("GET", "/v2/", 401), ("GET", f"/v2/{env.repository}/tags/list", 200)
    ]


def test_basic_session_without_credentials(tls_basic_registry: RegistryEnv,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    env = tls_basic_registry
    service = registry_service(env, monkeypatch)
    info = _info(service, env)
    with open_session(service, info) as session, pytest.raises(AuthenticationError) as err:
        list_tags(session, info)
    assert str(err.value).endswith(": no basic auth credentials")


def test_mutual_tls_session(mtls_registry: RegistryEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    env = mtls_registry
    service = registry_service(env, monkeypatch)
    info = _info(service, env)
    with open_session(service, info) as session:
        assert sorted(list_tags(session, info)) == ["1.0", "2.0"]


def test_plain_registry_falls_back_to_http(plain_registry: RegistryEnv,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # 127.0.0.1 is insecure: https is tried first, fails, and http answers.
    env = plain_registry
    service = registry_service(env, monkeypatch)
    info = _info(service, env)
    with open_session(service, info) as session:
        assert session.base_url == f"http://{env.host}"
        assert sorted(list_tags(session, info)) == ["1.0", "2.0"]


def test_service_session_delegates(plain_registry: RegistryEnv,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    env = plain_registry
    service = registry_service(env, monkeypatch)
    info = _info(service, env)
    with service.session(info) as session:
        assert sorted(list_tags(session, info)) == ["1.0", "2.0"]


def test_actions_must_not_be_a_string(plain_registry: RegistryEnv,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from registry_core.errors import InvalidArgumentError

    env = plain_registry
    service = registry_service(env, monkeypatch)
    with pytest.raises(InvalidArgumentError, match="not 'pull'"):
        open_session(service, _info(service, env), "pull")
    assert env.registry.access_log() == []


def test_tags_pages_are_followed_on_the_same_origin(caplog: pytest.LogCaptureFixture) -> None:
    with StubServer(lambda seen: Answer(200, [], b'{"tags": ["evil"]}')) as other:
        elsewhere = other.url.replace("://", "://user:hunter2@", 1)

        def route(seen: Seen) -> Answer:
            pages = {
                "/v2/team/app/tags/list": ('["a", "b"]', '</v2/team/app/tags/list?last=b>'),
                "/v2/team/app/tags/list?last=b": ('["c"]', f'<{elsewhere}/v2/x/tags/list>'),
            }
            if seen.path == "/v2/":
                return Answer(200)
            tags, link = pages[seen.path]
            return Answer(200, [("Link", f'{link}; rel="next"')],
                          f'{{"name": "team/app", "tags": {tags}}}'.encode())

        with StubServer(route) as registry:
            service = EndpointService(registry.url)
            info = parse_repository_info(parse_normalized_named(f"{registry.host}/team/app"))
            with open_session(service, info) as session, caplog.at_level(logging.WARNING):
                assert list_tags(session, info) == ["a", "b", "c"]
    assert other.seen == []
    assert "not following a page link to another origin" in caplog.text
    assert "hunter2" not in caplog.text  # the link's userinfo is redacted in the log


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (200, b"not json", "RegistryError", "listing tags of team/app: the answer is not JSON"),
        (200, b'{"tags": "x"}', "RegistryError", "tags is not a list of strings"),
        (200, b'{"tags": null}', None, None),
        (500, b"", "RegistryError", "listing tags of team/app: 500 Internal Server Error"),
        (403, b'{"errors": [{"code": "DENIED", "message": "no"}]}', "AuthenticationError",
         "listing tags of team/app: denied: no"),
    ],
)
def test_tags_errors(status: int, body: bytes, error: str | None, text: str | None) -> None:
    from registry_core import errors

    def route(seen: Seen) -> Answer:
        return Answer(200) if seen.path == "/v2/" else Answer(status, [], body)

    with StubServer(route) as registry:
        service = EndpointService(registry.url)
        info = parse_repository_info(parse_normalized_named(f"{registry.host}/team/app"))
        with open_session(service, info) as session:
            if error is None:
                assert list_tags(session, info) == []
                return
            with pytest.raises(getattr(errors, error)) as info_error:
                list_tags(session, info)
    assert type(info_error.value).__name__ == error
    assert text is not None and text in str(info_error.value)


def test_no_endpoint_answers() -> None:
    from registry_core.errors import RegistryError, TransportError

    dead = f"http://127.0.0.1:{free_port()}"
    info = parse_repository_info(parse_normalized_named("127.0.0.1:1/team/app"))
    with pytest.raises(TransportError) as err:
        open_session(EndpointService(dead), info)
    assert str(err.value).startswith(f'Get "{dead}/v2/"')
    with pytest.raises(RegistryError, match="no v2 endpoint to reach 127.0.0.1:1"):
        open_session(EndpointService(), info)


def test_each_host_gets_its_own_request_modifiers() -> None:
    # The registry's modifiers must not reach its token realm or the blob store it
    # redirects to; each of those gets the modifiers the plugins give for its own host.
    with StubServer(lambda seen: Answer(200, [], b'{"token": "tok"}')) as tokens, \
            StubServer(lambda seen: Answer(200, [], b"blob")) as blobs:
        def route(seen: Seen) -> Answer:
            if seen.authorization != "Bearer tok":
                challenge = f'Bearer realm="{tokens.url}/token",service="reg"'
                return Answer(401, [("WWW-Authenticate", challenge)])
            if seen.path.startswith("/v2/team/app/blobs/"):
                return Answer(307, [("Location", f"{blobs.url}/blob")])
            return Answer(200)

        per_host = PerHostModifiers()
        with StubServer(route) as registry:
            base = registry.url.replace("127.0.0.1", "localhost")
            service = EndpointService(base, plugins=(per_host,))
            info = parse_repository_info(parse_normalized_named(f"localhost:{registry.port}"
                                                                "/team/app"))
            with open_session(service, info, trusted_realms=[tokens.url]) as session:
                for _ in range(2):
                    answer = session.get(f"{base}/v2/team/app/blobs/sha256:abc")
                    assert answer.content == b"blob"
    registry_host = f"localhost:{registry.port}"
    assert {seen.header("X-For") for seen in registry.seen} == {registry_host}
    assert [seen.header("X-For") for seen in tokens.seen] == [tokens.host]
    assert [seen.header("X-For") for seen in blobs.seen] == [blobs.host] * 2
    assert [seen.authorization for seen in blobs.seen] == [None, None]
    # asked once per host and session (the registry's session, then the token session)
    assert sorted(per_host.asked) == sorted([registry_host, blobs.host, tokens.host])
