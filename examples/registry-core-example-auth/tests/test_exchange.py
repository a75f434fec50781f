"""The Exchange scheme end to end: registry-core, the plugin, and a registry that wants it."""

from __future__ import annotations

from importlib import metadata

import pytest
from credentials import SECRET, Credentials
from registry_core.client import list_tags
from registry_core.errors import AuthenticationError, UntrustedRealmError
from registry_core.manager import get_plugin_manager, list_plugins
from registry_core.realm import RealmPolicy
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.transport import http_client

from registry_core_example_auth.plugin import ExchangeHandler


def tags(service: DefaultService, host: str, name: str = "team/app") -> list[str]:
    info = service.resolve_repository(parse_normalized_named(f"{host}/{name}"))
    with service.session(info) as session:
        return list_tags(session, info)


def test_the_plugin_offers_its_handler(register_plugin, registry_hooks) -> None:
    from registry_core_example_auth import plugin

    register_plugin(plugin, name="registry_core_example_auth")
    policy = RealmPolicy("registry.example", True)
    handlers = registry_hooks.auth_handlers(
        "registry.example", True, http_client(), None, ["repository:a:pull"], policy
    )
    assert [type(handler) for handler in handlers] == [ExchangeHandler]
    assert handlers[0].scheme == "exchange"


def test_tags_through_the_exchange(service, exchange_registry) -> None:
    assert tags(service, exchange_registry.host) == ["1.0", "2.0"]
    seen = [(r.method, r.path, r.status) for r in exchange_registry.seen]
    assert seen == [
        ("GET", "/v2/", 401),  # the ping records the Exchange challenge
        ("POST", "/exchange", 200),  # the credential, exchanged once
        ("GET", "/v2/team/app/tags/list", 200),  # with the token, no further 401
    ]
    ping, exchange, read = exchange_registry.seen
    assert SECRET.encode() in exchange.body
    # The registry itself never sees the credential, only the short-lived token.
    assert read.headers["Authorization"].startswith("Exchange ")
    for request in (ping, read):
        assert SECRET not in str(request.headers)


def test_a_token_is_exchanged_again_when_it_expires(exchange_registry) -> None:
    from registry_core.credentials import HookCredentialStore
    from registry_core.manager import Hooks

    now = [1000.0]
    hooks = Hooks(get_plugin_manager(plugins=[Credentials(exchange_registry.host)],
                                     load_entrypoints=False))
    handler = ExchangeHandler(
        http_client(),
        HookCredentialStore(hooks, exchange_registry.host),
        RealmPolicy(exchange_registry.host, False),
        clock=lambda: now[0],
    )
    params = {"realm": f"{exchange_registry.url}/exchange", "service": "example-registry"}
    first = handler.token(params)
    assert handler.token(params) == first  # cached while fresh
    now[0] += exchange_registry.lifetime  # past its expiry
    second = handler.token(params)
    assert second != first
    assert [r.path for r in exchange_registry.seen] == ["/exchange", "/exchange"]


def test_a_refused_credential_is_an_error_without_the_secret(
    registry_plugin_manager, register_plugin, exchange_registry
) -> None:
    from registry_core_example_auth import plugin

    register_plugin(plugin, name="registry_core_example_auth")
    register_plugin(Credentials(exchange_registry.host, password="wrong-password-value"))
    service = DefaultService(plugin_manager=registry_plugin_manager)
    with pytest.raises(AuthenticationError) as caught:
        tags(service, exchange_registry.host)
    assert "refused: 401" in str(caught.value)
    assert "wrong-password-value" not in str(caught.value)


def test_the_credential_never_goes_to_an_untrusted_realm(service, exchange_registry) -> None:
    # A registry naming a realm on another host: registry-core's realm policy refuses it
    # before anything is sent there.
    exchange_registry.realm = "http://127.0.0.2:9/exchange"
    with pytest.raises(UntrustedRealmError):
        tags(service, exchange_registry.host)
    assert [r.method for r in exchange_registry.seen] == ["GET"]


def test_the_installed_package_is_found_by_its_entry_point(exchange_registry) -> None:
    try:
        dist = metadata.distribution("registry-core-example-auth")
    except metadata.PackageNotFoundError:
        pytest.skip("registry-core-example-auth is not installed (pip install it first)")
    pm = get_plugin_manager(plugins=["registry_core_plugins.host_endpoints"])
    pm.register(Credentials(exchange_registry.host))
    info = {p.name: p for p in list_plugins(pm)}["registry_core_example_auth"]
    assert (info.source, info.version, info.hooks) == (
        "entrypoint", dist.version, ("registry_auth_handlers",)
    )
    assert tags(DefaultService(plugin_manager=pm), exchange_registry.host) == ["1.0", "2.0"]
