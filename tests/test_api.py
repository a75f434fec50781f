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


def test_search_results_json_keys_are_in_go_struct_order():
    results = registry_core.SearchResults(query="q", num_results=0, results=[])
    assert list(results.to_json()) == ["query", "num_results", "results"]
    assert json.dumps(results.to_json()) == '{"query": "q", "num_results": 0, "results": []}'


def test_search_results_nil_results_are_null_and_round_trip():
    # Go's zero SearchResults has a nil slice, which encoding/json writes as null.
    assert registry_core.SearchResults().results is None
    assert registry_core.SearchResults().to_json() == {
        "query": "", "num_results": 0, "results": None,
    }
    for data in ({"query": "q", "num_results": 0, "results": None}, {"query": "q"}):
        assert registry_core.SearchResults.from_json(data).results is None
    assert registry_core.SearchResults.from_json({"results": []}).results == []
    assert registry_core.SearchResults.from_json({"results": []}).to_json()["results"] == []


def test_repository_data_json_uses_the_go_field_names():
    data = registry_core.RepositoryData(
        img_list={
            "abc": registry_core.ImgData(id="abc", checksum="sha256:x", tag="latest"),
            "def": registry_core.ImgData(id="def"),
        },
        endpoints=["https://r1.example/v1/", "https://r2.example/v1/"],
    )
    encoded = data.to_json()
    assert json.loads(json.dumps(encoded)) == {
        "ImgList": {
            "abc": {"id": "abc", "checksum": "sha256:x", "Tag": "latest"},
            "def": {"id": "def"},
        },
        "Endpoints": ["https://r1.example/v1/", "https://r2.example/v1/"],
    }
    assert registry_core.RepositoryData.from_json(encoded) == data
    empty = registry_core.RepositoryData()
    assert empty.to_json() == {"ImgList": {}, "Endpoints": []}
    assert registry_core.RepositoryData.from_json({"ImgList": None, "Endpoints": None}) == empty
    # Keys fold as Go's decoder folds them; a null image is ImgData's zero value.
    assert registry_core.RepositoryData.from_json(
        {"imglist": {"x": None}, "ENDPOINTS": ["e"]}
    ) == registry_core.RepositoryData(img_list={"x": registry_core.ImgData()}, endpoints=["e"])


def test_from_json_folds_keys_as_go_does():
    # U+017F (long s) folds to s and U+212A (Kelvin sign) to k in Go, not in str.lower().
    config = registry_core.AuthConfig.from_json(
        {"uſername": "u", "paſſword": "p", "identitytoKen": "t", "serveraddreſs": "s"}
    )
    assert config == registry_core.AuthConfig(
        username="u", password="p", identity_token="t", server_address="s"
    )
    image = registry_core.ImgData.from_json({"ID": "i", "checkſum": "c", "TAG": "t"})
    assert image == registry_core.ImgData(id="i", checksum="c", tag="t")
    # A null leaves a string as it was, as Go does.
    assert registry_core.AuthConfig.from_json({"username": "u", "USERNAME": None}).username == "u"
    index = registry_core.IndexInfo.from_json({"name": "x", "MIRRORS": ["m"], "ſecure": True})
    assert index == registry_core.IndexInfo(name="x", mirrors=["m"], secure=True)


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
