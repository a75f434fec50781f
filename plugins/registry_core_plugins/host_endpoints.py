"""The built-in host policy: a registry's own v2 endpoints.

It answers ``registry_endpoints`` last (``trylast``) with what the reference's
``lookupV2Endpoints`` gives for the registry itself:

* Docker Hub (``docker.io`` or ``index.docker.io``): ``https://registry-1.docker.io``,
  official, with the default TLS settings. As in the reference, no TLS plugin is asked about
  it (certs.d is not read for the Hub).
* Any other host: ``https://HOST``, and then ``http://HOST`` when the service treats the host
  as insecure, both with the host's TLS configuration from ``service.tls_config``.

The service sets ``allow_nondistributable_artifacts`` on the endpoints afterwards.
Block this plugin (``registry_core_plugins.host_endpoints``) to replace the policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry_core.config import host_endpoint_url
from registry_core.constants import DEFAULT_NAMESPACE, DEFAULT_V2_REGISTRY, INDEX_HOSTNAME
from registry_core.hookspecs import Action, hookimpl
from registry_core.tlsconfig import TLSConfig
from registry_core.types import APIEndpoint, APIVersion, ServiceConfig

if TYPE_CHECKING:
    from registry_core.service import Service

__all__ = ["registry_endpoints"]


@hookimpl(trylast=True)
def registry_endpoints(
    service: Service, config: ServiceConfig, hostname: str, action: Action
) -> list[APIEndpoint]:
    """The registry's own endpoints for ``hostname``, for pulls and pushes alike."""
    if hostname in (DEFAULT_NAMESPACE, INDEX_HOSTNAME):
        return [
            APIEndpoint(
                url=DEFAULT_V2_REGISTRY,
                version=APIVersion.V2,
                official=True,
                trim_hostname=True,
                tls_config=TLSConfig(),
                origin="built-in: Docker Hub",
            )
        ]
    tls_config = service.tls_config(hostname)
    endpoints = [
        APIEndpoint(
            url=host_endpoint_url("https", hostname),
            version=APIVersion.V2,
            trim_hostname=True,
            tls_config=tls_config,
            origin=f"built-in: the registry {hostname} itself",
        )
    ]
    if tls_config.insecure_skip_verify:
        endpoints.append(
            APIEndpoint(
                url=host_endpoint_url("http", hostname),
                version=APIVersion.V2,
                trim_hostname=True,
                # Plain http has no TLS; the reference keeps the flag to mark the host insecure.
                tls_config=tls_config.copy(),
                origin=f"daemon.json insecure-registries: {hostname} over http",
            )
        )
    return endpoints
