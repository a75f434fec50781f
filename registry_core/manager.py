"""Building the plugin manager, listing its plugins, and the typed facade over its hooks.

Nothing here runs at import time: :func:`get_plugin_manager` builds a new manager each time it
is called. The order is pluggy's own example's: specs, then the built-in plugins, then the
third-party plugins of the ``registry_core`` entry-point group, then ``check_pending()``.

Built-in plugins are part of the host, so one that cannot be loaded is an error. A third-party
plugin that cannot be loaded (its import fails, pluggy rejects it, or it implements a hook no
specification declares) is logged and skipped: installing a broken plugin must not stop every
registry operation. Entry points that share a name, or take a built-in's, are skipped the
same way: loading either could run a plugin the user did not mean to run.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal

import pluggy

from .errors import InvalidArgumentError, PluginError, RegistryError
from .hookspecs import PROJECT_NAME, Action, RegistrySpecs, SendFunction
from .interfaces import RequestModifier
from .types import APIEndpoint, AuthConfig

if TYPE_CHECKING:
    # requests is imported where a request is sent, not to build a manager (the CLI's
    # resolve never loads it).
    import requests
    from requests.adapters import BaseAdapter

    from .handlers import AuthenticationHandler
    from .interfaces import CredentialStore
    from .realm import RealmPolicy
    from .reference import Named
    from .service import Service
    from .tlsconfig import TLSConfig
    from .types import ServiceConfig

__all__ = [
    "DEFAULT_PLUGINS",
    "DISABLE_PLUGINS_ENV",
    "ENTRY_POINT_GROUP",
    "Hooks",
    "PluginInfo",
    "PluginSource",
    "RegistryPluginManager",
    "get_plugin_manager",
    "list_plugins",
]

log = logging.getLogger(__name__)

#: The entry-point group third-party plugin packages register under.
ENTRY_POINT_GROUP = PROJECT_NAME

#: The environment variable naming plugins not to register: comma-separated plugin names.
DISABLE_PLUGINS_ENV = "REGISTRY_CORE_DISABLE_PLUGINS"

#: The built-in plugins, by module name. Each is registered under its module name through the
#: same path as any plugin, so each can be blocked by that name.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "registry_core_plugins.host_endpoints",
    "registry_core_plugins.mirrors",
    "registry_core_plugins.certsd",
    "registry_core_plugins.v1_token_auth",
    "registry_core_plugins.retry",
    # Both answer registry_credentials trylast; pluggy asks the trylast plugin registered
    # first before later ones, so auth.json is asked before config.json.
    "registry_core_plugins.containers_auth",
    "registry_core_plugins.docker_config",
    "registry_core_plugins.registries_conf",
    "registry_core_plugins.hosts_toml",
)

#: Names that were built-in plugins once. Blocking one is still accepted (and does nothing)
#: rather than warned about as a misspelling: ``registry_core.transport`` held the core's
#: sender, which is no longer a plugin (see :meth:`Hooks.send_request`).
_RETIRED_PLUGINS = frozenset({"registry_core.transport"})

#: Where a plugin came from: shipped with the host, found through an entry point, or
#: registered by a program with :meth:`pluggy.PluginManager.register`.
PluginSource = Literal["builtin", "entrypoint", "registered"]

_HOST_DISTRIBUTION = "registry-core"


@dataclass(frozen=True)
class PluginInfo:
    """One registered plugin, as ``registry-core plugins`` shows it."""

    #: The name the plugin is registered (and blocked) under: the module name of a built-in,
    #: the entry-point name of a third-party plugin.
    name: str
    #: The version of the distribution that provides the plugin: registry-core's for a
    #: built-in, the plugin package's for an entry point, ``None`` for an ad-hoc plugin.
    version: str | None
    #: The names of the hooks the plugin implements, sorted.
    hooks: tuple[str, ...]
    #: ``"builtin"``, ``"entrypoint"`` or ``"registered"``.
    source: PluginSource
    #: The distribution (package) that provides the plugin, when there is one.
    distribution: str | None = None


@dataclass(frozen=True)
class _Origin:
    source: PluginSource
    distribution: str | None = None
    version: str | None = None
    #: What the plugin was loaded from (``module`` or ``module:attr``), for messages.
    location: str | None = None

    def describe(self, name: str) -> str:
        where = self.location or self.source
        if self.distribution:
            where += f" from {self.distribution} {self.version or ''}".rstrip()
        return f"{name!r} ({where})"


class RegistryPluginManager(pluggy.PluginManager):
    """A :class:`pluggy.PluginManager` for the ``registry_core`` project with stricter rules.

    * A name that is already taken is a :class:`~registry_core.errors.PluginError` naming
      both plugins (pluggy raises a bare ``ValueError``).
    * A plugin is checked when it is registered: a hook implementation whose name no
      specification declares (a misspelling, usually), or whose arguments do not match its
      specification, is a :class:`~registry_core.errors.PluginError`, and the plugin is not
      left half-registered. So the manager passes ``check_pending()`` at all times. Mark an
      implementation ``optionalhook=True`` for a hook that may not exist.
    * It remembers where each plugin came from, for :func:`list_plugins`.

    Add every hook specification before registering plugins.
    """

    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self._origins: dict[str, _Origin] = {}

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Register ``plugin`` under ``name`` (default: its canonical name).

        :returns: the name it was registered under, or ``None`` if that name is blocked.
        :raises PluginError: the name is taken, the plugin is already registered, or pluggy
            or the unknown-hook check rejects it.
        """
        return self._register(plugin, name, _Origin("registered"))

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any | None:
        """Unregister a plugin, by object or name, and forget where it came from."""
        if name is None and plugin is not None:
            name = self.get_name(plugin)
        unregistered = super().unregister(plugin, name)
        if name is not None:
            self._origins.pop(name, None)
        return unregistered

    def _name_taken(self, name: str, origin: _Origin) -> PluginError:
        return _name_clash(name, self._origins.get(name, _Origin("registered")), origin)

    def _register(self, plugin: object, name: str | None, origin: _Origin) -> str | None:
        plugin_name = name or self.get_canonical_name(plugin)
        if self.is_blocked(plugin_name):
            return None
        if self.get_plugin(plugin_name) is plugin:
            raise PluginError(f"plugin {plugin_name!r} is already registered")
        if self.has_plugin(plugin_name):
            raise self._name_taken(plugin_name, origin)
        try:
            super().register(plugin, plugin_name)
        except ValueError as exc:  # pluggy's "already registered", checked before any change
            raise PluginError(f"cannot register plugin {plugin_name!r}: {exc}") from exc
        except pluggy.PluginValidationError as exc:
            # pluggy before 1.7 registers hook by hook, so a failure leaves the earlier ones in
            # place; 1.7 cleans up itself.
            if self.is_registered(plugin):
                super().unregister(plugin)
            raise PluginError(f"plugin {plugin_name!r} is invalid: {exc}") from exc
        unknown = self._unknown_hooks(plugin)
        if unknown:
            super().unregister(plugin)
            raise PluginError(f"plugin {plugin_name!r} implements {self._explain_unknown(unknown)}")
        self._origins[plugin_name] = origin
        return plugin_name

    def _unknown_hooks(self, plugin: object) -> list[str]:
        """The hooks ``plugin`` implements that no specification declares (and not optional)."""
        return sorted(
            caller.name
            for caller in self.get_hookcallers(plugin) or ()
            if not caller.has_spec()
            and any(
                impl.plugin is plugin and not impl.optionalhook for impl in caller.get_hookimpls()
            )
        )

    def _explain_unknown(self, unknown: list[str]) -> str:
        known = sorted(
            name
            for name, caller in vars(self.hook).items()
            if isinstance(caller, pluggy.HookCaller) and caller.has_spec()
        )
        parts = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            parts.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
        return f"unknown hook {', '.join(parts)}, which no hook specification declares"


def _clash_message(name: str, first: _Origin, second: _Origin) -> str:
    return (
        f"two plugins are named {name!r}: {first.describe(name)} and {second.describe(name)}; "
        "uninstall one of them, or block the name"
    )


def _name_clash(name: str, first: _Origin, second: _Origin) -> PluginError:
    return PluginError(_clash_message(name, first, second))


def blocked_from_env() -> set[str]:
    """The plugin names in ``$REGISTRY_CORE_DISABLE_PLUGINS`` (comma-separated)."""
    value = os.environ.get(DISABLE_PLUGINS_ENV, "")
    return {name.strip() for name in value.split(",") if name.strip()}


def get_plugin_manager(
    specs: type[RegistrySpecs] = RegistrySpecs,
    *,
    plugins: Iterable[str | object] = DEFAULT_PLUGINS,
    block: Iterable[str] = (),
    load_entrypoints: bool = True,
) -> RegistryPluginManager:
    """Build a plugin manager: specs, built-in plugins, entry points, then ``check_pending()``.

    :param specs: the hook specification class; a framework passes its subclass of
        :class:`~registry_core.hookspecs.RegistrySpecs` to add hooks of its own.
    :param plugins: the built-in plugins, as module names (imported and registered under
        that name) or plugin objects (registered under their canonical name).
    :param block: plugin names not to register: module names for built-ins, entry-point
        names for third-party plugins. The names in ``$REGISTRY_CORE_DISABLE_PLUGINS`` are
        added. A blocked built-in is not even imported.
    :param load_entrypoints: whether to load third-party plugins from the ``registry_core``
        entry-point group. One that fails to load is logged and skipped.
    :raises PluginError: ``specs`` changes a hook of ``RegistrySpecs``; a built-in plugin
        cannot be imported or registered, or two of them have the same name.
    :raises InvalidArgumentError: ``plugins`` or ``block`` is a string, not a collection.
    """
    for argument, value in (("plugins", plugins), ("block", block)):
        if isinstance(value, str):  # would be taken one character at a time
            raise InvalidArgumentError(f"{argument} must be a collection of names, not a string")
    _check_specs(specs)
    pm = RegistryPluginManager()
    pm.add_hookspecs(specs)
    blocked = set(block) | blocked_from_env()
    for name in blocked:
        pm.set_blocked(name)
    version = _host_version()
    known: set[str] = set()
    for plugin in plugins:
        if isinstance(plugin, str):
            known.add(plugin)
            if pm.is_blocked(plugin):
                continue
            try:
                module = importlib.import_module(plugin)
            except ImportError as exc:
                raise PluginError(f"cannot import built-in plugin {plugin!r}: {exc}") from exc
            pm._register(module, plugin, _Origin("builtin", _HOST_DISTRIBUTION, version, plugin))
        else:
            name = pm.get_canonical_name(plugin)
            known.add(name)
            pm._register(plugin, name, _Origin("builtin", _HOST_DISTRIBUTION, version))
    if load_entrypoints:
        known |= _load_entrypoints(pm)
    # Most likely a misspelt name: the plugin still runs.
    for name in sorted(blocked - known - _RETIRED_PLUGINS):
        log.warning("cannot block plugin %r: no plugin has that name", name)
    try:
        pm.check_pending()  # cannot fail after _register's checks; kept as the last guard
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    return pm


def _check_specs(specs: type[RegistrySpecs]) -> None:
    """Refuse a subclass that changes a hook of :class:`RegistrySpecs`: plugins written
    against the original would be called with other arguments."""
    for name, original in vars(RegistrySpecs).items():
        if not name.startswith("registry_"):
            continue
        override = getattr(specs, name, None)
        if override is original:
            continue
        marker = f"{PROJECT_NAME}_spec"
        if (
            override is None
            or getattr(override, marker, None) != getattr(original, marker)
            or inspect.signature(override).parameters.keys()
            != inspect.signature(original).parameters.keys()
        ):
            raise PluginError(
                f"{specs.__qualname__} changes the hook {name!r} of RegistrySpecs; "
                "add new hooks instead of changing existing ones"
            )


def _host_version() -> str | None:
    try:
        return metadata.version(_HOST_DISTRIBUTION)
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return None


def _load_entrypoints(pm: RegistryPluginManager) -> set[str]:
    """Register each entry point of the group on its own, so one broken plugin is skipped
    while the others load (pluggy's ``load_setuptools_entrypoints`` stops at the first
    failure). Returns the entry-point names seen.

    A name that two entry points share, or that a built-in already has, is ambiguous: the
    entry points with it are logged and skipped (the built-in stays), since loading either
    could hand credentials to a plugin the user did not mean to run.
    """
    found: dict[str, list[tuple[metadata.EntryPoint, _Origin]]] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        origin = _Origin(
            "entrypoint",
            dist.metadata["Name"] if dist is not None else None,
            dist.version if dist is not None else None,
            ep.value,
        )
        found.setdefault(ep.name, []).append((ep, origin))
    for name, candidates in found.items():
        if pm.is_blocked(name):  # blocking a name also settles a clash over it
            log.debug("plugin %r is blocked; not loading it", name)
            continue
        if len(candidates) > 1:
            first, second = candidates[0][1], candidates[1][1]
            log.warning("skipping plugins: %s", _clash_message(name, first, second))
            continue
        [(ep, origin)] = candidates
        if pm.has_plugin(name):
            taken = pm._origins.get(name, _Origin("registered"))
            log.warning("skipping plugin: %s", _clash_message(name, taken, origin))
            continue
        try:
            plugin = ep.load()
            pm._register(plugin, name, origin)
        except (Exception, SystemExit) as exc:  # a third-party plugin must not take the host down
            reason = str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"
            log.warning("skipping plugin %s: %s", origin.describe(name), reason)
            log.debug("plugin %r failed to load", name, exc_info=True)
    return set(found)


def list_plugins(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Describe the registered plugins, in registration order.

    Works on any :class:`pluggy.PluginManager`; on one that
    :func:`get_plugin_manager` did not build, plugins loaded by pluggy's
    ``load_setuptools_entrypoints`` are reported as entry points and all others as
    registered.
    """
    origins = pm._origins if isinstance(pm, RegistryPluginManager) else {}
    distinfo = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # a blocked name
            continue
        origin = origins.get(name, _Origin("registered"))
        if origin.source == "registered" and id(plugin) in distinfo:
            dist = distinfo[id(plugin)]
            origin = _Origin("entrypoint", dist.project_name, dist.version)
        hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))
        infos.append(
            PluginInfo(
                name=name,
                version=origin.version,
                hooks=hooks,
                source=origin.source,
                distribution=origin.distribution,
            )
        )
    return infos


def _wrong_answer(hook: str, answer: object, expected: str) -> PluginError:
    # The type only: the value may be a secret.
    return PluginError(
        f"a plugin answered {hook} with {type(answer).__name__}; expected {expected}"
    )


class Hooks:
    """A typed facade over ``pm.hook``: the core calls hooks only through this class.

    pluggy's ``pm.hook`` is untyped and returns whatever plugins return. Each method here
    calls one hook with keyword arguments, checks the answers' types (a wrong one is a
    :class:`~registry_core.errors.PluginError` naming the hook, not an ``AttributeError``
    deep inside the core) and returns them in the shape the core wants. A framework that adds
    hooks subclasses this class for typed methods of its own.
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    def credentials(self, registry: str, repository: str | None = None) -> AuthConfig | None:
        """``registry_credentials``: the first plugin's credentials, or ``None``; for
        ``repository`` (``host/path``) when given, so namespace-keyed stores can answer."""
        answer = self.pm.hook.registry_credentials(registry=registry, repository=repository)
        if answer is not None and not isinstance(answer, AuthConfig):
            raise _wrong_answer("registry_credentials", answer, "AuthConfig or None")
        return answer

    def request_modifiers(self, host: str) -> list[RequestModifier]:
        """``registry_request_modifiers``: all plugins' modifiers, in call order."""
        try:
            answers = self.pm.hook.registry_request_modifiers(host=host)
        except RegistryError:
            raise
        except Exception as exc:  # only typed errors leave the library
            raise PluginError(
                f"a registry_request_modifiers plugin failed: {type(exc).__name__}: {exc}"
            ) from exc
        return _flatten("registry_request_modifiers", answers, RequestModifier)

    def configure_tls(self, hostname: str, secure: bool, tls_config: TLSConfig) -> None:
        """``registry_configure_tls``: let every plugin change ``tls_config`` in place."""
        self.pm.hook.registry_configure_tls(hostname=hostname, secure=secure, tls_config=tls_config)

    def endpoints(
        self,
        service: Service,
        config: ServiceConfig,
        hostname: str,
        action: Action,
        reference: Named | None = None,
    ) -> list[APIEndpoint]:
        """``registry_endpoints``: all plugins' endpoints, in call order."""
        answers = self.pm.hook.registry_endpoints(
            service=service, config=config, hostname=hostname, action=action, reference=reference
        )
        return _flatten("registry_endpoints", answers, APIEndpoint)

    def trust_realm(self, realm: str, registry: str, secure: bool) -> bool | None:
        """``registry_trust_realm``: the first plugin's verdict, or ``None`` for the default."""
        answer = self.pm.hook.registry_trust_realm(realm=realm, registry=registry, secure=secure)
        if answer is not None and not isinstance(answer, bool):
            raise _wrong_answer("registry_trust_realm", answer, "True, False or None")
        return answer

    def auth_handlers(
        self,
        registry: str,
        secure: bool,
        session: requests.Session,
        credentials: CredentialStore | None,
        scopes: Sequence[str],
        realm_policy: RealmPolicy,
    ) -> list[AuthenticationHandler]:
        """``registry_auth_handlers``: all plugins' handlers, in call order.

        :raises PluginError: an answer is not a handler (a lower-case ``scheme`` string and
            a callable ``authorize_request``), or two handlers answer the same scheme.
        """
        answers = self.pm.hook.registry_auth_handlers(
            registry=registry,
            secure=secure,
            session=session,
            credentials=credentials,
            scopes=tuple(scopes),
            realm_policy=realm_policy,
        )
        handlers: list[AuthenticationHandler] = _flatten("registry_auth_handlers", answers, object)
        seen: dict[str, AuthenticationHandler] = {}
        for handler in handlers:
            scheme = getattr(handler, "scheme", None)
            if (
                not isinstance(scheme, str)
                or not scheme
                or scheme != scheme.lower()
                or not callable(getattr(handler, "authorize_request", None))
            ):
                raise _wrong_answer(
                    "registry_auth_handlers",
                    handler,
                    "handlers with a lower-case scheme and an authorize_request method",
                )
            if scheme in seen:
                raise PluginError(
                    f"two plugins answer the auth scheme {scheme!r} of {registry}: "
                    f"{_describe_handler(seen[scheme])} and {_describe_handler(handler)}"
                )
            seen[scheme] = handler
        return handlers

    def send_request(
        self, request: requests.PreparedRequest, send: SendFunction
    ) -> requests.Response:
        """``registry_send_request``: the response, sent through the plugins.

        The core's own sender (``send(request)``) is not a plugin, so it cannot be blocked:
        it is added to every call of the hook as its last plain implementation, after every
        plugin's, and inside every wrapper. A wrapper therefore always receives a response
        (or the exception sending raised), whichever plugins are blocked, and a plugin that
        answers itself (a cache, a test double) still answers before the core sends.

        :raises PluginError: a plugin failed with an exception that is not a
            :class:`~registry_core.errors.RegistryError` (only typed errors leave the
            library; the next request goes through the plugins afresh).
        """
        caller = self.pm.hook.registry_send_request
        core = pluggy.HookImpl(None, _CORE_SENDER, _core_send, _CORE_SENDER_OPTIONS)
        # The implementations in pluggy's order, the last called first: the core goes in
        # front, so it is called after every plain implementation. (HookCaller.call_extra
        # would call it before the plugins' unmarked ones.)
        try:
            response = self.pm._hookexec(
                caller.name, [core, *caller.get_hookimpls()], {"request": request, "send": send},
                True,
            )
        except RegistryError:
            raise
        except Exception as exc:
            raise PluginError(
                f"a registry_send_request plugin failed: {type(exc).__name__}: {exc}"
            ) from exc
        import requests

        if not isinstance(response, requests.Response):
            raise _wrong_answer("registry_send_request", response, "requests.Response or None")
        return response

    def v1_auth_transport(
        self, base: BaseAdapter, auth_config: AuthConfig | None, always_set_basic_auth: bool
    ) -> BaseAdapter:
        """``registry_v1_auth_transport``: ``base`` wrapped with v1 auth.

        If no plugin answers (the built-in blocked), ``base`` itself: no v1 auth.
        """
        adapter = self.pm.hook.registry_v1_auth_transport(
            base=base, auth_config=auth_config, always_set_basic_auth=always_set_basic_auth
        )
        if adapter is None:
            return base
        from requests.adapters import BaseAdapter

        if not isinstance(adapter, BaseAdapter):
            raise _wrong_answer(
                "registry_v1_auth_transport", adapter, "requests.adapters.BaseAdapter or None"
            )
        return adapter


#: The name the core's sender carries in pluggy's traces; no plugin is registered under it.
_CORE_SENDER = "registry-core sender"
_CORE_SENDER_OPTIONS: pluggy.HookimplOpts = {
    "wrapper": False,
    "hookwrapper": False,
    "optionalhook": False,
    "tryfirst": False,
    "trylast": True,
    "specname": None,
}


def _core_send(request: requests.PreparedRequest, send: SendFunction) -> requests.Response:
    """The core's sender: sends ``request`` with no hooks around it."""
    return send(request)


def _describe_handler(handler: object) -> str:
    kind = type(handler)
    return f"{kind.__module__}.{kind.__qualname__}"


def _flatten(hook: str, answers: object, kind: type[Any]) -> list[Any]:
    """Concatenate a collect-all hook's answers (a list of sequences), checking each item."""
    if not isinstance(answers, list):  # a wrapper returned something else
        raise _wrong_answer(hook, answers, "a list of sequences")
    items: list[Any] = []
    for answer in answers:
        if answer is None:
            continue
        if isinstance(answer, (str, bytes)) or not isinstance(answer, Sequence):
            raise _wrong_answer(hook, answer, f"a sequence of {kind.__name__} or None")
        for item in answer:
            if not isinstance(item, kind):
                raise _wrong_answer(hook, item, f"{kind.__name__} items")
        items.extend(answer)
    return items
