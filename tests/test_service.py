"""The registry service and the built-in endpoint plugins (registry_core.service).

The plugin manager comes from registry-core's own pytest fixtures, with certs.d blocked so
that a certs root on the machine cannot change the answers; TLS plugins are exercised with
plugins of the tests' own. Names resolve through an injected table, never DNS.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
import threading
import types
from collections.abc import Iterator
from typing import Any

import pytest

from registry_core.config import IPAddress, ServiceOptions
from registry_core.errors import (
    CertificateError,
    InvalidIndexNameError,
    InvalidMirrorError,
    InvalidRegistryOptionError,
    PluginError,
)
from registry_core.hookspecs import hookimpl
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService, Service, new_service
from registry_core.tlsconfig import ClientCertificate, TLSConfig
from registry_core.types import APIEndpoint, AuthConfig, RepositoryInfo

V4 = ipaddress.IPv4Address

NAMES: dict[str, list[IPAddress]] = {
    "localhost": [V4("127.0.0.1")],
    "lan.example": [V4("192.168.1.10")],
}


def lookup_ip(host: str) -> list[IPAddress]:
    return list(NAMES.get(host, []))


@pytest.fixture
def registry_plugin_manager_kwargs() -> dict[str, Any]:
    return {"load_entrypoints": False, "block": ["registry_core_plugins.certsd"]}


@pytest.fixture(autouse=True)
def quiet_config_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="registry_core.config")


@pytest.fixture
def make_service(registry_plugin_manager):
    def make(**options: list[str]) -> DefaultService:
        return DefaultService(
            ServiceOptions(**options), plugin_manager=registry_plugin_manager, lookup_ip=lookup_ip
        )

    return make


def urls(endpoints: list[APIEndpoint]) -> list[str]:
    return [endpoint.url for endpoint in endpoints]


def flags(endpoint: APIEndpoint) -> dict[str, Any]:
    return {
        "mirror": endpoint.mirror,
        "official": endpoint.official,
        "trim_hostname": endpoint.trim_hostname,
        "ana": endpoint.allow_nondistributable_artifacts,
        "insecure": endpoint.tls_config.insecure_skip_verify,
    }


# ---- construction and configuration ---------------------------------------------------------


def test_service_is_the_reference_interface():
    assert Service.__abstractmethods__ == {
        "auth",
        "lookup_pull_endpoints",
        "lookup_push_endpoints",
        "resolve_repository",
        "search",
        "service_config",
        "tls_config",
        "load_allow_nondistributable_artifacts",
        "load_mirrors",
        "load_insecure_registries",
    }
    with pytest.raises(TypeError):
        Service()  # type: ignore[abstract]


def test_default_service_builds_its_own_plugin_manager():
    service = DefaultService()
    assert service.plugin_manager.get_plugin("registry_core_plugins.host_endpoints") is not None
    assert service.plugin_manager.get_plugin("registry_core_plugins.mirrors") is not None
    assert isinstance(service.hooks, Hooks)
    assert service.hooks.pm is service.plugin_manager


def test_new_service_passes_its_arguments(registry_plugin_manager):
    service = new_service(
        ServiceOptions(insecure_registries=["myreg:5000"]),
        plugin_manager=registry_plugin_manager,
        lookup_ip=lookup_ip,
    )
    assert isinstance(service, DefaultService)
    assert service.plugin_manager is registry_plugin_manager
    assert service.lookup_ip is lookup_ip
    assert not service.service_config().index_configs["myreg:5000"].secure


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"mirrors": ["ftp://m"]}, InvalidMirrorError, 'invalid mirror: unsupported scheme "ftp" in "ftp://m"'),
        (
            {"insecure_registries": ["host:70000"]},
            InvalidRegistryOptionError,
            'insecure registry host:70000 is not valid: invalid port "70000"',
        ),
        (
            {"allow_nondistributable_artifacts": ["reg-"]},
            InvalidIndexNameError,
            "invalid index name (reg-). Cannot begin or end with a hyphen",
        ),
    ],
)
def test_bad_options_fail_the_construction(make_service, options, error, message):
    with pytest.raises(error) as info:
        make_service(**options)
    assert str(info.value) == message


def test_service_config_is_a_deep_copy(make_service):
    service = make_service(mirrors=["https://m"], insecure_registries=["10.0.0.0/8", "myreg"])
    config = service.service_config()
    config.mirrors.append("https://other/")
    config.index_configs["docker.io"].mirrors.clear()
    config.index_configs["myreg"].secure = True
    config.insecure_registry_cidrs.clear()
    again = service.service_config()
    assert again.mirrors == ["https://m/"]
    assert again.index_configs["docker.io"].mirrors == ["https://m/"]
    assert not again.index_configs["myreg"].secure
    assert [str(n) for n in again.insecure_registry_cidrs] == ["10.0.0.0/8", "127.0.0.0/8"]


def test_load_methods_replace_the_configuration(make_service):
    service = make_service()
    service.load_mirrors(["https://m2"])
    service.load_insecure_registries(["myreg:5000"])
    service.load_allow_nondistributable_artifacts(["myreg:5000", "10.0.0.0/8"])
    config = service.service_config()
    assert config.mirrors == ["https://m2/"]
    assert config.index_configs["docker.io"].mirrors == ["https://m2/"]
    assert set(config.index_configs) == {"myreg:5000", "docker.io"}
    assert config.allow_nondistributable_artifacts_hostnames == ["myreg:5000"]
    assert [str(n) for n in config.allow_nondistributable_artifacts_cidrs] == ["10.0.0.0/8"]


def test_load_methods_leave_the_configuration_alone_on_error(make_service):
    service = make_service(
        mirrors=["https://m"],
        insecure_registries=["myreg"],
        allow_nondistributable_artifacts=["myreg"],
    )
    before = service.service_config()
    with pytest.raises(InvalidMirrorError):
        service.load_mirrors(["https://ok", "https://bad/path"])
    with pytest.raises(InvalidRegistryOptionError):
        service.load_insecure_registries(["ok", "bad://x"])
    with pytest.raises(InvalidRegistryOptionError):
        service.load_allow_nondistributable_artifacts(["ok", "bad://x"])
    assert service.service_config() == before


def test_resolve_repository_uses_the_configuration_and_the_resolver(make_service):
    service = make_service(insecure_registries=["192.168.0.0/16"])
    info = service.resolve_repository(parse_normalized_named("lan.example:5000/team/app:1"))
    assert info.name.name == "lan.example:5000/team/app"
    assert not info.index.secure
    assert service.resolve_repository(parse_normalized_named("other.example/app")).index.secure
    assert service.is_secure("docker.io")
    assert not service.is_secure("localhost:5000")


# ---- TLS ------------------------------------------------------------------------------------


class RecordingTLS:
    """A TLS plugin that records its calls and adds a client pair for secure hosts."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    @hookimpl
    def registry_configure_tls(self, hostname: str, secure: bool, tls_config: TLSConfig) -> None:
        self.calls.append((hostname, secure))
        if secure:
            tls_config.add_client_certificate(f"{hostname}.cert", f"{hostname}.key")


def test_tls_config_starts_from_the_security_of_the_host_and_asks_the_plugins(
    make_service, register_plugin
):
    plugin = RecordingTLS()
    register_plugin(plugin)
    service = make_service(insecure_registries=["myreg:5000"])
    secure = service.tls_config("reg.example:443")
    assert not secure.insecure_skip_verify
    assert secure.client_certificates == [
        ClientCertificate("reg.example:443.cert", "reg.example:443.key")
    ]
    insecure = service.tls_config("myreg:5000")
    assert insecure.insecure_skip_verify
    assert insecure.client_certificates == []
    assert plugin.calls == [("reg.example:443", True), ("myreg:5000", False)]


class BrokenTLS:
    @hookimpl
    def registry_configure_tls(self, hostname: str, secure: bool, tls_config: TLSConfig) -> None:
        if hostname == "broken.example":
            raise CertificateError("Missing key client.key for client certificate client.cert")


def test_broken_tls_material_fails_the_lookup(make_service, register_plugin):
    register_plugin(BrokenTLS())
    service = make_service(mirrors=["https://broken.example"])
    with pytest.raises(CertificateError, match="Missing key client.key"):
        service.lookup_pull_endpoints("broken.example")
    with pytest.raises(CertificateError):
        service.lookup_pull_endpoints("docker.io")  # through the mirror's TLS
    # As the reference (lookupV2Endpoints builds the mirrors for a push too, then
    # LookupPushEndpoints drops them), the broken mirror fails a push to Docker Hub as well.
    with pytest.raises(CertificateError, match="Missing key client.key"):
        service.lookup_push_endpoints("docker.io")
    # ...but not a push anywhere else.
    assert urls(service.lookup_push_endpoints("reg.example")) == ["https://reg.example"]


def test_certs_d_material_reaches_the_endpoints(
    registry_plugin_manager_kwargs, tmp_path, monkeypatch
):
    """The real certs.d plugin: a secure host's directory is read, an insecure host's is not."""
    from registry_core_plugins.certsd import CERTS_DIR_ENV

    monkeypatch.setenv(CERTS_DIR_ENV, str(tmp_path))
    for host in ("reg.example:5000", "localhost:5000"):
        (tmp_path / host).mkdir()
        (tmp_path / host / "client.cert").write_text("no key beside it")
    service = DefaultService(
        plugin_manager=get_plugin_manager(load_entrypoints=False), lookup_ip=lookup_ip
    )
    with pytest.raises(CertificateError):
        service.lookup_pull_endpoints("reg.example:5000")
    assert urls(service.lookup_pull_endpoints("localhost:5000")) == [
        "https://localhost:5000",
        "http://localhost:5000",
    ]


# ---- endpoint lookup ------------------------------------------------------------------------


def test_a_secure_registry_has_one_https_endpoint(make_service):
    (endpoint,) = make_service().lookup_pull_endpoints("reg.example:5000")
    assert endpoint.url == "https://reg.example:5000"
    assert str(endpoint.version) == "v2"
    assert flags(endpoint) == {
        "mirror": False, "official": False, "trim_hostname": True, "ana": False, "insecure": False,
    }


def test_an_insecure_registry_has_https_then_http(make_service):
    service = make_service(insecure_registries=["192.168.0.0/16"])
    for lookup in (service.lookup_pull_endpoints, service.lookup_push_endpoints):
        endpoints = lookup("lan.example:5000")
        assert urls(endpoints) == ["https://lan.example:5000", "http://lan.example:5000"]
        assert all(e.tls_config.insecure_skip_verify for e in endpoints)


def test_docker_hub_pulls_try_the_mirrors_first(make_service, register_plugin):
    plugin = RecordingTLS()
    register_plugin(plugin)
    service = make_service(mirrors=["https://m.example", "http://localhost:5001"])
    for hostname in ("docker.io", "index.docker.io"):
        plugin.calls.clear()
        endpoints = service.lookup_pull_endpoints(hostname)
        assert urls(endpoints) == [
            "https://m.example/",
            "http://localhost:5001/",
            "https://registry-1.docker.io",
        ]
        assert [flags(e) for e in endpoints] == [
            {"mirror": True, "official": False, "trim_hostname": True, "ana": False,
             "insecure": False},
            {"mirror": True, "official": False, "trim_hostname": True, "ana": False,
             "insecure": True},
            {"mirror": False, "official": True, "trim_hostname": True, "ana": False,
             "insecure": False},
        ]
        # TLS is asked for each mirror's host; the Hub keeps the default, as in the reference.
        assert plugin.calls == [("m.example", True), ("localhost:5001", False)]
        assert endpoints[2].tls_config == TLSConfig()


def test_docker_hub_pushes_never_use_mirrors(make_service):
    service = make_service(mirrors=["https://m.example"])
    assert urls(service.lookup_push_endpoints("docker.io")) == ["https://registry-1.docker.io"]


def test_a_mirror_that_does_not_parse_back_fails_hub_pulls_and_pushes(make_service):
    service = make_service(mirrors=["https:m.com"])  # valid for ValidateMirror
    # The oracle: both lookups of docker.io (and of index.docker.io) fail with this message.
    for lookup in (service.lookup_pull_endpoints, service.lookup_push_endpoints):
        for hostname in ("docker.io", "index.docker.io"):
            with pytest.raises(InvalidMirrorError) as info:
                lookup(hostname)
            assert str(info.value) == (
                'parse "https://https:m.com/": invalid port ":m.com" after host'
            )
        assert urls(lookup("reg.example")) == ["https://reg.example"]


def test_allow_nondistributable_artifacts_is_set_from_the_configuration(make_service):
    service = make_service(
        mirrors=["https://m.example"],
        allow_nondistributable_artifacts=["docker.io", "reg.example", "192.168.0.0/16"],
    )
    hub = service.lookup_pull_endpoints("docker.io")
    assert [e.allow_nondistributable_artifacts for e in hub] == [False, True]  # never a mirror
    assert service.lookup_push_endpoints("reg.example")[0].allow_nondistributable_artifacts
    assert service.lookup_push_endpoints("lan.example")[0].allow_nondistributable_artifacts
    assert not service.lookup_push_endpoints("other.example")[0].allow_nondistributable_artifacts


class ExtraEndpoint:
    """Stacks one more endpoint for every host, between the mirrors and the host itself."""

    def __init__(self, mirror: bool = False) -> None:
        self.mirror = mirror

    @hookimpl
    def registry_endpoints(self, service, config, hostname, action):
        return [
            APIEndpoint(
                url="https://cache.example",
                mirror=self.mirror,
                trim_hostname=True,
                tls_config=service.tls_config("cache.example"),
            )
        ]


def test_a_plugin_stacks_an_endpoint(make_service, register_plugin):
    register_plugin(ExtraEndpoint())
    service = make_service(
        mirrors=["https://m.example"], allow_nondistributable_artifacts=["docker.io"]
    )
    endpoints = service.lookup_pull_endpoints("docker.io")
    assert urls(endpoints) == [
        "https://m.example/",
        "https://cache.example",
        "https://registry-1.docker.io",
    ]
    assert endpoints[1].allow_nondistributable_artifacts  # the service sets it
    push = service.lookup_push_endpoints("docker.io")
    assert urls(push) == ["https://cache.example", "https://registry-1.docker.io"]


class ReverseEndpoints:
    """A wrapper that reorders what every other plugin answered."""

    @hookimpl(wrapper=True)
    def registry_endpoints(self, service, config, hostname, action):
        answers = yield
        flat = [endpoint for answer in answers if answer for endpoint in answer]
        return [list(reversed(flat))]


def test_a_wrapper_reorders_the_endpoints(make_service, register_plugin):
    register_plugin(ReverseEndpoints())
    service = make_service(insecure_registries=["reg.example"], mirrors=["https://m.example"])
    assert urls(service.lookup_pull_endpoints("reg.example")) == [
        "http://reg.example",
        "https://reg.example",
    ]
    assert urls(service.lookup_pull_endpoints("docker.io")) == [
        "https://registry-1.docker.io",
        "https://m.example/",
    ]


class MirrorForEverything:
    """A policy that (wrongly) offers a mirror for pushes too."""

    @hookimpl(tryfirst=True)
    def registry_endpoints(self, service, config, hostname, action):
        return [APIEndpoint(url="https://pull-through.example", mirror=True)]


def test_a_mirror_plugin_can_never_add_push_endpoints(make_service, register_plugin):
    register_plugin(MirrorForEverything())
    register_plugin(ExtraEndpoint(mirror=True))
    service = make_service()
    assert urls(service.lookup_pull_endpoints("reg.example")) == [
        "https://pull-through.example",
        "https://cache.example",
        "https://reg.example",
    ]
    assert urls(service.lookup_push_endpoints("reg.example")) == ["https://reg.example"]
    assert urls(service.lookup_push_endpoints("docker.io")) == ["https://registry-1.docker.io"]


class WrongAnswer:
    @hookimpl
    def registry_endpoints(self, service, config, hostname, action):
        return ["https://not-an-endpoint.example"]


def test_a_plugin_answering_with_something_else_is_a_plugin_error(make_service, register_plugin):
    register_plugin(WrongAnswer())
    with pytest.raises(PluginError, match="registry_endpoints"):
        make_service().lookup_pull_endpoints("reg.example")


def test_blocking_the_built_in_policies():
    pm = get_plugin_manager(
        load_entrypoints=False,
        block=["registry_core_plugins.certsd", "registry_core_plugins.host_endpoints"],
    )
    service = DefaultService(ServiceOptions(mirrors=["https://m.example"]), plugin_manager=pm,
                             lookup_ip=lookup_ip)
    assert service.lookup_pull_endpoints("reg.example") == []
    assert urls(service.lookup_pull_endpoints("docker.io")) == ["https://m.example/"]
    pm.set_blocked("registry_core_plugins.mirrors")
    assert service.lookup_pull_endpoints("docker.io") == []


def test_a_host_is_escaped_in_its_endpoint_url_as_go_does(make_service):
    service = make_service(insecure_registries=["fe80::/10"])
    assert urls(service.lookup_pull_endpoints("[fe80::1%lo]:5000")) == [
        "https://[fe80::1%25lo]:5000",
        "http://[fe80::1%25lo]:5000",
    ]


# ---- locking --------------------------------------------------------------------------------


class CallsBack:
    """Calls into the service from inside a hook, as the built-in plugins do."""

    @hookimpl
    def registry_endpoints(self, service, config, hostname, action):
        service.service_config()
        service.resolve_repository(parse_normalized_named("ubuntu"))
        return [APIEndpoint(url="https://x.example", tls_config=service.tls_config("x.example"))]


def test_hooks_may_call_back_into_the_service(make_service, register_plugin):
    register_plugin(CallsBack())
    service = make_service()
    result: list[list[APIEndpoint]] = []
    # Run in a thread so that a lock that is not re-entrant fails the test instead of hanging it.
    thread = threading.Thread(
        target=lambda: result.append(service.lookup_pull_endpoints("reg.example")), daemon=True
    )
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the lookup deadlocked"
    assert urls(result[0]) == ["https://x.example", "https://reg.example"]


class ChangesTheConfigurationMidLookup:
    """While a lookup runs, changes the configuration from another thread, then looks at
    what the lookup sees."""

    def __init__(self) -> None:
        self.writer_finished: bool | None = None
        self.seen: dict[str, Any] = {}

    @hookimpl
    def registry_endpoints(self, service, config, hostname, action):
        writer = threading.Thread(
            target=service.load_insecure_registries, args=(["reg.example"],), daemon=True
        )
        writer.start()
        writer.join(timeout=30)
        self.writer_finished = not writer.is_alive()
        self.seen = {
            "hook config": set(config.index_configs),
            "service_config": set(service.service_config().index_configs),
            "tls insecure": service.tls_config(hostname).insecure_skip_verify,
            "is_secure": service.is_secure(hostname),
        }
        return None


def test_a_lookup_works_on_one_snapshot_while_a_writer_replaces_the_configuration(
    make_service, register_plugin
):
    plugin = ChangesTheConfigurationMidLookup()
    register_plugin(plugin)
    service = make_service()
    endpoints = service.lookup_pull_endpoints("reg.example")
    # Writers do not wait for readers...
    assert plugin.writer_finished is True
    # ...and the running lookup, with everything it calls back, still sees its snapshot:
    # reg.example is secure there, so the built-in host policy gives https only.
    assert plugin.seen == {
        "hook config": {"docker.io"},
        "service_config": {"docker.io"},
        "tls insecure": False,
        "is_secure": True,
    }
    assert urls(endpoints) == ["https://reg.example"]
    # The next lookup sees the new configuration.
    plugin.seen = {}
    assert urls(service.lookup_pull_endpoints("reg.example")) == [
        "https://reg.example",
        "http://reg.example",
    ]
    assert plugin.seen["hook config"] == {"docker.io", "reg.example"}
    assert plugin.seen["tls insecure"] is True


@pytest.mark.parametrize(
    "call",
    [
        lambda service, host: service.resolve_repository(parse_normalized_named(f"{host}/app")),
        lambda service, host: service.lookup_pull_endpoints(host),
        lambda service, host: service.lookup_push_endpoints(host),
        lambda service, host: service.tls_config(host),
        lambda service, host: service.is_secure(host),
    ],
    ids=["resolve_repository", "lookup_pull_endpoints", "lookup_push_endpoints", "tls_config",
         "is_secure"],
)
def test_name_resolution_runs_in_parallel(registry_plugin_manager, call):
    """Several lookups resolve names at the same time: each resolver call waits at a barrier
    for all the others, which only passes if no lock serializes them."""
    parties = 4
    barrier = threading.Barrier(parties, timeout=5)
    met: list[str] = []

    def slow_lookup_ip(host: str) -> list[IPAddress]:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return []
        met.append(host)
        return [V4("10.1.2.3")]

    service = DefaultService(
        ServiceOptions(insecure_registries=["10.0.0.0/8"]),
        plugin_manager=registry_plugin_manager,
        lookup_ip=slow_lookup_ip,
    )
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            call(service, f"host{number}.example")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(met) == [f"host{n}.example" for n in range(parties)]


def test_concurrent_loads_and_lookups_see_whole_configurations(make_service):
    service = make_service(
        insecure_registries=["192.168.0.0/16", "a.example:5000"], mirrors=["https://ma"]
    )
    # Two complete configurations; every snapshot must be one of them, never a mix.
    variants = [
        (["192.168.0.0/16", "a.example:5000"], ["https://ma"]),
        (["10.0.0.0/8", "b.example:5000"], ["https://mb"]),
    ]
    expected = [
        ({"192.168.0.0/16", "127.0.0.0/8"}, {"a.example:5000", "docker.io"}, ["https://ma/"]),
        ({"10.0.0.0/8", "127.0.0.0/8"}, {"b.example:5000", "docker.io"}, ["https://mb/"]),
    ]
    problems: list[str] = []
    barrier = threading.Barrier(4)

    def writer(offset: int) -> None:
        barrier.wait()
        for n in range(150):
            insecure, mirrors = variants[(n + offset) % 2]
            service.load_insecure_registries(insecure)
            service.load_mirrors(mirrors)
            service.load_insecure_registries(insecure)

    def reader() -> None:
        barrier.wait()
        for _ in range(150):
            config = service.service_config()
            seen = (
                {str(n) for n in config.insecure_registry_cidrs},
                set(config.index_configs),
                config.index_configs["docker.io"].mirrors,
            )
            if seen[:2] not in [e[:2] for e in expected]:
                problems.append(f"mixed configuration: {seen}")
            if seen[2] != config.mirrors:
                problems.append(f"mirrors out of step: {seen[2]} vs {config.mirrors}")
            pull = urls(service.lookup_pull_endpoints("lan.example:5000"))
            if pull not in (["https://lan.example:5000", "http://lan.example:5000"],
                            ["https://lan.example:5000"]):
                problems.append(f"bad endpoints: {pull}")
            hub = urls(service.lookup_pull_endpoints("docker.io"))
            if hub not in (["https://ma/", "https://registry-1.docker.io"],
                           ["https://mb/", "https://registry-1.docker.io"]):
                problems.append(f"bad hub endpoints: {hub}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(2)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []


# ---- delegation -----------------------------------------------------------------------------


@pytest.fixture
def fake_module(monkeypatch) -> Iterator[Any]:
    def install(name: str, **functions: Any) -> types.ModuleType:
        module = types.ModuleType(name)
        for attr, value in functions.items():
            setattr(module, attr, value)
        monkeypatch.setitem(sys.modules, name, module)
        return module

    yield install


def test_auth_delegates_to_login(make_service, fake_module):
    calls = []

    def auth(service, auth_config, user_agent):
        calls.append((service, auth_config, user_agent))
        return "Login Succeeded", "token"

    fake_module("registry_core.login", auth=auth)
    service = make_service()
    credentials = AuthConfig(username="u", password="p", server_address="reg.example")
    assert service.auth(credentials, "agent/1.0") == ("Login Succeeded", "token")
    assert calls == [(service, credentials, "agent/1.0")]


def test_session_delegates_to_the_client(make_service, fake_module):
    calls = []

    def open_session(service, repository_info, actions, **kwargs):
        calls.append((service, repository_info, actions, kwargs))
        return "session"

    fake_module("registry_core.client", open_session=open_session)
    service = make_service()
    info = service.resolve_repository(parse_normalized_named("reg.example/app"))
    assert isinstance(info, RepositoryInfo)
    assert service.session(info) == "session"
    assert service.session(info, actions=("pull", "push"), user_agent="ua/1") == "session"
    service.user_agent, service.meta_headers = "default/2", {"X-Meta": ["m"]}
    assert service.session(info) == "session"
    assert service.session(info, meta_headers={}) == "session"
    none = {"user_agent": None, "meta_headers": None}
    defaults = {"user_agent": "default/2", "meta_headers": {"X-Meta": ["m"]}}
    assert calls == [
        (service, info, ("pull",), none),
        (service, info, ("pull", "push"), {"user_agent": "ua/1", "meta_headers": None}),
        (service, info, ("pull",), defaults),
        (service, info, ("pull",), {"user_agent": "default/2", "meta_headers": {}}),
    ]

