"""The built-in mirror policy: the daemon's ``registry-mirrors``, for Docker Hub.

It answers ``registry_endpoints`` first (``tryfirst``), so mirrors are tried before the Hub,
in the order they were configured. Each mirror endpoint has ``mirror=True`` and
``trim_hostname=True``, and the TLS configuration of the mirror's own host from
``service.tls_config``, as in the reference's ``lookupV2Endpoints``.

Mirrors serve pulls only, but, as the reference does, this plugin builds them for a push too
and the service then drops every mirror endpoint from a push. So a mirror that cannot be
built (one that does not parse back, or whose certs.d material is broken) fails a push, and a
login, to Docker Hub with the same error as a pull, as in the reference.
Block this plugin (``registry_core_plugins.mirrors``) to ignore the configured mirrors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry_core.config import mirror_endpoint_url
from registry_core.constants import DEFAULT_NAMESPACE, INDEX_HOSTNAME
from registry_core.hookspecs import Action, hookimpl
from registry_core.types import APIEndpoint, APIVersion, ServiceConfig

if TYPE_CHECKING:
    from registry_core.service import Service

__all__ = ["registry_endpoints"]


@hookimpl(tryfirst=True)
def registry_endpoints(
    service: Service, config: ServiceConfig, hostname: str, action: Action
) -> list[APIEndpoint] | None:
    """The configured mirrors, for Docker Hub (for a pull or a push alike: the service drops
    them from a push); ``None`` for any other registry.

    :raises InvalidMirrorError: a configured mirror that the reference cannot parse back
        (``https:host`` passes validation but not this step, as in the reference).
    :raises CertificateError: a TLS plugin found broken material for a mirror's host.
    """
    del action  # built for both, as the reference's lookupV2Endpoints does
    if hostname not in (DEFAULT_NAMESPACE, INDEX_HOSTNAME):
        return None
    endpoints = []
    for mirror in config.mirrors:
        url, host = mirror_endpoint_url(mirror)
        endpoints.append(
            APIEndpoint(
                url=url,
                version=APIVersion.V2,
                mirror=True,
                trim_hostname=True,
                tls_config=service.tls_config(host),
                origin=f"daemon.json registry-mirrors {mirror}",
            )
        )
    return endpoints
