"""Stand-ins the tests share for parts of registry-core they are not testing.

:class:`EndpointService` is the service the client and login code is handed when a test
chooses the endpoints itself (stub servers on loopback ports) instead of resolving them from
a daemon configuration: what ``open_session`` and ``auth`` need of a service, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from registry_core_plugins.static_credentials import StaticCredentials

from registry_core.manager import Hooks, get_plugin_manager
from registry_core.tlsconfig import TLSConfig
from registry_core.types import APIEndpoint, APIVersion, AuthConfig

__all__ = ["CORE_PLUGINS", "EndpointService", "insecure_endpoint"]

#: The built-in plugins an :class:`EndpointService` always loads: the one that sends requests.
CORE_PLUGINS: tuple[str, ...] = ("registry_core.transport",)


def insecure_endpoint(url: str, version: APIVersion = APIVersion.V2) -> APIEndpoint:
    """An endpoint at ``url`` that does not verify TLS (the stub servers' certificates)."""
    return APIEndpoint(url=url, version=version, tls_config=TLSConfig(insecure_skip_verify=True))


class EndpointService:
    """A service whose pull and push endpoints the test chooses, in order.

    :param endpoints: :class:`~registry_core.types.APIEndpoint` objects, or URLs for
        :func:`insecure_endpoint`.
    :param plugins: plugins loaded besides :data:`CORE_PLUGINS` (objects or module names).
    :param credentials: answered for every registry, through the built-in static-credentials
        plugin.

    :attr:`hooks` comes from a real plugin manager without entry points, so a plugin
    installed on the machine cannot change a test's outcome. :attr:`asked` records the host
    names looked up, in order.
    """

    def __init__(self, *endpoints: APIEndpoint | str, plugins: Iterable[Any] = (),
                 credentials: AuthConfig | None = None) -> None:
        self.endpoints = [e if isinstance(e, APIEndpoint) else insecure_endpoint(e)
                          for e in endpoints]
        self.asked: list[str] = []
        loaded: list[Any] = [*CORE_PLUGINS, *plugins]
        if credentials is not None:
            loaded.append(StaticCredentials(credentials))
        self.hooks = Hooks(get_plugin_manager(plugins=loaded, load_entrypoints=False))

    def lookup_pull_endpoints(self, hostname: str) -> list[APIEndpoint]:
        self.asked.append(hostname)
        return list(self.endpoints)

    def lookup_push_endpoints(self, hostname: str) -> list[APIEndpoint]:
        self.asked.append(hostname)
        return list(self.endpoints)
