"""Pulling through a real pull-through cache configured by hosts.toml or registries.conf, and
credentials that stay with their registry.

The mirror is a second real ``docker-registry`` with ``proxy: remoteurl:`` pointing at the
first (the upstream starts first: the cache contacts it at start-up). The canary tests use a
recording loopback server as the mirror, one that asks for credentials, so that a password
sent to it would show.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from registry_core_plugins.static_credentials import StaticCredentials

from registry_core.client import list_tags
from registry_core.endpoint_session import endpoint_repository_info
from registry_core.errors import AuthenticationError
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.types import AuthConfig
from tests.http_stub import Answer, Seen, StubServer, free_port
from tests.loopback_names import LoopbackResolver
from tests.programs import require_program
from tests.registry_fixtures import RegistryEnv, RunningRegistry
from tests.test_interop_service import service, write

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


def start_pull_through_cache(tmp_path: Path, upstream_url: str) -> RunningRegistry:
    """A ``docker-registry`` on loopback proxying ``upstream_url``, with its own storage."""
    workdir = tmp_path / "mirror"
    workdir.mkdir()
    port = free_port("127.0.0.1")
    config = {
        "version": 0.1,
        "log": {"level": "info", "formatter": "text", "accesslog": {"disabled": False}},
        "storage": {"filesystem": {"rootdirectory": str(workdir / "storage")}},
        "http": {"addr": f"127.0.0.1:{port}", "secret": secrets.token_hex(16)},
        "proxy": {"remoteurl": upstream_url},
    }
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config))
    mirror = RunningRegistry(
        workdir=workdir, hostname="127.0.0.1", bind="127.0.0.1", port=port, scheme="http",
        storage_dir=workdir / "storage", config_path=config_path, config=config,
        log_path=workdir / "registry.log", access_log_path=workdir / "access.log",
    )
    with mirror.log_path.open("wb") as err, mirror.access_log_path.open("wb") as out:
        mirror.process = subprocess.Popen(
            ["docker-registry", "serve", str(config_path)],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL,
        )
    try:
        mirror.wait_ready()
    except BaseException:
        mirror.stop()
        raise
    return mirror


@pytest.fixture
def upstream(plain_registry: RegistryEnv) -> RegistryEnv:
    require_program("docker-registry")
    return plain_registry


@pytest.fixture
def mirror(upstream: RegistryEnv, tmp_path: Path) -> Iterator[RunningRegistry]:
    with start_pull_through_cache(tmp_path, upstream.url) as cache:
        yield cache


def pull_through(svc: DefaultService, reference: str, upstream: RegistryEnv,
                 mirror: RunningRegistry, repository: str) -> None:
    """List tags and fetch a manifest through the service's session; both must come from
    the mirror, which fetched them from the upstream."""
    named = parse_normalized_named(reference)
    info = svc.resolve_repository(named)
    with svc.session(info) as session:
        assert session.endpoint is not None
        assert session.base_url == mirror.url, session.endpoint
        target = endpoint_repository_info(session.endpoint, info)
        assert target.name.path == repository
        assert sorted(list_tags(session, target)) == ["1.0", "2.0"]
        response = session.get(f"{session.base_url}/v2/{repository}/manifests/1.0",
                               headers={"Accept": MANIFEST_V2}, timeout=30)
        assert response.status_code == 200
        assert response.headers["Docker-Content-Digest"] == upstream.tags["1.0"]
    served = mirror.access_log()
    assert ("GET", f"/v2/{repository}/tags/list", 200) in served
    assert ("GET", f"/v2/{repository}/manifests/1.0", 200) in served
    fetched = upstream.registry.access_log()
    assert any(e.path == "/v2/team/app/manifests/1.0" for e in fetched)  # pulled through


def test_pull_through_a_mirror_from_hosts_toml(
    upstream: RegistryEnv, mirror: RunningRegistry, tmp_path: Path
) -> None:
    root = tmp_path / "certs.d"
    port = upstream.registry.port
    write(root / f"127.0.0.1_{port}_" / "hosts.toml",
          f'server = "{upstream.url}"\n\n'
          f'[host."{mirror.url}"]\n  capabilities = ["pull", "resolve"]\n')
    svc = service(hosts_root=root)
    pull_through(svc, f"{upstream.host}/team/app:1.0", upstream, mirror, "team/app")


def test_pull_through_a_mirror_from_registries_conf(
    upstream: RegistryEnv, mirror: RunningRegistry, tmp_path: Path
) -> None:
    # The image is known as registry.invalid/proj/app: registries.conf rewrites it to the
    # upstream's team/app, and its mirror (the cache) serves it under the same path.
    conf = write(tmp_path / "registries.conf",
                 '[[registry]]\nprefix = "registry.invalid/proj"\n'
                 f'location = "{upstream.host}/team"\n'
                 f'[[registry.mirror]]\nlocation = "{mirror.host}/team"\ninsecure = true\n')
    svc = service(conf=conf)
    endpoints = svc.lookup_pull_endpoints("registry.invalid", "registry.invalid/proj/app:1.0")
    assert [e.repository_path for e in endpoints if e.mirror] == ["team/app", "team/app"]
    pull_through(svc, "registry.invalid/proj/app:1.0", upstream, mirror, "team/app")


# ---- credentials stay with their registry --------------------------------------------------


def challenging_mirror(seen: Seen) -> Answer:
    """A mirror that wants basic credentials for everything and lists tags once given any."""
    if seen.authorization is None:
        return Answer(401, [("WWW-Authenticate", 'Basic realm="mirror"'),
                            ("Docker-Distribution-Api-Version", "registry/2.0")])
    return Answer(200, [("Content-Type", "application/json")],
                  json.dumps({"name": "team/app", "tags": ["1.0"]}).encode())


def configure(kind: str, tmp_path: Path, stub: StubServer, share: bool) -> DefaultService:
    """registry.example.com with the recording stub as its mirror (hosts.toml) or as its
    rewritten location (registries.conf)."""
    if kind == "hosts.toml":
        root = tmp_path / "certs.d"
        write(root / "registry.example.com" / "hosts.toml",
              f'[host."{stub.url}"]\n  capabilities = ["pull", "resolve"]\n')
        return service(hosts_root=root, share_credentials=share)
    conf = write(tmp_path / "registries.conf",
                 f'[[registry]]\nprefix = "registry.example.com"\nlocation = "{stub.host}"\n'
                 "insecure = true\n")
    svc = service(conf=conf)
    if share:
        plugin = svc.plugin_manager.get_plugin("test-registries-conf")
        assert plugin is not None
        plugin.share_credentials = True
    return svc


def tags_through(svc: DefaultService) -> list[str]:
    info = svc.resolve_repository(parse_normalized_named("registry.example.com/team/app:1.0"))
    with svc.session(info) as session:
        assert session.endpoint is not None
        return list_tags(session, endpoint_repository_info(session.endpoint, info))


@pytest.mark.parametrize("kind", ["hosts.toml", "registries.conf"])
def test_registry_password_never_reaches_a_mirror(kind: str, tmp_path: Path) -> None:
    canary = "cnry-" + secrets.token_hex(12)
    with StubServer(challenging_mirror) as stub:
        svc = configure(kind, tmp_path, stub, share=False)
        svc.plugin_manager.register(StaticCredentials(
            AuthConfig(username="ci", password=canary), registries=["registry.example.com"]))
        with pytest.raises(AuthenticationError):
            tags_through(svc)  # the mirror asked, and had nothing to be given
        assert stub.seen, "the mirror was never asked"
        assert not any(request.contains(canary) for request in stub.seen)


@pytest.mark.parametrize("kind", ["hosts.toml", "registries.conf"])
def test_a_mirror_gets_its_own_credentials(kind: str, tmp_path: Path) -> None:
    canary = "cnry-" + secrets.token_hex(12)
    own = "mirror-pw-" + secrets.token_hex(12)
    with StubServer(challenging_mirror) as stub:
        svc = configure(kind, tmp_path, stub, share=False)
        svc.plugin_manager.register(StaticCredentials(
            AuthConfig(username="ci", password=canary), registries=["registry.example.com"]),
            name="registry-credentials")
        svc.plugin_manager.register(StaticCredentials(
            AuthConfig(username="m", password=own), registries=[stub.host]),
            name="mirror-credentials")
        assert tags_through(svc) == ["1.0"]
        assert any(request.basic == ("m", own) for request in stub.seen)
        assert not any(request.contains(canary) for request in stub.seen)


@pytest.mark.parametrize("kind", ["hosts.toml", "registries.conf"])
def test_share_credentials_sends_the_registry_credentials_to_the_mirror(
    kind: str, tmp_path: Path
) -> None:
    """The configuration saying otherwise; also shows the canary tests above can fail."""
    canary = "cnry-" + secrets.token_hex(12)
    with StubServer(challenging_mirror) as stub:
        svc = configure(kind, tmp_path, stub, share=True)
        svc.plugin_manager.register(StaticCredentials(
            AuthConfig(username="ci", password=canary), registries=["registry.example.com"]))
        assert tags_through(svc) == ["1.0"]
        assert any(request.basic == ("ci", canary) for request in stub.seen)


def test_hosts_toml_headers_go_to_their_host(tmp_path: Path) -> None:
    with StubServer(challenging_mirror) as stub:
        root = tmp_path / "certs.d"
        write(root / "registry.example.com" / "hosts.toml",
              f'[host."{stub.url}"]\n  capabilities = ["pull", "resolve"]\n'
              '  header = {"X-Team" = ["build", "ci"]}\n')
        svc = service(hosts_root=root)
        svc.plugin_manager.register(StaticCredentials(
            AuthConfig(username="m", password="pw"), registries=[stub.host]))
        assert tags_through(svc) == ["1.0"]
        assert stub.seen and all(r.header("X-Team") == "build, ci" for r in stub.seen)


@pytest.mark.parametrize("share", [False, True])
def test_login_never_sends_the_password_to_a_push_host_elsewhere(
        share: bool, tmp_path: Path, loopback_resolver: LoopbackResolver) -> None:
    # The registry itself is on ::1, where nothing listens: the login's try fails at once,
    # with no DNS query.
    loopback_resolver.add("registry.example.com", "::1")
    canary = "cnry-" + secrets.token_hex(12)
    with StubServer(challenging_mirror) as stub:
        root = tmp_path / "certs.d"
        write(root / "registry.example.com" / "hosts.toml",
              f'[host."{stub.url}"]\n  capabilities = ["push"]\n')
        svc = service(hosts_root=root, share_credentials=share)
        assert [e.url for e in svc.lookup_push_endpoints("registry.example.com")][0] == stub.url
        login = AuthConfig(username="ci", password=canary, server_address="registry.example.com")
        try:
            svc.auth(login, "registry-core-test")
        except Exception as exc:  # noqa: BLE001 - the registry itself does not resolve
            assert canary not in str(exc)
        sent = any(request.contains(canary) for request in stub.seen)
        assert sent is share  # only when the configuration says the host shares credentials


@pytest.mark.parametrize("written", ["https://MyReg.Example:5000", "https://u@myreg.example:5000"])
def test_hosts_toml_headers_match_the_host_however_its_url_is_written(written: str) -> None:
    # The session asks for a hop's modifiers by host[:port] of the URL requests prepared:
    # lower-cased, without user info. The endpoint's own host must be compared the same way.
    from registry_core.endpoint_session import EndpointHooks, HeaderModifier
    from registry_core.manager import Hooks, get_plugin_manager
    from registry_core.types import APIEndpoint

    endpoint = APIEndpoint(written, headers={"X-Team": ["build"]})
    hooks = EndpointHooks(Hooks(get_plugin_manager(load_entrypoints=False)), "k", endpoint)
    assert any(isinstance(m, HeaderModifier) for m in hooks.request_modifiers("myreg.example:5000"))
    assert not any(isinstance(m, HeaderModifier) for m in hooks.request_modifiers("other:5000"))
