"""Building the plugin manager, and the typed facade the core calls hooks through.

Nothing here runs at import time: :func:`get_plugin_manager` builds a manager each time it is
called (specs, then the built-in plugins, then the entry points, then ``check_pending()``).
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterable, Sequence
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pluggy

from .errors import PluginError
from .hookspecs import PROJECT_NAME, Action, RegistrySpecs, SendFunction

if TYPE_CHECKING:
    import requests

    from .interfaces import RequestModifier
    from .service import Service
    from .tlsconfig import TLSConfig
    from .types import APIEndpoint, AuthConfig, ServiceConfig

__all__ = [
    "DEFAULT_PLUGINS",
    "DISABLE_PLUGINS_ENV",
    "ENTRY_POINT_GROUP",
    "Hooks",
    "get_plugin_manager",
]

log = logging.getLogger(__name__)

#: The entry-point group third-party plugin packages register under.
ENTRY_POINT_GROUP = PROJECT_NAME

#: Comma-separated plugin names that :func:`get_plugin_manager` must not register.
DISABLE_PLUGINS_ENV = "REGISTRY_CORE_DISABLE_PLUGINS"

#: The built-in plugins, by module name; each is registered under its module name through the
#: same path as any plugin, so each can be blocked by that name.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "registry_core.transport",
    "registry_core_plugins.host_endpoints",
    "registry_core_plugins.mirrors",
    "registry_core_plugins.certsd",
)


def _blocked_from_env() -> set[str]:
    value = os.environ.get(DISABLE_PLUGINS_ENV, "")
    return {name.strip() for name in value.split(",") if name.strip()}


def get_plugin_manager(
    specs: type[RegistrySpecs] = RegistrySpecs,
    *,
    plugins: Iterable[str | object] = DEFAULT_PLUGINS,
    block: Iterable[str] = (),
    load_entrypoints: bool = True,
) -> pluggy.PluginManager:
    """Build a plugin manager: specs, built-in plugins, entry points, then ``check_pending()``.

    :param specs: the hook specification class; a framework passes its subclass of
        :class:`RegistrySpecs` to add hooks of its own.
    :param plugins: the built-in plugins, as module names or plugin objects.
    :param block: plugin names (module names for built-ins, entry-point names for third-party
        plugins) not to register; the names in ``$REGISTRY_CORE_DISABLE_PLUGINS`` are added.
    :param load_entrypoints: whether to load third-party plugins from the ``registry_core``
        entry-point group. A plugin that fails to load is logged and skipped.
    :raises PluginError: a built-in plugin cannot be imported, or a plugin implements a hook
        that no specification declares (``check_pending``).
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(specs)
    blocked = set(block) | _blocked_from_env()
    for name in blocked:
        pm.set_blocked(name)
    for plugin in plugins:
        if isinstance(plugin, str):
            if pm.is_blocked(plugin):
                continue
            try:
                module = importlib.import_module(plugin)
            except ImportError as exc:
                raise PluginError(f"cannot import built-in plugin {plugin!r}: {exc}") from exc
            pm.register(module, name=plugin)
        else:
            pm.register(plugin)
    if load_entrypoints:
        _load_entrypoints(pm)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    return pm


def _load_entrypoints(pm: pluggy.PluginManager) -> None:
    """Register the ``registry_core`` entry points; a broken one is logged and skipped."""
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if pm.is_blocked(ep.name) or pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
            pm.check_pending()
        except Exception as exc:  # a third-party plugin must not take the host down
            log.warning("skipping plugin %r from %s: %s", ep.name, ep.value, exc)
            registered = pm.get_plugin(ep.name)
            if registered is not None:
                pm.unregister(registered)
            continue
        dist = getattr(ep, "dist", None)
        if dist is not None:
            pm._plugin_distinfo.append((plugin, dist))  # as pm.load_setuptools_entrypoints does


class Hooks:
    """A typed facade over ``pm.hook``, so the core never calls untyped hooks directly."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    def credentials(self, registry: str) -> AuthConfig | None:
        result: AuthConfig | None = self.pm.hook.registry_credentials(registry=registry)
        return result

    def request_modifiers(self, host: str) -> list[RequestModifier]:
        answers: list[Sequence[RequestModifier] | None] = self.pm.hook.registry_request_modifiers(
            host=host
        )
        return [modifier for answer in answers if answer for modifier in answer]

    def configure_tls(self, hostname: str, secure: bool, tls_config: TLSConfig) -> None:
        self.pm.hook.registry_configure_tls(hostname=hostname, secure=secure, tls_config=tls_config)

    def endpoints(
        self, service: Service, config: ServiceConfig, hostname: str, action: Action
    ) -> list[APIEndpoint]:
        answers: list[Any] = self.pm.hook.registry_endpoints(
            service=service, config=config, hostname=hostname, action=action
        )
        return [endpoint for answer in answers if answer for endpoint in answer]

    def trust_realm(self, realm: str, registry: str, secure: bool) -> bool | None:
        result: bool | None = self.pm.hook.registry_trust_realm(
            realm=realm, registry=registry, secure=secure
        )
        return result

    def send_request(
        self, request: requests.PreparedRequest, send: SendFunction
    ) -> requests.Response:
        response: requests.Response | None = self.pm.hook.registry_send_request(
            request=request, send=send
        )
        if response is None:  # every plugin passed, the core's own sender included (blocked)
            return send(request)
        return response
