"""Which plugin's credentials a registry gets, and why: the walk ``resolve --explain`` shows.

The ``registry_credentials`` hook stops at the first plugin that answers, in pluggy's call
order: ``tryfirst`` plugins, then the others (the last registered first), then ``trylast``
ones. With the built-in plugins that order is the documented precedence:

1. credentials given explicitly (``AuthConfig`` passed by the caller; ``--username`` on the
   command line, which registers them ``tryfirst``);
2. third-party plugins (entry points, objects a program registers);
3. the containers tools' ``auth.json`` (:mod:`registry_core_plugins.containers_auth`);
4. the Docker CLI's ``config.json`` and its helpers (:mod:`registry_core_plugins.docker_config`).

:func:`explain_credentials` asks the plugins in that order, as the hook does, and records each
answer. A plugin that has an ``explain_credentials(registry, repository)`` method (or module
function) returning a :class:`~registry_core.dockerconfig.CredentialLookup` says where its
credentials came from; any other plugin is asked through its hook implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pluggy

from .credfiles import CredentialLookup, CredentialSource
from .errors import PluginError, RegistryError
from .types import AuthConfig

__all__ = ["CredentialStep", "explain_credentials"]


@dataclass(frozen=True)
class CredentialStep:
    """One plugin asked for credentials.

    :ivar plugin: the plugin's registered name.
    :ivar answered: whether it had credentials (the first step that did is the one used).
    :ivar source: where it looked or found them.
    :ivar kind: ``password``, ``identity token``, ``registry token`` or ``""``; never the
        secret itself.
    :ivar username: the user name, when there is one.
    :ivar error: the error the plugin raised, if it failed (the hook would fail too).
    """

    plugin: str
    answered: bool
    source: CredentialSource
    kind: str = ""
    username: str = ""
    error: str = ""


def _kind(config: AuthConfig) -> str:
    if config.registry_token:
        return "registry token"
    if config.identity_token:
        return "identity token"
    if config.password:
        return "password"
    return "user name only"


def _ask(impl: Any, registry: str, repository: str | None) -> CredentialLookup:
    explain = getattr(impl.plugin, "explain_credentials", None)
    if callable(explain):
        found = explain(registry, repository)
        if not isinstance(found, CredentialLookup):
            raise PluginError(
                f"{impl.plugin_name}.explain_credentials answered {type(found).__name__}"
            )
        return found
    arguments = {"registry": registry, "repository": repository}
    answer = impl.function(**{name: arguments[name] for name in impl.argnames})
    if answer is not None and not isinstance(answer, AuthConfig):
        raise PluginError(
            f"plugin {impl.plugin_name!r} answered registry_credentials with "
            f"{type(answer).__name__}; expected AuthConfig or None"
        )
    reason = "answered registry_credentials" if answer is not None else "had none"
    return CredentialLookup(answer, CredentialSource(impl.plugin_name, reason=reason))


def _credential_impls(pm: pluggy.PluginManager) -> list[Any]:
    """The ``registry_credentials`` implementations in pluggy's order (the last is asked
    first). Read from the hook caller, which is not called: the answers are asked one by one
    so each can be recorded."""
    for _, plugin in pm.list_name_plugin():
        for caller in pm.get_hookcallers(plugin) or ():
            if caller.name == "registry_credentials":
                return list(caller.get_hookimpls())
    return []


def explain_credentials(
    pm: pluggy.PluginManager, registry: str, repository: str | None = None
) -> list[CredentialStep]:
    """Ask each ``registry_credentials`` plugin in call order until one answers.

    Errors are recorded in the step, not raised, so the explanation shows where a lookup
    would fail. Wrappers around the hook are not run.

    :param registry: the auth config key (``host[:port]``, or ``https://index.docker.io/v1/``).
    :param repository: the repository (``host/path``), for plugins that key by namespace.
    """
    steps: list[CredentialStep] = []
    impls = [
        impl
        for impl in reversed(_credential_impls(pm))
        if not (impl.wrapper or impl.hookwrapper)
    ]
    for impl in impls:
        try:
            found = _ask(impl, registry, repository)
        except RegistryError as exc:
            steps.append(
                CredentialStep(impl.plugin_name, False, CredentialSource(impl.plugin_name),
                               error=str(exc))
            )
            break
        except Exception as exc:  # a plugin's own failure, as HookCredentialStore reports it
            steps.append(
                CredentialStep(impl.plugin_name, False, CredentialSource(impl.plugin_name),
                               error=f"{type(exc).__name__}: {exc}")
            )
            break
        config = found.auth_config
        source = found.source
        if source.backend != impl.plugin_name:
            source = CredentialSource(impl.plugin_name, source.path, source.key, source.helper,
                                      source.reason)
        if config is None:
            steps.append(CredentialStep(impl.plugin_name, False, source))
            continue
        steps.append(
            CredentialStep(impl.plugin_name, True, source, _kind(config), config.username)
        )
        break
    return steps
