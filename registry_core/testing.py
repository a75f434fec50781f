"""A pytest plugin for testing registry-core plugins with the host's own fixtures.

registry-core registers this module through the ``pytest11`` entry point, so its fixtures are
available in any test suite once registry-core is installed: no ``conftest.py`` needed.

* :func:`registry_plugin_manager`: a fresh plugin manager per test, with the built-in plugins
  and no entry points, so installed third-party plugins do not leak into a plugin's tests.
  Override :func:`registry_plugin_manager_kwargs` to change how it is built.
* :func:`register_plugin`: registers a plugin for one test and unregisters it afterwards.
* :func:`hook_recorder`: records the hook calls made through the manager, with their keyword
  arguments and results.
* :func:`registry_hooks`: the typed :class:`~registry_core.manager.Hooks` facade over the
  manager, to call hooks the way the core does.

Importing this module has no side effect: every object is made by a fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy
import pytest

# pytest loads this module in every session of an environment where registry-core is
# installed, whether or not the session tests a plugin; the manager (and requests with it)
# is imported by the fixtures that need it instead.
if TYPE_CHECKING:
    from .manager import Hooks, RegistryPluginManager

__all__ = [
    "HookCall",
    "HookRecorder",
    "USER_CREDENTIAL_PLUGINS",
    "hook_recorder",
    "register_plugin",
    "registry_hooks",
    "registry_plugin_manager",
    "registry_plugin_manager_kwargs",
]

#: The type of the :func:`register_plugin` fixture's value.
RegisterPlugin = Callable[..., str]


@dataclass
class HookCall:
    """One recorded hook call."""

    #: The hook's name, such as ``registry_credentials``.
    hook: str
    #: The keyword arguments the hook was called with.
    kwargs: dict[str, Any]
    #: The names of the plugins whose implementations were candidates, in call order. With a
    #: ``firstresult`` hook the ones after the answering plugin were not called.
    plugins: list[str] = field(default_factory=list)
    #: What the call returned: the answer of a ``firstresult`` hook, else the list of answers.
    result: Any = None
    #: The exception the call raised, or ``None``.
    exception: BaseException | None = None


class HookRecorder:
    """Records every hook call made through one plugin manager.

    It uses pluggy's :meth:`~pluggy.PluginManager.add_hookcall_monitoring`, which sees the
    calls after pluggy has chosen the implementations, so the record shows the arguments as
    the plugins received them. Secrets pass through hooks (``registry_credentials`` answers
    with passwords): keep the record in the test, do not log it.
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.calls: list[HookCall] = []
        self._pending: list[HookCall] = []
        self._undo: Callable[[], None] | None = pm.add_hookcall_monitoring(
            self._before, self._after
        )

    def _before(
        self, hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        # Calls nest (a hook may call another), so the open calls form a stack.
        plugins = [impl.plugin_name for impl in reversed(hook_impls)]  # pluggy calls LIFO
        self._pending.append(HookCall(hook=hook_name, kwargs=dict(kwargs), plugins=plugins))

    def _after(
        self,
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        call = self._pending.pop()
        call.exception = outcome.exception
        if call.exception is None:
            call.result = outcome.get_result()
        self.calls.append(call)

    def calls_of(self, hook: str) -> list[HookCall]:
        """The recorded calls of ``hook``, oldest first."""
        return [call for call in self.calls if call.hook == hook]

    def last(self, hook: str) -> HookCall:
        """The most recent call of ``hook``.

        :raises LookupError: ``hook`` was not called; the message lists what was.
        """
        calls = self.calls_of(hook)
        if not calls:
            called = sorted({call.hook for call in self.calls}) or "nothing"
            raise LookupError(f"{hook} was not called; recorded calls: {called}")
        return calls[-1]

    def clear(self) -> None:
        """Forget the calls recorded so far."""
        self.calls.clear()

    def undo(self) -> None:
        """Stop recording; the fixture does this after the test."""
        if self._undo is not None:
            self._undo()
            self._undo = None


#: The built-in plugins that read the user's credential files; blocked by default here.
USER_CREDENTIAL_PLUGINS = (
    "registry_core_plugins.docker_config",
    "registry_core_plugins.containers_auth",
)


@pytest.fixture
def registry_plugin_manager_kwargs() -> dict[str, Any]:
    """The keyword arguments :func:`registry_plugin_manager` passes to
    :func:`~registry_core.manager.get_plugin_manager`.

    The default, ``{"load_entrypoints": False, "block": [...]}``, gives the built-in plugins
    and no third-party ones, without the two that read the user's own credential files
    (``registry_core_plugins.docker_config`` and ``registry_core_plugins.containers_auth``),
    so a developer's ``docker login`` does not change a plugin's tests. Override this fixture
    in a ``conftest.py`` to test against your own specs subclass (``"specs"``), another set of
    built-ins (``"plugins"``) or with blocked plugins (``"block"``).
    """
    return {"load_entrypoints": False, "block": list(USER_CREDENTIAL_PLUGINS)}


@pytest.fixture
def registry_plugin_manager(
    registry_plugin_manager_kwargs: dict[str, Any],
) -> RegistryPluginManager:
    """A fresh plugin manager for one test, built by
    :func:`~registry_core.manager.get_plugin_manager` with
    :func:`registry_plugin_manager_kwargs`.

    ``$REGISTRY_CORE_DISABLE_PLUGINS`` is ignored while it is built, so a developer's
    environment does not change the outcome of a plugin's tests; pass ``"block"`` instead.
    """
    from .manager import DISABLE_PLUGINS_ENV, get_plugin_manager

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(DISABLE_PLUGINS_ENV, raising=False)
        return get_plugin_manager(**registry_plugin_manager_kwargs)


@pytest.fixture
def register_plugin(registry_plugin_manager: RegistryPluginManager) -> Iterator[RegisterPlugin]:
    """A function that registers a plugin (a module, class instance or object with hook
    implementations) in :func:`registry_plugin_manager` for the current test.

    ``register_plugin(plugin, name=None)`` returns the name it registered the plugin under
    and raises :class:`~registry_core.errors.PluginError` for a plugin the manager rejects
    (say, a misspelt hook name). Every plugin it registered is unregistered after the test,
    which matters when :func:`registry_plugin_manager` is overridden with a wider scope.
    """
    from .errors import PluginError

    registered: list[object] = []

    def register(plugin: object, name: str | None = None) -> str:
        plugin_name = registry_plugin_manager.register(plugin, name)
        if plugin_name is None:
            blocked = name or registry_plugin_manager.get_canonical_name(plugin)
            raise PluginError(f"cannot register plugin {blocked!r}: the name is blocked")
        registered.append(plugin)
        return plugin_name

    yield register
    for plugin in reversed(registered):
        if registry_plugin_manager.is_registered(plugin):
            registry_plugin_manager.unregister(plugin)


@pytest.fixture
def hook_recorder(registry_plugin_manager: RegistryPluginManager) -> Iterator[HookRecorder]:
    """A :class:`HookRecorder` of the hook calls made through :func:`registry_plugin_manager`
    during the test; recording stops after it.

    Calls made through another manager (one the code under test builds itself) are not
    recorded.
    """
    recorder = HookRecorder(registry_plugin_manager)
    yield recorder
    recorder.undo()


@pytest.fixture
def registry_hooks(registry_plugin_manager: RegistryPluginManager) -> Hooks:
    """The typed :class:`~registry_core.manager.Hooks` facade over
    :func:`registry_plugin_manager`: call hooks the way the core does, with its checks."""
    from .manager import Hooks

    return Hooks(registry_plugin_manager)
