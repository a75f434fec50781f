"""The public API is importable from ``registry_core`` under the names the issues pin."""

from __future__ import annotations

import json

import pytest

import registry_core

PINNED_NAMES = [
    # constants
    "AUTH_CLIENT_ID", "DEFAULT_SEARCH_LIMIT", "DEFAULT_NAMESPACE",
    "DEFAULT_REGISTRY_VERSION_HEADER", "INDEX_HOSTNAME", "INDEX_SERVER", "INDEX_NAME",
    "DEFAULT_V2_REGISTRY", "CERTS_DIR",
    # errors
    "RegistryError", "ImageAlreadyExistsError", "InvalidRepositoryNameError",
    "RepositoryNotFoundError", "PingResponseError",
    # types
    "AuthConfig", "IndexInfo", "ServiceConfig", "ServiceOptions", "RepositoryInfo",
    "APIEndpoint", "APIVersion", "PingResult", "ImgData", "RepositoryData", "SearchResult",
    "SearchResults", "TLSConfig",
    # functions
    "validate_index_name", "validate_mirror", "convert_to_hostname", "get_auth_config_key",
    "resolve_auth_config", "parse_repository_info", "parse_search_index_info",
    "read_certs_directory", "headers", "new_transport", "http_client", "ping_v2_registry",
    # service and plugins
    "Service", "DefaultService", "new_service", "CredentialStore", "RequestModifier",
    "hookimpl", "RegistrySpecs", "get_plugin_manager", "DEFAULT_PLUGINS",
]


@pytest.mark.parametrize("name", PINNED_NAMES)
def test_pinned_name_is_exported(name):
    assert name in registry_core.__all__
    assert getattr(registry_core, name) is not None


def test_all_names_resolve():
    for name in registry_core.__all__:
        assert hasattr(registry_core, name), name


def test_constants_have_the_reference_values():
    assert registry_core.DEFAULT_V2_REGISTRY == "https://registry-1.docker.io"
    assert registry_core.INDEX_SERVER == "https://index.docker.io/v1/"
    assert registry_core.DEFAULT_REGISTRY_VERSION_HEADER == "Docker-Distribution-Api-Version"
    assert registry_core.AUTH_CLIENT_ID == "docker"
    assert registry_core.DEFAULT_SEARCH_LIMIT == 25


def test_invalid_argument_errors_are_value_errors():
    assert issubclass(registry_core.InvalidRepositoryNameError, ValueError)
    assert issubclass(registry_core.InvalidRepositoryNameError, registry_core.RegistryError)
    assert str(registry_core.InvalidRepositoryNameError()) == (
        'Invalid repository name (ex: "registry.domain.tld/myrepos")'
    )
    assert str(registry_core.ImageAlreadyExistsError()) == "Image already exists"
    assert str(registry_core.RepositoryNotFoundError()) == "Repository not found"


def test_api_version_strings():
    assert str(registry_core.APIVersion.V1) == "v1"
    assert str(registry_core.APIVersion.V2) == "v2"


def test_img_data_json_uses_the_reference_field_names():
    full = registry_core.ImgData(id="abc", checksum="sha256:x", checksum_payload="p", tag="t")
    assert json.loads(json.dumps(full.to_json())) == {
        "id": "abc",
        "checksum": "sha256:x",
        "Tag": "t",
    }
    assert registry_core.ImgData(id="abc").to_json() == {"id": "abc"}


def test_search_results_json_round_trip():
    results = registry_core.SearchResults(
        query="q",
        num_results=1,
        results=[registry_core.SearchResult(name="n", description="d", star_count=3)],
    )
    data = results.to_json()
    assert data["results"][0] == {
        "star_count": 3,
        "is_official": False,
        "name": "n",
        "is_automated": False,
        "description": "d",
    }
    assert registry_core.SearchResults.from_json(data) == results


def test_auth_config_repr_hides_secrets():
    config = registry_core.AuthConfig(
        username="u", password="hunter2-canary", identity_token="tok-canary"
    )
    assert "hunter2-canary" not in repr(config)
    assert "tok-canary" not in repr(config)
    assert config.to_json() == {
        "username": "u",
        "password": "hunter2-canary",
        "identitytoken": "tok-canary",
    }
    assert registry_core.AuthConfig.from_json(config.to_json()) == config
