"""registry_core.testing: the pytest plugin that plugin authors test their plugins with.

Each test writes a small plugin and its test suite into a temporary directory and runs it
with pytester, the way a plugin author's suite runs: the fixtures come from the ``pytest11``
entry point of the installed registry-core, not from an import in the suite.
"""

from __future__ import annotations

from importlib import metadata

import pytest

pytest_plugins = ["pytester"]

PLUGIN = """
    from registry_core.hookspecs import hookimpl
    from registry_core.types import AuthConfig

    @hookimpl
    def registry_credentials(registry):
        return AuthConfig(username="me") if registry == "mine.example" else None
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("REGISTRY_CORE_DISABLE_PLUGINS", raising=False)
    pytester.makepyfile(myplugin=PLUGIN)
    pytester.syspathinsert()
    return pytester


def test_the_plugin_is_registered_through_the_pytest11_entry_point() -> None:
    values = [ep.value for ep in metadata.entry_points(group="pytest11")]
    assert "registry_core.testing" in values


def test_fixtures_register_record_and_call(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_myplugin="""
        import pytest
        from registry_core.errors import PluginError
        from registry_core.hookspecs import hookimpl
        from registry_core.manager import DEFAULT_PLUGINS, list_plugins
        from registry_core.types import AuthConfig

        import myplugin

        def test_manager_has_the_builtins_and_no_entry_points(registry_plugin_manager):
            # Every built-in but the two that read the user's own credential files.
            from registry_core.testing import USER_CREDENTIAL_PLUGINS
            expected = [name for name in DEFAULT_PLUGINS if name not in USER_CREDENTIAL_PLUGINS]
            assert [p.name for p in list_plugins(registry_plugin_manager)] == expected

        def test_register_and_call(register_plugin, registry_hooks, hook_recorder):
            assert register_plugin(myplugin) == "myplugin"
            assert registry_hooks.credentials("mine.example") == AuthConfig(username="me")
            assert registry_hooks.credentials("other.example") is None
            first, second = hook_recorder.calls_of("registry_credentials")
            assert first.kwargs == {"registry": "mine.example", "repository": None}
            assert first.result == AuthConfig(username="me")
            assert first.plugins == ["myplugin"]
            assert second.result is None and second.exception is None
            assert hook_recorder.last("registry_credentials") is second

        def test_recorder_keeps_exceptions(register_plugin, registry_hooks, hook_recorder):
            class Failing:
                @hookimpl
                def registry_credentials(self, registry):
                    raise RuntimeError("vault sealed")

            register_plugin(Failing(), name="failing")
            with pytest.raises(RuntimeError):
                registry_hooks.credentials("x")
            call = hook_recorder.last("registry_credentials")
            assert str(call.exception) == "vault sealed"
            assert call.result is None

        def test_last_of_an_uncalled_hook_says_what_was_called(registry_hooks, hook_recorder):
            registry_hooks.trust_realm("https://a", "r", True)
            with pytest.raises(LookupError, match="recorded calls: .'registry_trust_realm'."):
                hook_recorder.last("registry_credentials")
            hook_recorder.clear()
            assert hook_recorder.calls == []

        def test_register_plugin_rejects_a_misspelt_hook(register_plugin):
            class Misspelt:
                @hookimpl
                def registry_credential(self, registry):
                    return None

            with pytest.raises(PluginError, match="did you mean 'registry_credentials'"):
                register_plugin(Misspelt())
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_registrations_and_recording_end_with_the_test(suite: pytest.Pytester) -> None:
    # A session-wide manager shows what each function-scoped fixture undoes after its test.
    suite.makeconftest(
        """
        import pytest
        from registry_core.manager import get_plugin_manager

        @pytest.fixture(scope="session")
        def registry_plugin_manager():
            return get_plugin_manager(plugins=(), load_entrypoints=False)
        """
    )
    suite.makepyfile(
        test_order="""
        import myplugin

        recorders = []

        def test_first(register_plugin, registry_hooks, hook_recorder):
            register_plugin(myplugin)
            registry_hooks.credentials("mine.example")
            recorders.append(hook_recorder)

        def test_second(registry_plugin_manager, registry_hooks):
            assert registry_plugin_manager.get_plugin("myplugin") is None
            assert registry_hooks.credentials("mine.example") is None
            [old] = recorders
            assert [call.kwargs for call in old.calls] == [
                {"registry": "mine.example", "repository": None}
            ]
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_the_manager_is_configurable_and_ignores_the_environment(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_CORE_DISABLE_PLUGINS", "registry_core_plugins.certsd")
    suite.makeconftest(
        """
        import pytest
        from registry_core.hookspecs import RegistrySpecs, hookspec

        class MySpecs(RegistrySpecs):
            @hookspec
            def registry_audit(self, event):
                '''Record an audit event.'''

        @pytest.fixture
        def registry_plugin_manager_kwargs():
            return {"specs": MySpecs, "plugins": ["registry_core_plugins.certsd"],
                    "load_entrypoints": False}
        """
    )
    suite.makepyfile(
        test_configured="""
        from registry_core.hookspecs import hookimpl

        class Auditor:
            def __init__(self):
                self.events = []

            @hookimpl
            def registry_audit(self, event):
                self.events.append(event)

        def test_own_specs(registry_plugin_manager, register_plugin, hook_recorder):
            assert registry_plugin_manager.has_plugin("registry_core_plugins.certsd")
            auditor = Auditor()
            register_plugin(auditor)
            registry_plugin_manager.hook.registry_audit(event="pull")
            assert auditor.events == ["pull"]
            assert hook_recorder.last("registry_audit").kwargs == {"event": "pull"}
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
