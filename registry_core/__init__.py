"""registry-core: Docker's registry client behaviour for Python, as a plugin framework."""

from __future__ import annotations

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
from .hookspecs import RegistrySpecs, hookimpl
from .interfaces import CredentialStore, RequestModifier
from .tlsconfig import ClientCertificate, TLSConfig
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
    "RegistrySpecs",
    "hookimpl",
    "CredentialStore",
    "RequestModifier",
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
]
