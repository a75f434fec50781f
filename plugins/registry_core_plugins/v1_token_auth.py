"""The v1 registry auth layer as a plugin: basic auth and ``X-Docker-Token`` tokens (Go
``AuthTransport``).

Its ``registry_v1_auth_transport`` implementation runs ``trylast``, so a plugin that answers
the hook replaces this layer. The layer itself, :class:`AuthTransport` and
:func:`auth_transport`, lives in :mod:`registry_core_plugins.v1_auth_transport` and is
imported on first use (a v1 transport asked for, or one of those names read here): every
service registers this plugin, and most never speak v1, so registering it loads no requests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from registry_core.hookspecs import hookimpl

if TYPE_CHECKING:
    from requests.adapters import BaseAdapter

    from registry_core.types import AuthConfig

    from .v1_auth_transport import AuthTransport, auth_transport, trusted_location

__all__ = ["AuthTransport", "auth_transport", "trusted_location", "registry_v1_auth_transport"]

_LAZY = frozenset({"AuthTransport", "auth_transport", "trusted_location"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(".v1_auth_transport", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@hookimpl(trylast=True)
def registry_v1_auth_transport(
    base: BaseAdapter | None, auth_config: AuthConfig | None, always_set_basic_auth: bool
) -> BaseAdapter:
    """The default v1 auth layer; runs last so that any other answer replaces it."""
    from .v1_auth_transport import auth_transport

    return auth_transport(base, auth_config, always_set_basic_auth)
