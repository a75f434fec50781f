"""Credentials for one registry from environment variables, and a header for that registry.

Set ``EXAMPLE_REGISTRY`` to the registry's auth config key (``localhost:5000``, or
``https://index.docker.io/v1/`` for Docker Hub) and ``EXAMPLE_REGISTRY_USER`` /
``EXAMPLE_REGISTRY_PASSWORD`` to the credentials. The variables are read on every call, so a
long-running program sees changes.
"""

from __future__ import annotations

import os

import requests
from registry_core.hookspecs import hookimpl
from registry_core.interfaces import RequestModifier
from registry_core.types import AuthConfig

REGISTRY_ENV = "EXAMPLE_REGISTRY"
USER_ENV = "EXAMPLE_REGISTRY_USER"
PASSWORD_ENV = "EXAMPLE_REGISTRY_PASSWORD"

#: The header this plugin adds to every request to the configured registry.
HEADER = "X-Example-Plugin"


def configured_registry() -> str | None:
    """The registry this plugin serves, or ``None`` when ``EXAMPLE_REGISTRY`` is not set."""
    return os.environ.get(REGISTRY_ENV) or None


@hookimpl
def registry_credentials(registry: str) -> AuthConfig | None:
    """The credentials from the environment, for the configured registry only.

    ``None`` for any other registry, or when no user name is set, lets the next plugin
    answer.
    """
    username = os.environ.get(USER_ENV, "")
    if registry != configured_registry() or not username:
        return None
    return AuthConfig(
        username=username,
        password=os.environ.get(PASSWORD_ENV, ""),
        server_address=registry,
    )


class ExampleHeader(RequestModifier):
    """Sets :data:`HEADER`, so the registry's logs show which requests the plugin served."""

    def modify_request(self, request: requests.PreparedRequest) -> None:
        request.headers[HEADER] = "1"


@hookimpl
def registry_request_modifiers(host: str) -> list[RequestModifier] | None:
    """:class:`ExampleHeader` for requests to the configured registry; nothing elsewhere."""
    if host != configured_registry():
        return None
    return [ExampleHeader()]
