"""The hook specifications: names, options, compatibility, and extension by subclassing."""

from __future__ import annotations

import inspect

import pluggy
import pytest

from registry_core.errors import PluginError
from registry_core.hookspecs import PROJECT_NAME, RegistrySpecs, hookimpl, hookspec
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.types import AuthConfig


def spec_hooks(specs: type[RegistrySpecs] = RegistrySpecs) -> dict[str, pluggy.HookspecOpts]:
    marker = f"{PROJECT_NAME}_spec"
    return {
        name: getattr(member, marker)
        for name, member in inspect.getmembers(specs)
        if hasattr(member, marker)
    }


# The arguments each hook had when it was released. Plugins are called with these names, so
# they may only be added to (at the end), never renamed, reordered or removed.
RELEASED = {
    "registry_credentials": ["registry"],
    "registry_request_modifiers": ["host"],
    "registry_configure_tls": ["hostname", "secure", "tls_config"],
    "registry_endpoints": ["service", "config", "hostname", "action"],
    "registry_trust_realm": ["realm", "registry", "secure"],
    "registry_send_request": ["request", "send"],
    "registry_v1_auth_transport": ["base", "auth_config", "always_set_basic_auth"],
}

FIRST_RESULT = {
    "registry_credentials",
    "registry_trust_realm",
    "registry_send_request",
    "registry_v1_auth_transport",
}


def arguments(function: object) -> list[str]:
    return [p for p in inspect.signature(function).parameters if p != "self"]  # type: ignore[arg-type]


def test_every_released_hook_keeps_its_arguments() -> None:
    hooks = spec_hooks()
    assert set(RELEASED) <= set(hooks)
    for name, released in RELEASED.items():
        assert arguments(getattr(RegistrySpecs, name))[: len(released)] == released, name


def test_every_hook_has_the_project_prefix_and_no_body() -> None:
    for name in spec_hooks():
        assert name.startswith("registry_")
        source = inspect.getsource(getattr(RegistrySpecs, name))
        assert source.rstrip().endswith('"""'), f"{name} has a body; specs are bodiless"


def test_first_result_hooks() -> None:
    hooks = spec_hooks()
    assert {name for name, opts in hooks.items() if opts.get("firstresult")} == FIRST_RESULT


def test_every_hook_has_a_typed_facade_method_with_the_same_arguments() -> None:
    for name in spec_hooks():
        method = getattr(Hooks, name.removeprefix("registry_"), None)
        assert method is not None, f"Hooks has no method for {name}"
        assert arguments(method) == arguments(getattr(RegistrySpecs, name)), name


def test_an_implementation_may_take_fewer_arguments_than_its_spec() -> None:
    class Plugin:
        @hookimpl
        def registry_trust_realm(self, realm: str) -> bool:
            return realm.startswith("https://auth.corp.example/")

    pm = get_plugin_manager(plugins=[Plugin()], load_entrypoints=False)
    assert Hooks(pm).trust_realm("https://auth.corp.example/token", "r", True) is True


# -- a framework extends the specs ------------------------------------------------------------


class CacheSpecs(RegistrySpecs):
    """What a pull-through cache built on registry-core adds (the docs' example)."""

    @hookspec(firstresult=True)
    def registry_cache_dir(self, hostname: str) -> str | None:
        """Return the directory that caches ``hostname``'s blobs, or ``None`` for the default.

        Stops at first non-None result.
        """


class CacheHooks(Hooks):
    def cache_dir(self, hostname: str) -> str:
        answer = self.pm.hook.registry_cache_dir(hostname=hostname)
        return answer if isinstance(answer, str) else f"/var/cache/registry/{hostname}"


class CachePlugin:
    @hookimpl
    def registry_cache_dir(self, hostname: str) -> str | None:
        return "/srv/fast" if hostname == "docker.io" else None

    @hookimpl
    def registry_credentials(self, registry: str) -> AuthConfig:
        return AuthConfig(username="cache")


def test_a_subclass_adds_hooks_and_keeps_the_originals() -> None:
    assert set(spec_hooks(CacheSpecs)) == set(spec_hooks()) | {"registry_cache_dir"}
    pm = get_plugin_manager(CacheSpecs, plugins=[CachePlugin()], load_entrypoints=False)
    pm.check_pending()
    hooks = CacheHooks(pm)
    assert hooks.cache_dir("docker.io") == "/srv/fast"
    assert hooks.cache_dir("quay.io") == "/var/cache/registry/quay.io"
    assert hooks.credentials("r") == AuthConfig(username="cache")


def test_the_subclass_hook_is_unknown_to_a_plain_manager() -> None:
    with pytest.raises(PluginError, match="unknown hook 'registry_cache_dir'"):
        get_plugin_manager(plugins=[CachePlugin()], load_entrypoints=False)


def test_a_subclass_may_restate_a_hook_unchanged() -> None:
    class Restated(RegistrySpecs):
        @hookspec(firstresult=True)
        def registry_credentials(
            self, registry: str, repository: str | None
        ) -> AuthConfig | None:
            """Same hook, other words."""

    get_plugin_manager(Restated, plugins=(), load_entrypoints=False).check_pending()


def test_a_subclass_may_not_drop_first_result() -> None:
    class Collecting(RegistrySpecs):
        @hookspec
        def registry_credentials(
            self, registry: str, repository: str | None
        ) -> AuthConfig | None:
            """Now collect-all."""

    with pytest.raises(PluginError, match="changes the hook 'registry_credentials'"):
        get_plugin_manager(Collecting, plugins=(), load_entrypoints=False)
