"""Credential stores and the static credentials plugin."""

from __future__ import annotations

import threading
import time
from typing import Any

import pluggy
import pytest
from registry_core_plugins.static_credentials import (
    StaticCredentials,
    new_static_credential_store,
)

from registry_core.constants import INDEX_SERVER
from registry_core.credentials import HookCredentialStore, LoginCredentialStore
from registry_core.errors import InvalidArgumentError, PluginError, RegistryError
from registry_core.hookspecs import hookimpl
from registry_core.interfaces import CredentialStore
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.types import AuthConfig

SECRET = "s3cr3t-pässword"
IDENTITY = "identity-token-123"
URL = "https://localhost:5000/v2/"
REALM = "https://auth.example/token"


def make_config() -> AuthConfig:
    return AuthConfig(
        username="alice",
        password=SECRET,
        identity_token=IDENTITY,
        server_address="localhost:5000",
    )


def manager(*plugins: object) -> pluggy.PluginManager:
    return get_plugin_manager(plugins=plugins, load_entrypoints=False)


class Counting:
    """A plugin that answers for every registry and counts the questions."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls: list[str] = []

    @hookimpl
    def registry_credentials(self, registry: str) -> Any:
        self.calls.append(registry)
        return self.answer


# --- LoginCredentialStore ---------------------------------------------------------------


def test_login_store_reads_the_config() -> None:
    store = LoginCredentialStore(make_config())
    assert isinstance(store, CredentialStore)
    assert store.basic(URL) == ("alice", SECRET)
    assert store.refresh_token(REALM, "registry") == IDENTITY


def test_login_store_writes_the_refresh_token_into_the_config() -> None:
    config = make_config()
    store = LoginCredentialStore(config)
    store.set_refresh_token(REALM, "registry", "new-token")
    assert config.identity_token == "new-token"
    assert store.refresh_token(REALM, "other-service") == "new-token"


def test_login_store_reads_the_config_live() -> None:
    config = AuthConfig()
    store = LoginCredentialStore(config)
    assert store.basic(URL) == ("", "")
    assert store.refresh_token(REALM, "registry") == ""
    config.username, config.password = "bob", SECRET
    assert store.basic(URL) == ("bob", SECRET)


def test_login_store_rejects_a_missing_config() -> None:
    with pytest.raises(InvalidArgumentError, match="must be an AuthConfig, not NoneType"):
        LoginCredentialStore(None)  # type: ignore[arg-type]


def test_login_store_repr_has_no_secret() -> None:
    text = repr(LoginCredentialStore(make_config()))
    assert "alice" in text
    assert SECRET not in text and IDENTITY not in text


# --- static store -----------------------------------------------------------------------


def test_static_store_answers_from_the_config() -> None:
    store = new_static_credential_store(make_config())
    assert isinstance(store, CredentialStore)
    assert store.basic(URL) == ("alice", SECRET)
    assert store.refresh_token(REALM, "registry") == IDENTITY


def test_static_store_without_config_is_empty() -> None:
    store = new_static_credential_store(None)
    assert store.basic(URL) == ("", "")
    assert store.refresh_token(REALM, "registry") == ""
    store.set_refresh_token(REALM, "registry", "ignored")
    assert store.refresh_token(REALM, "registry") == ""


def test_static_store_drops_refresh_tokens() -> None:
    config = make_config()
    store = new_static_credential_store(config)
    store.set_refresh_token(REALM, "registry", "new-token")
    assert config.identity_token == IDENTITY
    assert store.refresh_token(REALM, "registry") == IDENTITY


def test_static_store_repr_has_no_secret() -> None:
    text = repr(new_static_credential_store(make_config()))
    assert SECRET not in text and IDENTITY not in text


# --- StaticCredentials plugin -----------------------------------------------------------


def test_static_credentials_answer_only_for_listed_registries() -> None:
    hooks = Hooks(manager(StaticCredentials(make_config(), registries=["localhost:5000"])))
    answer = hooks.credentials("localhost:5000")
    assert answer is not None
    assert (answer.username, answer.password) == ("alice", SECRET)
    assert hooks.credentials("localhost:5001") is None
    assert hooks.credentials("localhost") is None
    assert hooks.credentials(INDEX_SERVER) is None


def test_static_credentials_accept_the_hub_key() -> None:
    hooks = Hooks(manager(StaticCredentials(make_config(), registries=[INDEX_SERVER])))
    assert hooks.credentials(INDEX_SERVER) is not None
    assert hooks.credentials("index.docker.io") is None


def test_static_credentials_without_a_list_answer_for_any_registry() -> None:
    hooks = Hooks(manager(StaticCredentials(make_config())))
    for registry in ("localhost:5000", INDEX_SERVER, "registry.example.com"):
        answer = hooks.credentials(registry)
        assert answer is not None and answer.username == "alice"


def test_static_credentials_hand_out_copies() -> None:
    config = make_config()
    plugin = StaticCredentials(config, registries=["localhost:5000"])
    first = plugin.registry_credentials("localhost:5000")
    assert first is not None and first is not config
    first.identity_token = "changed by a login"
    config.password = "changed by the caller"
    second = plugin.registry_credentials("localhost:5000")
    assert second is not None
    assert second.identity_token == IDENTITY
    assert second.password == SECRET


@pytest.mark.parametrize(
    ("registries", "message"),
    [
        ("localhost:5000", "not the string 'localhost:5000'"),
        (["https://localhost:5000"], "is not an auth config key"),
        (["localhost:5000/v1/"], "is not an auth config key"),
        ([""], "non-empty strings"),
        ([None], "non-empty strings"),
    ],
)
def test_static_credentials_reject_bad_registry_lists(registries: Any, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message) as info:
        StaticCredentials(make_config(), registries=registries)
    assert SECRET not in str(info.value)


def test_static_credentials_reject_a_non_config() -> None:
    with pytest.raises(InvalidArgumentError, match="must be an AuthConfig, not dict"):
        StaticCredentials({"username": "alice"})  # type: ignore[arg-type]


def test_static_credentials_repr_has_no_secret() -> None:
    text = repr(StaticCredentials(make_config(), registries=["localhost:5000"]))
    assert "localhost:5000" in text
    assert SECRET not in text and IDENTITY not in text


def test_first_plugin_to_answer_wins() -> None:
    class First:
        @hookimpl(tryfirst=True)
        def registry_credentials(self, registry: str) -> AuthConfig | None:
            return AuthConfig(username="first") if registry == "localhost:5000" else None

    hooks = Hooks(manager(StaticCredentials(make_config()), First()))
    first = hooks.credentials("localhost:5000")
    other = hooks.credentials("localhost:6000")
    assert first is not None and first.username == "first"
    assert other is not None and other.username == "alice"


# --- HookCredentialStore ----------------------------------------------------------------


def test_hook_store_asks_lazily_and_once() -> None:
    plugin = Counting(make_config())
    store = HookCredentialStore(Hooks(manager(plugin)), "localhost:5000")
    assert plugin.calls == []
    assert store.basic(URL) == ("alice", SECRET)
    assert store.refresh_token(REALM, "registry") == IDENTITY
    assert store.basic(URL) == ("alice", SECRET)
    assert plugin.calls == ["localhost:5000"]


def test_hook_store_caches_per_store() -> None:
    plugin = Counting(make_config())
    hooks = Hooks(manager(plugin))
    HookCredentialStore(hooks, "localhost:5000").basic(URL)
    HookCredentialStore(hooks, "localhost:5000").basic(URL)
    assert plugin.calls == ["localhost:5000", "localhost:5000"]


def test_hook_store_with_static_credentials() -> None:
    hooks = Hooks(manager(StaticCredentials(make_config(), registries=["localhost:5000"])))
    assert HookCredentialStore(hooks, "localhost:5000").basic(URL) == ("alice", SECRET)
    other = HookCredentialStore(hooks, "localhost:5001")
    assert other.basic(URL) == ("", "")
    assert other.refresh_token(REALM, "registry") == ""
    assert other.auth_config() is None


def test_hook_store_caches_no_answer_too() -> None:
    plugin = Counting(None)
    store = HookCredentialStore(Hooks(manager(plugin)), INDEX_SERVER)
    assert store.basic(URL) == ("", "")
    assert store.refresh_token(REALM, "registry") == ""
    assert store.auth_config() is None
    assert plugin.calls == [INDEX_SERVER]


def test_hook_store_keeps_refresh_tokens_to_itself() -> None:
    config = make_config()
    hooks = Hooks(manager(StaticCredentials(config)))
    store = HookCredentialStore(hooks, "localhost:5000")
    store.set_refresh_token(REALM, "registry", "new-token")
    assert store.refresh_token(REALM, "registry") == "new-token"
    assert store.basic(URL) == ("alice", SECRET)
    # Neither the plugin's config nor another store sees it.
    assert config.identity_token == IDENTITY
    assert HookCredentialStore(hooks, "localhost:5000").refresh_token(REALM, "x") == IDENTITY


def test_hook_store_keeps_an_empty_refresh_token() -> None:
    store = HookCredentialStore(Hooks(manager(StaticCredentials(make_config()))), "h:1")
    store.set_refresh_token(REALM, "registry", "")
    assert store.refresh_token(REALM, "registry") == ""


def test_hook_store_copies_the_answer() -> None:
    config = make_config()
    plugin = Counting(config)
    store = HookCredentialStore(Hooks(manager(plugin)), "localhost:5000")
    kept = store.auth_config()
    assert kept is not None and kept is not config
    config.password = "changed later"
    assert store.basic(URL) == ("alice", SECRET)


def test_hook_store_rejects_a_wrong_answer_without_leaking_it() -> None:
    plugin = Counting({"username": "alice", "password": SECRET})
    store = HookCredentialStore(Hooks(manager(plugin)), "localhost:5000")
    with pytest.raises(PluginError, match="registry_credentials with dict") as info:
        store.basic(URL)
    assert SECRET not in str(info.value)


def test_hook_store_wraps_plugin_failures_and_asks_again() -> None:
    class Flaky:
        def __init__(self) -> None:
            self.calls = 0

        @hookimpl
        def registry_credentials(self, registry: str) -> AuthConfig | None:
            self.calls += 1
            if self.calls == 1:
                raise OSError("helper not found")
            return make_config()

    plugin = Flaky()
    store = HookCredentialStore(Hooks(manager(plugin)), "localhost:5000")
    with pytest.raises(PluginError, match="hook failed for 'localhost:5000'.*helper not found"):
        store.basic(URL)
    assert store.basic(URL) == ("alice", SECRET)
    assert plugin.calls == 2


def test_hook_store_lets_registry_errors_through() -> None:
    class Refusing:
        @hookimpl
        def registry_credentials(self, registry: str) -> AuthConfig | None:
            raise InvalidArgumentError("no such registry")

    store = HookCredentialStore(Hooks(manager(Refusing())), "localhost:5000")
    with pytest.raises(InvalidArgumentError, match="no such registry") as info:
        store.refresh_token(REALM, "registry")
    assert not isinstance(info.value, PluginError)
    assert isinstance(info.value, RegistryError)


def test_hook_store_asks_once_under_concurrent_first_use() -> None:
    class Slow:
        def __init__(self) -> None:
            self.calls = 0

        @hookimpl
        def registry_credentials(self, registry: str) -> AuthConfig | None:
            self.calls += 1
            time.sleep(0.05)  # widens the window in which a missing lock would show
            return make_config()

    plugin = Slow()
    store = HookCredentialStore(Hooks(manager(plugin)), "localhost:5000")
    barrier = threading.Barrier(8)
    answers: list[tuple[str, str]] = []

    def use() -> None:
        barrier.wait()
        answers.append(store.basic(URL))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert plugin.calls == 1
    assert answers == [("alice", SECRET)] * 8


def test_hook_store_repr_has_no_secret() -> None:
    store = HookCredentialStore(Hooks(manager(StaticCredentials(make_config()))), "h:1")
    store.basic(URL)
    store.set_refresh_token(REALM, "registry", "new-token")
    text = repr(store)
    assert "h:1" in text
    assert SECRET not in text and "new-token" not in text
