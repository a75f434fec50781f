"""The plugin manager: built-ins, entry points, blocking, listing, and the typed facade.

Entry points are tested with fake distributions: a ``*.dist-info`` directory with an
``entry_points.txt`` in a temporary directory put on ``sys.path``. ``importlib.metadata``
finds them exactly as it finds installed packages, and no pip run is needed.
"""

from __future__ import annotations

import logging
import sys
import textwrap
import types
from collections.abc import Callable, Generator, Iterator
from importlib import metadata
from pathlib import Path

import pluggy
import pytest
import requests
from requests.adapters import BaseAdapter, HTTPAdapter

import registry_core.manager as manager_module
from registry_core.errors import InvalidArgumentError, PluginError
from registry_core.hookspecs import RegistrySpecs, hookimpl
from registry_core.interfaces import RequestModifier
from registry_core.manager import (
    DEFAULT_PLUGINS,
    DISABLE_PLUGINS_ENV,
    Hooks,
    PluginInfo,
    RegistryPluginManager,
    get_plugin_manager,
    list_plugins,
)
from registry_core.tlsconfig import ClientCertificate, TLSConfig
from registry_core.types import APIEndpoint, AuthConfig

ROOT = Path(__file__).resolve().parent.parent

FakeDist = Callable[..., None]


@pytest.fixture
def fake_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDist]:
    """Make a fake installed distribution with ``registry_core`` entry points and modules.

    ``fake_dist("acme-plugin", "1.2", {"acme": "acme_plugin"}, {"acme_plugin": "source"})``
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def make(
        name: str, version: str, entry_points: dict[str, str], sources: dict[str, str]
    ) -> None:
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = "".join(f"{ep} = {target}\n" for ep, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[registry_core]\n{lines}")
        for module, source in sources.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source))
            modules.append(module)

    yield make
    for module in modules:
        sys.modules.pop(module, None)


GOOD = """
    from registry_core.hookspecs import hookimpl
    from registry_core.types import AuthConfig

    @hookimpl
    def registry_credentials(registry):
        return AuthConfig(username="good") if registry == "good.example" else None

    @hookimpl(trylast=True)
    def registry_trust_realm(realm, registry):
        return None
"""


def manager(**kwargs: object) -> RegistryPluginManager:
    """A manager without the built-ins, which other helpers' modules provide."""
    options: dict[str, object] = {"plugins": ()}
    options.update(kwargs)
    return get_plugin_manager(**options)  # type: ignore[arg-type]


def names(pm: pluggy.PluginManager) -> list[str]:
    return [info.name for info in list_plugins(pm)]


@pytest.fixture(autouse=True)
def _no_blocks_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DISABLE_PLUGINS_ENV, raising=False)


# -- building the manager ---------------------------------------------------------------------


def test_no_manager_is_built_at_import_time() -> None:
    state = [v for v in vars(manager_module).values() if isinstance(v, pluggy.PluginManager)]
    assert state == []
    assert get_plugin_manager(plugins=()) is not get_plugin_manager(plugins=())


def test_default_plugins_are_registered_under_their_module_names() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    assert names(pm) == list(DEFAULT_PLUGINS)
    for name in DEFAULT_PLUGINS:
        assert pm.get_plugin(name) is sys.modules[name]
    pm.check_pending()


def test_builtins_are_listed_with_the_host_version() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    infos = {info.name: info for info in list_plugins(pm)}
    certsd = infos["registry_core_plugins.certsd"]
    assert certsd.source == "builtin"
    assert certsd.version == metadata.version("registry-core")
    assert certsd.distribution == "registry-core"
    assert "registry_configure_tls" in certsd.hooks
    v1 = infos["registry_core_plugins.v1_token_auth"]
    assert v1.hooks == ("registry_v1_auth_transport",)


def test_a_builtin_that_cannot_be_imported_is_an_error() -> None:
    with pytest.raises(PluginError, match="cannot import built-in plugin 'no_such_module_x'"):
        get_plugin_manager(plugins=["no_such_module_x"], load_entrypoints=False)


def test_a_builtin_with_an_unknown_hook_is_an_error() -> None:
    plugin = types.SimpleNamespace()

    @hookimpl
    def registry_credential(registry: str) -> None:  # misspelt
        return None

    plugin.registry_credential = registry_credential
    with pytest.raises(PluginError, match="did you mean 'registry_credentials'"):
        get_plugin_manager(plugins=[plugin], load_entrypoints=False)


def test_plugin_objects_are_builtins_under_their_canonical_name() -> None:
    module = types.ModuleType("my_framework_defaults")
    pm = get_plugin_manager(plugins=[module], load_entrypoints=False)
    [info] = list_plugins(pm)
    assert (info.name, info.source) == ("my_framework_defaults", "builtin")


@pytest.mark.parametrize("argument", ["plugins", "block"])
def test_a_string_where_names_belong_is_refused(argument: str) -> None:
    with pytest.raises(InvalidArgumentError, match=f"{argument} must be a collection of names"):
        get_plugin_manager(**{argument: "registry_core_plugins.mirrors"})  # type: ignore[arg-type]


# -- blocking -------------------------------------------------------------------------------


def test_block_argument_skips_a_builtin_without_importing_it() -> None:
    pm = get_plugin_manager(
        plugins=["registry_core_plugins.certsd", "never_imported_module_x"],
        block=["never_imported_module_x"],
        load_entrypoints=False,
    )
    assert names(pm) == ["registry_core_plugins.certsd"]
    assert pm.is_blocked("never_imported_module_x")


def test_environment_blocks_comma_separated_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        DISABLE_PLUGINS_ENV, " registry_core_plugins.mirrors ,, registry_core_plugins.certsd"
    )
    pm = get_plugin_manager(load_entrypoints=False)
    assert "registry_core_plugins.mirrors" not in names(pm)
    assert "registry_core_plugins.certsd" not in names(pm)
    assert "registry_core_plugins.host_endpoints" in names(pm)


def test_blocking_an_unknown_name_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="registry_core.manager"):
        manager(block=["registry_core_plugins.mirorrs"])
    assert "cannot block plugin 'registry_core_plugins.mirorrs'" in caplog.text


def test_a_blocked_entry_point_is_not_imported(
    fake_dist: FakeDist, caplog: pytest.LogCaptureFixture
) -> None:
    fake_dist("blocked-dist", "1.0", {"blocked": "blocked_mod_x"}, {"blocked_mod_x": "1/0"})
    with caplog.at_level(logging.WARNING):
        pm = manager(block=["blocked"])
    assert "blocked" not in names(pm)
    assert "blocked_mod_x" not in sys.modules
    assert caplog.text == ""


# -- entry points ---------------------------------------------------------------------------


def test_entry_point_plugins_are_loaded_and_listed(fake_dist: FakeDist) -> None:
    fake_dist("good-plugin", "2.5.1", {"good": "good_mod_x"}, {"good_mod_x": GOOD})
    pm = manager()
    assert Hooks(pm).credentials("good.example") == AuthConfig(username="good")
    [info] = list_plugins(pm)
    assert info == PluginInfo(
        name="good",
        version="2.5.1",
        hooks=("registry_credentials", "registry_trust_realm"),
        source="entrypoint",
        distribution="good-plugin",
    )


def test_load_entrypoints_false_skips_the_group(fake_dist: FakeDist) -> None:
    fake_dist("good-plugin", "1.0", {"good": "good_mod_x"}, {"good_mod_x": GOOD})
    assert names(manager(load_entrypoints=False)) == []


BROKEN = {
    "import_error": ("import_fails_x", "raise RuntimeError('boom at import')", "boom at import"),
    "exits": ("exits_at_import_x", "import sys; sys.exit(3)", "SystemExit: 3"),
    "missing_attr": ("attr_mod_x:nothing_here", "", "nothing_here"),
    "misspelt": (
        "misspelt_mod_x",
        """
        from registry_core.hookspecs import hookimpl

        @hookimpl
        def registry_credential(registry):
            return None
        """,
        "unknown hook 'registry_credential' (did you mean 'registry_credentials'?)",
    ),
    "bad_args": (
        "bad_args_mod_x",
        """
        from registry_core.hookspecs import hookimpl

        @hookimpl
        def registry_configure_tls(hostname, tls_config):
            pass

        @hookimpl
        def registry_credentials(registry, password_file):
            return None
        """,
        "password_file",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_entry_point_is_logged_and_skipped(
    kind: str, fake_dist: FakeDist, caplog: pytest.LogCaptureFixture
) -> None:
    target, source, message = BROKEN[kind]
    module = target.split(":")[0]
    fake_dist("broken-plugin", "0.3", {kind: target}, {module: source})
    fake_dist("good-plugin", "1.0", {"good": "good_mod_x"}, {"good_mod_x": GOOD})
    with caplog.at_level(logging.WARNING, logger="registry_core.manager"):
        pm = manager()
    assert names(pm) == ["good"]
    pm.check_pending()
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert f"skipping plugin '{kind}' ({target} from broken-plugin 0.3)" in record.getMessage()
    assert message in record.getMessage()
    # Nothing of the broken plugin stays behind, not even the hooks it got in before failing.
    for caller in vars(pm.hook).values():
        if isinstance(caller, pluggy.HookCaller):
            assert [impl.plugin_name for impl in caller.get_hookimpls()] in ([], ["good"])


def test_two_entry_points_with_one_name_are_both_skipped_naming_both(
    fake_dist: FakeDist, caplog: pytest.LogCaptureFixture
) -> None:
    fake_dist("first-dist", "1.0", {"creds": "first_mod_x"}, {"first_mod_x": GOOD})
    fake_dist("second-dist", "2.0", {"creds": "second_mod_x"}, {"second_mod_x": GOOD})
    fake_dist("good-plugin", "1.0", {"good": "good_mod_x"}, {"good_mod_x": GOOD})
    with caplog.at_level(logging.WARNING, logger="registry_core.manager"):
        pm = manager()
    assert names(pm) == ["good"]
    [record] = caplog.records
    message = record.getMessage()
    assert "two plugins are named 'creds'" in message
    assert "first-dist 1.0" in message
    assert "second-dist 2.0" in message


def test_blocking_a_clashing_name_settles_the_clash(
    fake_dist: FakeDist, caplog: pytest.LogCaptureFixture
) -> None:
    fake_dist("first-dist", "1.0", {"creds": "first_mod_x"}, {"first_mod_x": ""})
    fake_dist("second-dist", "2.0", {"creds": "second_mod_x"}, {"second_mod_x": ""})
    with caplog.at_level(logging.WARNING, logger="registry_core.manager"):
        assert names(manager(block=["creds"])) == []
    assert caplog.records == []


def test_an_entry_point_named_like_a_builtin_is_skipped_and_the_builtin_stays(
    fake_dist: FakeDist, caplog: pytest.LogCaptureFixture
) -> None:
    name = "registry_core_plugins.certsd"
    fake_dist("impostor", "6.6", {name: "impostor_mod_x"}, {"impostor_mod_x": GOOD})
    with caplog.at_level(logging.WARNING, logger="registry_core.manager"):
        pm = get_plugin_manager(plugins=[name])
    [info] = list_plugins(pm)
    assert (info.name, info.source, info.distribution) == (name, "builtin", "registry-core")
    [record] = caplog.records
    assert f"two plugins are named '{name}'" in record.getMessage()
    assert f"'{name}' ({name} from registry-core" in record.getMessage()
    assert "impostor 6.6" in record.getMessage()


# -- registering by hand ----------------------------------------------------------------------


class CredentialsPlugin:
    @hookimpl
    def registry_credentials(self, registry: str) -> AuthConfig | None:
        return AuthConfig(username="adhoc")


def test_registered_plugins_are_listed_without_a_version() -> None:
    pm = manager()
    pm.register(CredentialsPlugin(), name="adhoc")
    assert list_plugins(pm) == [
        PluginInfo("adhoc", None, ("registry_credentials",), "registered", None)
    ]
    pm.unregister(name="adhoc")
    assert list_plugins(pm) == []


def test_registering_a_taken_name_is_an_error_naming_both() -> None:
    pm = get_plugin_manager(plugins=["registry_core_plugins.mirrors"], load_entrypoints=False)
    with pytest.raises(PluginError) as info:
        pm.register(CredentialsPlugin(), name="registry_core_plugins.mirrors")
    assert str(info.value) == (
        "two plugins are named 'registry_core_plugins.mirrors': "
        "'registry_core_plugins.mirrors' (registry_core_plugins.mirrors from registry-core "
        f"{metadata.version('registry-core')}) and 'registry_core_plugins.mirrors' (registered); "
        "uninstall one of them, or block the name"
    )


def test_registering_twice_is_an_error() -> None:
    pm = manager()
    plugin = CredentialsPlugin()
    pm.register(plugin, name="once")
    with pytest.raises(PluginError, match="'once' is already registered"):
        pm.register(plugin, name="once")
    with pytest.raises(PluginError, match="cannot register plugin 'twice'"):
        pm.register(plugin, name="twice")


def test_registering_a_misspelt_hook_is_an_error_and_leaves_nothing() -> None:
    class Misspelt:
        @hookimpl
        def registry_credentials(self, registry: str) -> None:
            return None

        @hookimpl
        def registry_endpoint(self, hostname: str) -> None:
            return None

    pm = manager()
    with pytest.raises(PluginError, match=r"unknown hook 'registry_endpoint' \(did you mean"):
        pm.register(Misspelt(), name="misspelt")
    assert names(pm) == []
    assert pm.hook.registry_credentials.get_hookimpls() == []
    pm.check_pending()


def test_an_optional_unknown_hook_is_allowed() -> None:
    class Optional:
        @hookimpl(optionalhook=True)
        def registry_from_a_newer_version(self) -> None:
            return None

    pm = manager()
    pm.register(Optional(), name="optional")
    pm.check_pending()


def test_a_blocked_name_is_not_registered() -> None:
    pm = manager(block=["adhoc"])
    assert pm.register(CredentialsPlugin(), name="adhoc") is None
    assert names(pm) == []


def test_plugins_loaded_by_pluggys_own_loader_are_listed_as_entry_points(
    fake_dist: FakeDist,
) -> None:
    fake_dist("good-plugin", "1.0", {"good": "good_mod_x"}, {"good_mod_x": GOOD})
    pm = manager(load_entrypoints=False)
    assert pm.load_setuptools_entrypoints("registry_core") == 1
    [info] = list_plugins(pm)
    assert (info.name, info.source, info.version) == ("good", "entrypoint", "1.0")


def test_list_plugins_works_on_a_plain_pluggy_manager() -> None:
    pm = pluggy.PluginManager("registry_core")
    pm.add_hookspecs(RegistrySpecs)
    pm.register(CredentialsPlugin(), name="plain")
    assert list_plugins(pm) == [
        PluginInfo("plain", None, ("registry_credentials",), "registered", None)
    ]


# -- the specs class ----------------------------------------------------------------------------


def test_a_specs_subclass_may_not_change_an_existing_hook() -> None:
    class Changed(RegistrySpecs):
        @pluggy.HookspecMarker("registry_core")(firstresult=True)
        def registry_credentials(self, registry: str, scope: str) -> AuthConfig | None:  # type: ignore[override]
            """Changed arguments."""

    with pytest.raises(PluginError, match="changes the hook 'registry_credentials'"):
        get_plugin_manager(Changed, plugins=(), load_entrypoints=False)


# -- the Hooks facade ---------------------------------------------------------------------------


class Header(RequestModifier):
    def __init__(self, value: str) -> None:
        self.value = value

    def modify_request(self, request: requests.PreparedRequest) -> None:
        request.headers["X-Test"] = self.value


def hooks_with(*plugins: object) -> Hooks:
    pm = manager()
    for index, plugin in enumerate(plugins):
        pm.register(plugin, name=f"p{index}")
    return Hooks(pm)


def plugin_with(
    hook: str,
    function: Callable[..., object],
    *,
    tryfirst: bool = False,
    trylast: bool = False,
    wrapper: bool = False,
) -> object:
    """A plugin object whose one hook implementation is ``function``."""
    marked = hookimpl(function, tryfirst=tryfirst, trylast=trylast, wrapper=wrapper)
    return types.SimpleNamespace(**{hook: marked})


def test_credentials_first_answer_wins() -> None:
    hooks = hooks_with(
        plugin_with("registry_credentials", lambda registry: AuthConfig(username="later")),
        plugin_with("registry_credentials", lambda registry: None),
        plugin_with(
            "registry_credentials", lambda registry: AuthConfig(username="first"), tryfirst=True
        ),
    )
    assert hooks.credentials("r") == AuthConfig(username="first")
    assert hooks_with().credentials("r") is None


def test_request_modifiers_are_concatenated_in_call_order() -> None:
    hooks = hooks_with(
        plugin_with("registry_request_modifiers", lambda host: [Header("a")], trylast=True),
        plugin_with("registry_request_modifiers", lambda host: None),
        plugin_with("registry_request_modifiers", lambda host: (Header("b"), Header("c"))),
    )
    assert [m.value for m in hooks.request_modifiers("h")] == ["b", "c", "a"]  # type: ignore[attr-defined]


def test_endpoints_wrapper_can_reorder_answers() -> None:
    first, second = APIEndpoint(url="https://one"), APIEndpoint(url="https://two")

    def reverse(
        service: object, config: object, hostname: str, action: str
    ) -> Generator[None, list[list[APIEndpoint]], list[list[APIEndpoint]]]:
        answers = yield
        return list(reversed(answers))

    hooks = hooks_with(
        plugin_with("registry_endpoints", lambda hostname: [first], tryfirst=True),
        plugin_with("registry_endpoints", lambda hostname: [second]),
        plugin_with("registry_endpoints", reverse, wrapper=True),
    )
    assert hooks.endpoints(None, None, "h", "pull") == [second, first]  # type: ignore[arg-type]


def test_configure_tls_calls_every_plugin() -> None:
    def add(name: str) -> Callable[..., None]:
        pair = ClientCertificate(f"{name}.cert", f"{name}.key")
        return lambda tls_config: tls_config.client_certificates.append(pair)

    hooks = hooks_with(
        plugin_with("registry_configure_tls", add("a"), trylast=True),
        plugin_with("registry_configure_tls", add("b")),
    )
    config = TLSConfig()
    hooks.configure_tls("h", True, config)
    assert [pair.cert_file for pair in config.client_certificates] == ["b.cert", "a.cert"]


def test_trust_realm_and_v1_transport_answers() -> None:
    adapter = HTTPAdapter()
    hooks = hooks_with(
        plugin_with("registry_trust_realm", lambda realm: realm == "https://ok" or None),
        plugin_with("registry_v1_auth_transport", lambda base: adapter),
    )
    assert hooks.trust_realm("https://ok", "r", True) is True
    assert hooks.trust_realm("https://other", "r", True) is None
    assert hooks.v1_auth_transport(HTTPAdapter(), None, False) is adapter


def test_v1_transport_without_an_answer_is_the_base_adapter() -> None:
    base: BaseAdapter = HTTPAdapter()
    assert hooks_with().v1_auth_transport(base, AuthConfig(), True) is base


def test_send_request_falls_back_to_send_when_every_plugin_passes() -> None:
    response = requests.Response()
    request = requests.Request("GET", "http://127.0.0.1/").prepare()
    sent: list[requests.PreparedRequest] = []

    def send(prepared: requests.PreparedRequest) -> requests.Response:
        sent.append(prepared)
        return response

    assert hooks_with().send_request(request, send) is response
    assert sent == [request]


WRONG_ANSWERS = [
    ("registry_credentials", lambda: ("user", "pw"), "credentials", ("r",), "AuthConfig or None"),
    ("registry_trust_realm", lambda: "yes", "trust_realm", ("x", "r", True), "True, False"),
    ("registry_request_modifiers", lambda: Header("x"), "request_modifiers", ("h",), "sequence"),
    ("registry_request_modifiers", lambda: ["x"], "request_modifiers", ("h",), "RequestModifier"),
    ("registry_endpoints", lambda: ["https://x"], "endpoints", (0, 0, "h", "pull"), "APIEndpoint"),
    ("registry_send_request", lambda: 200, "send_request", (0, 0), "requests.Response"),
    ("registry_v1_auth_transport", lambda: object(), "v1_auth_transport", (0, 0, 0), "Adapter"),
]


@pytest.mark.parametrize(("hook", "answer", "method", "args", "expected"), WRONG_ANSWERS)
def test_a_wrong_kind_of_answer_is_a_plugin_error(
    hook: str, answer: Callable[[], object], method: str, args: tuple[object, ...], expected: str
) -> None:
    hooks = hooks_with(plugin_with(hook, answer))
    with pytest.raises(PluginError, match=f"a plugin answered {hook} with .*{expected}"):
        getattr(hooks, method)(*args)


def test_a_wrong_answer_names_only_its_type_never_its_value() -> None:
    hooks = hooks_with(plugin_with("registry_credentials", lambda: {"password": "hunter2"}))
    with pytest.raises(PluginError) as info:
        hooks.credentials("r")
    assert "hunter2" not in str(info.value)
    assert "with dict" in str(info.value)


# -- the core calls hooks through the facade only -----------------------------------------------


def test_core_code_never_calls_pm_hook_directly() -> None:
    allowed = {ROOT / "registry_core" / "manager.py", ROOT / "registry_core" / "testing.py"}
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("registry_core", "plugins")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path not in allowed
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ".hook.registry_" in line
    ]
    assert offenders == [], "call hooks through registry_core.manager.Hooks"
