"""The ``registry_endpoints`` wrapper every configuration-file plugin carries.

hosts.toml and registries.conf each answer ``registry_endpoints`` with a
:class:`~registry_core.endpoint_lookup.ConfiguredEndpoints`, and the highest-priority file
decides alone (:func:`~registry_core.endpoint_lookup.choose_configured`). Each such plugin, as
a module or as a class registered in code, also registers this wrapper; it lives here once. This
module is not a plugin by itself.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from registry_core.endpoint_lookup import choose_configured
from registry_core.hookspecs import hookimpl

__all__ = ["ConfigFilePlugin", "choose_endpoints"]


@hookimpl(wrapper=True, specname="registry_endpoints")
def choose_endpoints() -> Generator[None, list[Any], list[Any]]:
    """Let the highest-priority configuration file decide (see
    :mod:`registry_core.endpoint_lookup`)."""
    return choose_configured((yield))


class ConfigFilePlugin:
    """Base of the plugin classes for configuration files: registers :func:`choose_endpoints`
    with the instance."""

    @hookimpl(wrapper=True, specname="registry_endpoints")
    def choose_endpoints(self) -> Generator[None, list[Any], list[Any]]:
        """Let the highest-priority configuration file decide (see
        :mod:`registry_core.endpoint_lookup`)."""
        return choose_configured((yield))
