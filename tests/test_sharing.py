"""What the sessions of one DefaultService share: counted at the servers, never timed.

A real ``docker-registry`` with token auth (plain HTTP on 127.0.0.1: an insecure registry,
where endpoints are https first, then http) behind a counting TCP proxy; the token issuer
counts token requests, the registry's access log counts pings.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from registry_core_plugins.static_credentials import StaticCredentials

from registry_core.authsession import FreshResources
from registry_core.errors import TransportError
from registry_core.manager import DEFAULT_PLUGINS, get_plugin_manager
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.sharing import SharedResources
from registry_core.types import APIEndpoint, APIVersion, AuthConfig
from tests.fault_proxy import FaultProxy
from tests.programs import require_program
from tests.registry_fixtures import RunningRegistry, push_image, start_registry
from tests.token_issuer import TokenAuthSettings, TokenIssuer

ACCEPT = "application/vnd.docker.distribution.manifest.v2+json"
REPOS = [f"share/app{n}" for n in range(6)]


@dataclass
class Env:
    registry: RunningRegistry
    issuer: TokenIssuer
    proxy: FaultProxy
    password: str

    @property
    def host(self) -> str:
        return self.proxy.host

    def pings(self) -> int:
        return sum(1 for entry in self.registry.access_log() if entry.path == "/v2/")

    def service(self, username: str = "alice", password: str | None = None) -> DefaultService:
        credentials = StaticCredentials(
            AuthConfig(username=username, password=password or self.password),
            registries=[self.host],
        )
        plugins: list[Any] = [*DEFAULT_PLUGINS, credentials]
        return DefaultService(
            plugin_manager=get_plugin_manager(plugins=plugins, load_entrypoints=False)
        )

    def read(self, service: DefaultService, repository: str) -> None:
        info = service.resolve_repository(parse_normalized_named(f"{self.host}/{repository}"))
        with service.session(info) as session:
            response = session.get(f"{session.base_url}/v2/{repository}/manifests/1.0",
                                   headers={"Accept": ACCEPT})
            assert response.status_code == 200, response.status_code


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    require_program("docker-registry")
    root = tmp_path_factory.mktemp("sharing")
    storage = root / "storage"
    with start_registry(root, storage_dir=storage) as seeder:
        for repository in REPOS:
            push_image(seeder.url, repository, "1.0")
    password = "pw-" + secrets.token_urlsafe(12)
    issuer = TokenIssuer(Path(root) / "issuer", users={"alice": password, "bob": password + "b"},
                         host="127.0.0.1", service="sharing-test")
    issuer.start()
    settings = TokenAuthSettings(realm=issuer.realm, service=issuer.service,
                                 issuer=issuer.issuer, rootcertbundle=str(issuer.rootcert_path))
    registry = start_registry(root, token=settings, storage_dir=storage)
    proxy = FaultProxy(registry.host, lifetime=600).start()
    try:
        yield Env(registry, issuer, proxy, password)
    finally:
        proxy.stop()
        registry.stop()
        issuer.stop()


@dataclass
class Counts:
    pings: int
    tokens: int
    connections: int


def counted(env: Env, action: Any) -> Counts:
    pings, tokens, connections = env.pings(), env.issuer.count(), env.proxy.connections
    action()
    return Counts(env.pings() - pings, env.issuer.count() - tokens,
                  env.proxy.connections - connections)


def read_all(env: Env, service: DefaultService, repositories: list[str]) -> None:
    for repository in repositories:
        env.read(service, repository)


def test_a_second_session_on_a_known_registry_sends_no_ping(env: Env) -> None:
    service = env.service()
    with service:
        first = counted(env, lambda: env.read(service, REPOS[0]))
        second = counted(env, lambda: env.read(service, REPOS[1]))
    # The first session: the https attempt (refused: the registry speaks http), then the
    # ping and the read on one connection.
    assert first == Counts(pings=1, tokens=1, connections=2)
    # The second: no ping, no https attempt, the pooled connection, one token for its scope.
    assert second == Counts(pings=0, tokens=1, connections=0)


def test_tokens_are_shared_per_scope_until_they_expire(env: Env) -> None:
    service = env.service()
    with service:
        counted(env, lambda: env.read(service, REPOS[0]))
        again = counted(env, lambda: read_all(env, service, [REPOS[0]] * 3))
    assert again == Counts(pings=0, tokens=0, connections=0)


def test_sessions_with_other_credentials_never_get_each_others_tokens(env: Env) -> None:
    alice, bob = env.service(), env.service("bob", env.password + "b")
    # One resources object for both, as if one service had changed credentials.
    shared = SharedResources()
    alice.session_resources = bob.session_resources = shared
    counted(env, lambda: env.read(alice, REPOS[0]))
    for_bob = counted(env, lambda: env.read(bob, REPOS[0]))
    assert for_bob.tokens == 1
    [fetch] = env.issuer.requests[-1:]
    assert fetch.basic == ("bob", env.password + "b")
    shared.close()


def test_threads_share_one_ping_one_token_per_scope_and_a_connection_each(env: Env) -> None:
    service = env.service()
    work = REPOS * 3
    with service:
        def run() -> None:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda repo: env.read(service, repo), work))

        counts = counted(env, run)
    assert counts.pings == 1
    assert counts.tokens == len(REPOS)
    # One per thread at most, and the https attempts of the threads that asked at once.
    assert counts.connections <= 8 + 8


def test_fresh_resources_keep_the_reference_behaviour(env: Env) -> None:
    service = env.service()
    service.session_resources = FreshResources()
    counts = counted(env, lambda: read_all(env, service, REPOS[:2]))
    assert counts.pings == 2
    assert counts.tokens == 2
    assert counts.connections == 2 * 3  # https attempt, ping, reads: per session


def test_closing_a_session_leaves_the_shared_connections_open(env: Env) -> None:
    service = env.service()
    with service:
        env.read(service, REPOS[0])  # opens and closes a session
        reuse = counted(env, lambda: env.read(service, REPOS[0]))
        assert reuse.connections == 0
    # The service's close() closes them: the next session connects again.
    after = counted(env, lambda: env.read(service, REPOS[0]))
    assert after.connections >= 1
    service.close()


def test_a_remembered_https_failure_expires(env: Env) -> None:
    now = [1000.0]
    shared = SharedResources(ping_ttl=30, clock=lambda: now[0])
    service = env.service()
    service.session_resources = shared
    counted(env, lambda: env.read(service, REPOS[0]))
    now[0] += 31
    later = counted(env, lambda: env.read(service, REPOS[0]))
    assert later.pings == 1  # the ping answer expired too
    assert later.connections == 1  # https tried again (a new connection), http pooled
    shared.close()


def test_a_refused_https_endpoint_is_not_remembered_without_a_working_twin(env: Env) -> None:
    # A secure registry that is briefly down must be tried again on the next session.
    # https to a registry that speaks only http fails; no http twin answers in between.
    https_only = f"https://{env.host}"
    shared = SharedResources()
    endpoint = APIEndpoint(url=https_only, version=APIVersion.V2)
    from registry_core.authsession import SessionFactory

    factory = SessionFactory(None, resources=shared)
    attempts = env.proxy.connections
    for _ in range(2):
        session = factory.session(endpoint)
        with pytest.raises(TransportError):
            factory.ping(session, endpoint)
        session.close()
    assert env.proxy.connections - attempts == 2
    shared.close()


def test_concurrent_first_pings_share_one_attempt(env: Env) -> None:
    service = env.service()
    barrier = threading.Barrier(6)

    def one(repo: str) -> None:
        barrier.wait()
        env.read(service, repo)

    with service:
        counts = counted(env, lambda: list(ThreadPoolExecutor(6).map(one, REPOS)))
    assert counts.pings == 1


def test_one_transport_and_ssl_context_per_tls_configuration(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry_core.sharing as sharing
    from registry_core.tlsadapter import RegistryTransport

    built: list[object] = []

    class Counting(RegistryTransport):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(sharing, "RegistryTransport", Counting)
    service = env.service()
    with service:
        for repo in REPOS:
            env.read(service, repo)
    # The https and http endpoints of an insecure registry have the same TLS configuration.
    assert len(built) == 1


@pytest.mark.parametrize(
    ("body", "connections"),
    [
        (b'{"errors":[]}', 1),  # read: its connection serves the next request
        (b"x" * (1 << 20), 2),  # too long to read: its connection is dropped
    ],
)
def test_a_short_ping_body_is_read_so_its_connection_is_reused(
    body: bytes, connections: int
) -> None:
    from registry_core.authsession import SessionFactory
    from tests.http_stub import Answer, Seen, StubServer

    def route(seen: Seen) -> Answer:
        if seen.path == "/v2/":
            return Answer(401, [("WWW-Authenticate", 'Basic realm="r"')], body)
        return Answer(200, body=b"ok")

    with StubServer(route) as server:
        proxy = FaultProxy(server.host).start()
        try:
            endpoint = APIEndpoint(url=f"http://{proxy.host}", version=APIVersion.V2)
            shared = SharedResources()
            factory = SessionFactory(None, resources=shared)
            session = factory.session(endpoint)
            response = factory.ping(session, endpoint)
            assert response.status_code == 401
            assert session.get(f"http://{proxy.host}/other").status_code == 200
            session.close()
            shared.close()
            assert proxy.connections == connections
        finally:
            proxy.stop()


def test_a_remembered_ping_keeps_every_challenge_line() -> None:
    from registry_core.authsession import SessionFactory
    from tests.http_stub import Answer, Seen, StubServer

    def route(seen: Seen) -> Answer:
        return Answer(401, [("WWW-Authenticate", 'Bearer realm="http://127.0.0.1:1/t"'),
                            ("WWW-Authenticate", 'Basic realm="r"')])

    with StubServer(route) as server:
        endpoint = APIEndpoint(url=server.url, version=APIVersion.V2)
        shared = SharedResources()
        factory = SessionFactory(None, resources=shared)
        schemes = []
        for _ in range(2):
            session = factory.session(endpoint)
            challenges = factory.challenges(factory.ping(session, endpoint))
            schemes.append(sorted(c.scheme for c in challenges.get_challenges(server.url + "/v2/")))
            session.close()
        shared.close()
        assert len(server.seen) == 1  # the second session used the remembered answer
    assert schemes == [["basic", "bearer"]] * 2


def test_an_https_attempt_waits_for_the_http_twin_already_being_pinged() -> None:
    # Session A's https attempt failed and A is pinging the http twin; session B, asking
    # now, waits for that answer rather than making a second https attempt.
    from registry_core.authsession import SessionFactory
    from tests.http_stub import Answer, Seen, StubServer

    entered, release = threading.Event(), threading.Event()

    def route(seen: Seen) -> Answer:
        entered.set()
        release.wait(30)
        return Answer(401, [("WWW-Authenticate", 'Basic realm="r"')], b"{}")

    with StubServer(route) as server:
        proxy = FaultProxy(server.host).start()
        try:
            https = APIEndpoint(url=f"https://{proxy.host}", version=APIVersion.V2)
            http = APIEndpoint(url=f"http://{proxy.host}", version=APIVersion.V2)
            shared = SharedResources()
            factory = SessionFactory(None, resources=shared)
            outcomes: dict[str, object] = {}

            def session_a() -> None:
                with pytest.raises(TransportError):
                    factory.ping(factory.session(https), https)  # a plain server: TLS fails
                outcomes["a"] = factory.ping(factory.session(http), http).status_code

            def session_b() -> None:
                try:
                    factory.ping(factory.session(https), https)
                except TransportError as exc:
                    outcomes["b"] = exc

            first = threading.Thread(target=session_a)
            first.start()
            assert entered.wait(30)  # A's http ping is in flight, its https attempt failed
            second = threading.Thread(target=session_b)
            second.start()
            # B must not connect while A's answer is pending (it would be the third).
            assert not proxy.wait_for_connections(3, timeout=0.5)
            release.set()
            first.join(30)
            second.join(30)
            shared.close()
            assert outcomes["a"] == 401
            assert isinstance(outcomes["b"], TransportError)
            assert proxy.connections == 2  # A's https attempt and A's http ping
        finally:
            release.set()
            proxy.stop()
