"""registry-core: Docker's registry client behaviour for Python, as a plugin framework."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .certs import host_certs_dir, read_certs_directory
from .config import (
    ServiceOptions,
    convert_to_hostname,
    get_auth_config_key,
    parse_repository_info,
    parse_search_index_info,
    resolve_auth_config,
    validate_index_name,
    validate_mirror,
)
from .constants import (
    AUTH_CLIENT_ID,
    CERTS_DIR,
    DEFAULT_NAMESPACE,
    DEFAULT_REGISTRY_VERSION_HEADER,
    DEFAULT_SEARCH_LIMIT,
    DEFAULT_V2_REGISTRY,
    INDEX_HOSTNAME,
    INDEX_NAME,
    INDEX_SERVER,
)
from .credentials import HookCredentialStore, LoginCredentialStore
from .errors import *  # noqa: F403
from .errors import __all__ as _errors_all
from .hookspecs import RegistrySpecs, hookimpl
from .interfaces import CredentialStore, RequestModifier
from .manager import DEFAULT_PLUGINS, Hooks, PluginInfo, get_plugin_manager, list_plugins
from .ping import ping_v2_registry
from .service import DefaultService, Service, new_service
from .tlsconfig import ClientCertificate, TLSConfig
from .transport import (
    HeaderRequestModifier,
    RegistrySession,
    RegistryTransport,
    headers,
    http_client,
    new_transport,
)
from .types import (
    APIEndpoint,
    APIVersion,
    AuthConfig,
    ImgData,
    IndexInfo,
    PingResult,
    RepositoryData,
    RepositoryInfo,
    SearchResult,
    SearchResults,
    ServiceConfig,
)
from .v1endpoint import V1Endpoint, new_v1_endpoint
from .v1session import Session, new_session

__version__ = "0.1.0"

__all__ = [
    "AUTH_CLIENT_ID",
    "CERTS_DIR",
    "DEFAULT_NAMESPACE",
    "DEFAULT_REGISTRY_VERSION_HEADER",
    "DEFAULT_SEARCH_LIMIT",
    "DEFAULT_V2_REGISTRY",
    "INDEX_HOSTNAME",
    "INDEX_NAME",
    "INDEX_SERVER",
    *_errors_all,
    "ServiceOptions",
    "convert_to_hostname",
    "get_auth_config_key",
    "parse_repository_info",
    "parse_search_index_info",
    "resolve_auth_config",
    "validate_index_name",
    "validate_mirror",
    "read_certs_directory",
    "host_certs_dir",
    "Service",
    "DefaultService",
    "new_service",
    "headers",
    "new_transport",
    "http_client",
    "HeaderRequestModifier",
    "RegistrySession",
    "RegistryTransport",
    "ping_v2_registry",
    "RegistrySpecs",
    "hookimpl",
    "get_plugin_manager",
    "list_plugins",
    "DEFAULT_PLUGINS",
    "Hooks",
    "PluginInfo",
    "CredentialStore",
    "RequestModifier",
    "HookCredentialStore",
    "LoginCredentialStore",
    "ClientCertificate",
    "TLSConfig",
    "APIEndpoint",
    "APIVersion",
    "AuthConfig",
    "ImgData",
    "IndexInfo",
    "PingResult",
    "RepositoryData",
    "RepositoryInfo",
    "SearchResult",
    "SearchResults",
    "ServiceConfig",
    "V1Endpoint",
    "new_v1_endpoint",
    "Session",
    "new_session",
    "auth_transport",
    "new_static_credential_store",
]


if TYPE_CHECKING:
    from registry_core_plugins.static_credentials import new_static_credential_store
    from registry_core_plugins.v1_token_auth import auth_transport

#: Names the reference exports from its registry package that live with the built-in plugins
#: using them. They are imported on first use, so that importing registry_core never imports a
#: plugin module a user has blocked.
_FROM_PLUGINS = {
    "auth_transport": "registry_core_plugins.v1_token_auth",
    "new_static_credential_store": "registry_core_plugins.static_credentials",
}


def __getattr__(name: str) -> object:
    module = _FROM_PLUGINS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
