"""registry-core: Docker's registry client behaviour for Python, as a plugin framework."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
from .errors import *  # noqa: F403
from .errors import __all__ as _errors_all

if TYPE_CHECKING:
    from registry_core_plugins.static_credentials import new_static_credential_store
    from registry_core_plugins.v1_token_auth import auth_transport

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
    from .credentials import HookCredentialStore, LoginCredentialStore
    from .endpoint_lookup import BlockedRegistryError
    from .hookspecs import RegistrySpecs, hookimpl
    from .hostsconfig import HostConfig, HostsConfigError, HostsFileError, configure_hosts
    from .interfaces import CredentialStore, RequestModifier
    from .manager import DEFAULT_PLUGINS, Hooks, PluginInfo, get_plugin_manager, list_plugins
    from .ping import ping_v2_registry
    from .registriesconf import RegistriesConfError, find_registry
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

# Every other public name is imported on first use (PEP 562), so ``import registry_core``
# costs what the constants and errors cost, not what requests, pluggy and cryptography cost;
# ``from registry_core import DefaultService`` loads what that class needs, and no more. A
# module starting with "." is registry-core's own; the two names the reference exports that
# live with the built-in plugins come from there, so importing registry_core never imports a
# plugin module a user has blocked.
_LAZY_NAMES: dict[str, str] = {
    "host_certs_dir": ".certs",
    "read_certs_directory": ".certs",
    "ServiceOptions": ".config",
    "convert_to_hostname": ".config",
    "get_auth_config_key": ".config",
    "parse_repository_info": ".config",
    "parse_search_index_info": ".config",
    "resolve_auth_config": ".config",
    "validate_index_name": ".config",
    "validate_mirror": ".config",
    "HookCredentialStore": ".credentials",
    "LoginCredentialStore": ".credentials",
    "RegistrySpecs": ".hookspecs",
    "hookimpl": ".hookspecs",
    "CredentialStore": ".interfaces",
    "RequestModifier": ".interfaces",
    "DEFAULT_PLUGINS": ".manager",
    "Hooks": ".manager",
    "PluginInfo": ".manager",
    "get_plugin_manager": ".manager",
    "list_plugins": ".manager",
    "ping_v2_registry": ".ping",
    "DefaultService": ".service",
    "Service": ".service",
    "new_service": ".service",
    "ClientCertificate": ".tlsconfig",
    "TLSConfig": ".tlsconfig",
    "HeaderRequestModifier": ".transport",
    "RegistrySession": ".transport",
    "RegistryTransport": ".transport",
    "headers": ".transport",
    "http_client": ".transport",
    "new_transport": ".transport",
    "APIEndpoint": ".types",
    "APIVersion": ".types",
    "AuthConfig": ".types",
    "ImgData": ".types",
    "IndexInfo": ".types",
    "PingResult": ".types",
    "RepositoryData": ".types",
    "RepositoryInfo": ".types",
    "SearchResult": ".types",
    "SearchResults": ".types",
    "ServiceConfig": ".types",
    "V1Endpoint": ".v1endpoint",
    "new_v1_endpoint": ".v1endpoint",
    "Session": ".v1session",
    "new_session": ".v1session",
    "configure_hosts": ".hostsconfig",
    "HostConfig": ".hostsconfig",
    "HostsConfigError": ".hostsconfig",
    "HostsFileError": ".hostsconfig",
    "find_registry": ".registriesconf",
    "RegistriesConfError": ".registriesconf",
    "BlockedRegistryError": ".endpoint_lookup",
    "auth_transport": "registry_core_plugins.v1_token_auth",
    "new_static_credential_store": "registry_core_plugins.static_credentials",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY_NAMES.get(name)
    if module_name is not None:
        value = getattr(importlib.import_module(module_name, __name__), name)
        globals()[name] = value  # found once, then an ordinary attribute
        return value
    if not name.startswith("_"):
        # Submodules were attributes of the package when it imported them all up front.
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
    "configure_hosts",
    "HostConfig",
    "HostsConfigError",
    "HostsFileError",
    "find_registry",
    "RegistriesConfError",
    "BlockedRegistryError",
]
