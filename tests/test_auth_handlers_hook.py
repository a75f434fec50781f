"""The registry_auth_handlers hook: plugins' handlers beside the built-in token and basic ones."""

from __future__ import annotations

from typing import Any

import pytest

from registry_core.authsession import SessionFactory
from registry_core.errors import PluginError
from registry_core.handlers import BasicHandler
from registry_core.hookspecs import hookimpl
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.tokens import TokenHandler
from registry_core.types import APIEndpoint


class Handler:
    def __init__(self, scheme: object) -> None:
        self.scheme = scheme

    def authorize_request(self, request, params) -> None:
        request.headers["X-Handled"] = str(self.scheme)


class Offers:
    """A plugin answering the hook with the given handlers, and recording what it was given."""

    def __init__(self, *handlers: object) -> None:
        self.handlers = list(handlers)
        self.calls: list[dict[str, Any]] = []

    @hookimpl
    def registry_auth_handlers(self, registry, secure, session, credentials, scopes,
                               realm_policy):
        self.calls.append(dict(registry=registry, secure=secure, session=session,
                               credentials=credentials, scopes=scopes, policy=realm_policy))
        return self.handlers


def _handlers(*plugins: object):
    hooks = Hooks(get_plugin_manager(plugins=list(plugins), load_entrypoints=False))
    factory = SessionFactory(hooks)
    endpoint = APIEndpoint(url="https://registry.example:5000")
    session = factory.session(endpoint)
    policy = factory.realm_policy(endpoint)
    return factory.handlers(session, endpoint, None, ["repository:a:pull"], policy), policy


def test_plugin_handlers_come_after_the_built_in_ones() -> None:
    exchange = Handler("exchange")
    plugin = Offers(exchange)
    handlers, policy = _handlers(plugin)
    assert [type(h) for h in handlers] == [TokenHandler, BasicHandler, Handler]
    assert handlers[2] is exchange
    [call] = plugin.calls
    assert (call["registry"], call["secure"], call["scopes"], call["policy"]) == (
        "registry.example:5000", True, ("repository:a:pull",), policy
    )
    # The plugin's own requests go without the registry's authorizer.
    assert call["session"].auth is None


@pytest.mark.parametrize("scheme", ["bearer", "basic"])
def test_a_plugin_handler_replaces_the_built_in_one_of_its_scheme(scheme: str) -> None:
    handlers, _ = _handlers(Offers(Handler(scheme)))
    assert sorted(h.scheme for h in handlers) == ["basic", "bearer"]
    replaced = TokenHandler if scheme == "bearer" else BasicHandler
    assert not any(isinstance(h, replaced) for h in handlers)


def test_two_plugins_answering_one_scheme_is_an_error_naming_both() -> None:
    class Other(Handler):
        pass

    clash = "two plugins answer the auth scheme 'exchange'"
    with pytest.raises(PluginError, match=clash) as caught:
        _handlers(Offers(Handler("exchange")), Offers(Other("exchange")))
    assert "test_auth_handlers_hook.Handler" in str(caught.value)
    assert "<locals>.Other" in str(caught.value)


@pytest.mark.parametrize("answer", [Handler("Exchange"), Handler(""), Handler(None), object()])
def test_an_answer_that_is_not_a_handler_is_a_plugin_error(answer: object) -> None:
    with pytest.raises(PluginError, match="registry_auth_handlers"):
        _handlers(Offers(answer))


def test_without_plugins_the_reference_handlers() -> None:
    handlers, _ = _handlers()
    assert [type(h) for h in handlers] == [TokenHandler, BasicHandler]
