"""The built-in mirror policy: the daemon's ``registry-mirrors``, for Docker Hub pulls.

It answers ``registry_endpoints`` first (``tryfirst``), so mirrors are tried before the Hub,
in the order they were configured. Each mirror endpoint has ``mirror=True`` and
``trim_hostname=True``, and the TLS configuration of the mirror's own host from
``service.tls_config``, as in the reference's ``lookupV2Endpoints``.

Mirrors serve pulls only. The reference builds them for pushes too and then drops them; this
plugin does not offer them for a push at all (so a broken mirror cannot make a push or a login
fail), and the service drops any mirror endpoint a push is offered anyway.
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
    """The configured mirrors, when pulling from Docker Hub; ``None`` otherwise.

    :raises InvalidMirrorError: a configured mirror that the reference cannot parse back
        (``https:host`` passes validation but not this step, as in the reference).
    """
    if action != "pull" or hostname not in (DEFAULT_NAMESPACE, INDEX_HOSTNAME):
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
            )
        )
    return endpoints
