"""Fixtures: the Exchange registry on loopback, and a registry-core service that uses the plugin.

``registry_plugin_manager`` and ``register_plugin`` come from ``registry_core.testing``, which
registry-core installs as a pytest plugin.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from credentials import SECRET, Credentials
from exchange_server import ExchangeRegistry
from registry_core.service import DefaultService

from registry_core_example_auth import plugin


@pytest.fixture
def exchange_registry() -> Iterator[ExchangeRegistry]:
    with ExchangeRegistry(credential=SECRET) as server:
        yield server


@pytest.fixture
def service(registry_plugin_manager, register_plugin, exchange_registry) -> DefaultService:
    """A service with the built-in plugins, the example plugin and the credentials."""
    register_plugin(plugin, name="registry_core_example_auth")
    register_plugin(Credentials(exchange_registry.host))
    return DefaultService(plugin_manager=registry_plugin_manager)
