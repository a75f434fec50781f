"""Tests of the example plugin, written with registry-core's own pytest fixtures.

``registry_plugin_manager``, ``register_plugin``, ``hook_recorder`` and ``registry_hooks``
come from ``registry_core.testing``, which registry-core installs as a pytest plugin.
"""

from __future__ import annotations

import pytest
import requests
from registry_core.types import AuthConfig

from registry_core_example_plugin import plugin

REGISTRY = "localhost:5000"


@pytest.fixture
def example(monkeypatch, register_plugin):
    """The plugin, registered for one test, configured for ``localhost:5000``."""
    monkeypatch.setenv(plugin.REGISTRY_ENV, REGISTRY)
    monkeypatch.setenv(plugin.USER_ENV, "ci")
    monkeypatch.setenv(plugin.PASSWORD_ENV, "s3cret")
    return register_plugin(plugin, name="registry_core_example_plugin")


def test_credentials_for_the_configured_registry(example, registry_hooks):
    assert registry_hooks.credentials(REGISTRY) == AuthConfig(
        username="ci", password="s3cret", server_address=REGISTRY
    )


def test_no_credentials_for_another_registry(example, registry_hooks, hook_recorder):
    assert registry_hooks.credentials("registry.example.com") is None
    call = hook_recorder.last("registry_credentials")
    assert call.kwargs == {"registry": "registry.example.com", "repository": None}
    assert example in call.plugins  # the plugin was asked, and passed


def test_no_credentials_without_a_user(example, monkeypatch, registry_hooks):
    monkeypatch.delenv(plugin.USER_ENV)
    assert registry_hooks.credentials(REGISTRY) is None


def test_header_only_for_the_configured_registry(example, registry_hooks):
    def prepared(host):
        request = requests.Request("GET", f"https://{host}/v2/").prepare()
        for modifier in registry_hooks.request_modifiers(host):
            modifier.modify_request(request)
        return request

    assert prepared(REGISTRY).headers[plugin.HEADER] == "1"
    assert plugin.HEADER not in prepared("registry.example.com").headers


def test_the_plugin_is_unregistered_after_each_test(registry_plugin_manager):
    assert registry_plugin_manager.get_plugin("registry_core_example_plugin") is None
