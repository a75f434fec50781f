"""A real :class:`~registry_core.service.DefaultService` for a test registry.

The service gets the registry fixture's environment (its certs.d, hosts and the like) and the
default plugins, with ``credentials`` for that registry when given; entry points are not loaded,
so a plugin installed in the venv cannot change what a test sees.
"""

from __future__ import annotations

from typing import Any

import pytest
from registry_core_plugins.static_credentials import StaticCredentials

from registry_core.manager import DEFAULT_PLUGINS, get_plugin_manager
from registry_core.service import DefaultService
from registry_core.types import AuthConfig
from tests.registry_fixtures import RegistryEnv

__all__ = ["env_credentials", "registry_service"]


def registry_service(env: RegistryEnv, monkeypatch: pytest.MonkeyPatch,
                     credentials: AuthConfig | None = None, **options: Any) -> DefaultService:
    """A service for ``env``'s registry, with ``credentials`` for it when given; ``options``
    go to :class:`~registry_core.service.DefaultService` (``user_agent=`` and the like)."""
    for name, value in env.environ.items():
        monkeypatch.setenv(name, value)
    plugins: list[Any] = list(DEFAULT_PLUGINS)
    if credentials is not None:
        plugins.append(StaticCredentials(credentials, registries=[env.host]))
    return DefaultService(
        plugin_manager=get_plugin_manager(plugins=plugins, load_entrypoints=False), **options
    )


def env_credentials(env: RegistryEnv) -> AuthConfig:
    """The credentials ``env``'s registry accepts (empty for one without authentication)."""
    return AuthConfig(username=env.username or "", password=env.password or "")
