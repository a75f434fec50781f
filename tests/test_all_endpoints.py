"""When every endpoint fails: the reference's last error first, then what each endpoint
answered, in order (beyond the reference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry_core.client import open_session
from registry_core.errors import AllEndpointsFailedError, TransportError
from registry_core.hookspecs import hookimpl
from registry_core.manager import get_plugin_manager
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.tlsconfig import TLSConfig
from registry_core.types import APIEndpoint
from tests.http_stub import free_port
from tests.programs import require_program
from tests.registry_fixtures import PKI, start_registry

pytest_plugins = ["tests.registry_fixtures"]


class Endpoints:
    """A mirror, then the registry: what the built-in policies give Docker Hub, on loopback."""

    def __init__(self, mirror: str, registry: str) -> None:
        self.mirror, self.registry = mirror, registry

    @hookimpl
    def registry_endpoints(self, service, config, hostname, action):
        return [
            APIEndpoint(url=self.mirror, mirror=True, tls_config=TLSConfig()),
            APIEndpoint(url=self.registry, tls_config=TLSConfig()),
        ]


def test_a_failing_mirror_and_a_failing_registry_are_both_reported(
    tmp_path: Path, pki: PKI
) -> None:
    require_program("docker-registry")
    # The mirror is a real registry whose certificate this client does not trust; the
    # registry does not listen at all.
    dead = f"http://127.0.0.1:{free_port()}"
    tls = pki.issue_server(["mirror.registry-core.test"])
    with start_registry(tmp_path, tls=tls) as mirror:
        plugin = Endpoints(mirror.url, dead)
        service = DefaultService(
            plugin_manager=get_plugin_manager(plugins=[plugin], load_entrypoints=False)
        )
        info = service.resolve_repository(parse_normalized_named(f"{dead[7:]}/team/app"))
        with pytest.raises(AllEndpointsFailedError) as caught:
            open_session(service, info)
    error = caught.value
    assert isinstance(error, TransportError)
    [(mirror_url, is_mirror, mirror_error), (registry_url, is_registry_mirror, last)] = (
        error.attempts
    )
    assert (mirror_url, is_mirror, registry_url, is_registry_mirror) == (
        mirror.url, True, dead, False
    )
    assert str(mirror_error).startswith(f'Get "{mirror.url}/v2/": TLS error')
    assert str(last).startswith(f'Get "{dead}/v2/": connection failed')
    assert error.__cause__ is last
    assert str(error).splitlines() == [
        str(last),
        "all 2 endpoints failed, in the order tried:",
        f"  mirror {mirror.url}: {mirror_error}",
        f"  endpoint {dead}: {last}",
    ]


def test_one_endpoint_keeps_the_reference_message_alone() -> None:
    port = free_port()
    dead = f"http://127.0.0.1:{port}"

    class One:
        @hookimpl
        def registry_endpoints(self, service, config, hostname, action):
            return [APIEndpoint(url=dead, tls_config=TLSConfig())]

    service = DefaultService(
        plugin_manager=get_plugin_manager(plugins=[One()], load_entrypoints=False)
    )
    info = service.resolve_repository(parse_normalized_named(f"{dead[7:]}/team/app"))
    with pytest.raises(AllEndpointsFailedError) as caught:
        open_session(service, info)
    [(_, _, only)] = caught.value.attempts
    assert str(caught.value) == str(only)
    assert "\n" not in str(caught.value)


def test_a_mirror_password_stays_out_of_the_message() -> None:
    port = free_port()
    plugin = Endpoints(f"http://mirror-user:s3cret@127.0.0.1:{port}", f"http://127.0.0.1:{port}")
    service = DefaultService(
        plugin_manager=get_plugin_manager(plugins=[plugin], load_entrypoints=False)
    )
    info = service.resolve_repository(parse_normalized_named(f"127.0.0.1:{port}/team/app"))
    with pytest.raises(AllEndpointsFailedError) as caught:
        open_session(service, info)
    assert len(str(caught.value).splitlines()) == 4
    assert "s3cret" not in str(caught.value) + repr(caught.value)
    assert "s3cret" not in repr(caught.value.attempts)
