"""The service, configuration and resolution against every vector of the reference.

The vectors were recorded on a machine where ``localhost`` resolves (through ``/etc/hosts``)
to ``127.0.0.1`` only, and no other name in them resolves. The resolver injected here does the
same, so no test needs DNS. certs.d is kept out (the built-in plugin is blocked): the vectors
were recorded without a certs root, and a machine running these tests may have one.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable
from typing import Any

import pluggy
import pytest

from registry_core.config import (
    IPAddress,
    ServiceOptions,
    convert_to_hostname,
    get_auth_config_key,
    parse_repository_info,
    parse_search_index_info,
    resolve_auth_config,
    validate_index_name,
    validate_mirror,
)
from registry_core.errors import InvalidReferenceError, RegistryError
from registry_core.reference import familiar_name, parse_normalized_named
from registry_core.service import DefaultService
from registry_core.types import APIEndpoint, AuthConfig, IndexInfo, RepositoryInfo
from tests.conformance import load_cases


def vector_lookup_ip(host: str) -> list[IPAddress]:
    """Name resolution as it was where the vectors were recorded."""
    if host.lower() == "localhost":
        return [ipaddress.IPv4Address("127.0.0.1")]
    return []


@pytest.fixture
def registry_plugin_manager_kwargs() -> dict[str, Any]:
    """registry-core's own ``registry_plugin_manager`` fixture, with certs.d blocked so a
    certs root on this machine cannot change the answers."""
    return {"load_entrypoints": False, "block": ["registry_core_plugins.certsd"]}


@pytest.fixture(autouse=True)
def quiet_config_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="registry_core.config")


def outcome(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return call()
    except RegistryError as exc:
        return {"error": str(exc)}


def index_json(index: IndexInfo) -> dict[str, Any]:
    return {
        "name": index.name,
        "mirrors": index.mirrors,
        "secure": index.secure,
        "official": index.official,
    }


def repository_json(info: RepositoryInfo) -> dict[str, Any]:
    return {
        "name": info.name.name,
        "familiar_name": familiar_name(info.name),
        "index": index_json(info.index),
        "official": info.official,
        "auth_config_key": get_auth_config_key(info.index),
    }


def endpoint_json(endpoint: APIEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "version": str(endpoint.version),
        "mirror": endpoint.mirror,
        "official": endpoint.official,
        "trim_hostname": endpoint.trim_hostname,
        "allow_nondistributable_artifacts": endpoint.allow_nondistributable_artifacts,
        "insecure_skip_verify": endpoint.tls_config.insecure_skip_verify,
    }


def new_service(case: dict[str, Any], pm: pluggy.PluginManager) -> DefaultService:
    options = ServiceOptions.from_daemon_json(case.get("options") or {})
    return DefaultService(options, plugin_manager=pm, lookup_ip=vector_lookup_ip)


@pytest.mark.parametrize("case", load_cases("validate_index_name"))
def test_validate_index_name(case):
    assert outcome(lambda: {"value": validate_index_name(case["input"])}) == case["expect"]


def _password_masked(expect: dict[str, Any]) -> dict[str, Any]:
    """The reference's answer with the password of ``scheme://user:password@`` shown as
    ``xxxxx`` everywhere: beyond the reference, which masks it only in its message about
    credentials and quotes it verbatim when it refuses the scheme or a path."""
    if "error" not in expect:
        return expect
    masked = re.sub(r"//([^/?#:@\"]*):[^/?#@\"]*@", r"//\1:xxxxx@", expect["error"])
    return {**expect, "error": masked}


@pytest.mark.parametrize("case", load_cases("validate_mirror"))
def test_validate_mirror(case):
    got = outcome(lambda: {"value": validate_mirror(case["input"])})
    assert got == _password_masked(case["expect"])


@pytest.mark.parametrize("case", load_cases("convert_to_hostname"))
def test_convert_to_hostname(case):
    assert convert_to_hostname(case["input"]) == case["expect"]["value"]


@pytest.mark.parametrize("case", load_cases("service_config"))
def test_service_config(case, registry_plugin_manager):
    def answer() -> dict[str, Any]:
        config = new_service(case, registry_plugin_manager).service_config()
        return {
            "allow_nondistributable_artifacts_cidrs": sorted(
                str(n) for n in config.allow_nondistributable_artifacts_cidrs
            ),
            "allow_nondistributable_artifacts_hostnames": sorted(
                config.allow_nondistributable_artifacts_hostnames
            ),
            "insecure_registry_cidrs": sorted(str(n) for n in config.insecure_registry_cidrs),
            "index_configs": {k: index_json(v) for k, v in config.index_configs.items()},
            "mirrors": config.mirrors,
        }

    assert outcome(answer) == case["expect"]


def _resolve(case: dict[str, Any], resolve: Callable[[Any], RepositoryInfo]) -> dict[str, Any]:
    try:
        named = parse_normalized_named(case["input"])
    except InvalidReferenceError as exc:
        return {"error": str(exc), "stage": "reference"}
    return outcome(lambda: repository_json(resolve(named)))


@pytest.mark.parametrize("case", load_cases("parse_repository_info"))
def test_parse_repository_info(case):
    got = _resolve(case, lambda named: parse_repository_info(named, vector_lookup_ip))
    assert got == case["expect"]


@pytest.mark.parametrize("case", load_cases("resolve_repository"))
def test_resolve_repository(case, registry_plugin_manager):
    try:
        named = parse_normalized_named(case["input"])
    except InvalidReferenceError as exc:
        assert {"error": str(exc), "stage": "reference"} == case["expect"]
        return
    try:
        service = new_service(case, registry_plugin_manager)
    except RegistryError as exc:
        assert {"error": str(exc), "stage": "options"} == case["expect"]
        return
    assert outcome(lambda: repository_json(service.resolve_repository(named))) == case["expect"]


@pytest.mark.parametrize("case", load_cases("parse_search_index_info"))
def test_parse_search_index_info(case):
    got = outcome(lambda: index_json(parse_search_index_info(case["input"], vector_lookup_ip)))
    assert got == case["expect"]


@pytest.mark.parametrize("case", load_cases("resolve_auth_config"))
def test_resolve_auth_config(case):
    auth_configs = {k: AuthConfig.from_json(v) for k, v in case["auth_configs"].items()}
    found = resolve_auth_config(auth_configs, IndexInfo.from_json(case["index"]))
    assert {
        "username": found.username,
        "password": found.password,
        "auth": found.auth,
        "serveraddress": found.server_address,
        "identitytoken": found.identity_token,
        "registrytoken": found.registry_token,
    } == case["expect"]


def _lookup(case: dict[str, Any], pm: pluggy.PluginManager, push: bool) -> dict[str, Any]:
    try:
        service = new_service(case, pm)
    except RegistryError as exc:
        return {"error": str(exc), "stage": "options"}
    lookup = service.lookup_push_endpoints if push else service.lookup_pull_endpoints
    return outcome(lambda: {"endpoints": [endpoint_json(e) for e in lookup(case["input"])]})


@pytest.mark.parametrize("case", load_cases("lookup_pull_endpoints"))
def test_lookup_pull_endpoints(case, registry_plugin_manager):
    assert _lookup(case, registry_plugin_manager, push=False) == case["expect"]


@pytest.mark.parametrize("case", load_cases("lookup_push_endpoints"))
def test_lookup_push_endpoints(case, registry_plugin_manager):
    assert _lookup(case, registry_plugin_manager, push=True) == case["expect"]
