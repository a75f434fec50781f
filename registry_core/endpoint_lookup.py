"""Asking the ``registry_endpoints`` plugins, and which configuration file decides.

The service asks every plugin for endpoints with the image reference, when the caller gave one.
Three sources may configure one registry host: containerd's
``hosts.toml``, containers' ``registries.conf`` and the daemon's own options (``daemon.json``:
``registry-mirrors``, ``insecure-registries``, the reference's behaviour). Rather than
interleave their lists, the most specific file decides a host's endpoints on its own:

1. ``hosts.toml``, when a host directory (or ``_default``) exists for the host;
2. otherwise ``registries.conf``, when a ``[[registry]]`` prefix matches the reference (or the
   host);
3. otherwise the reference's policy: the daemon's mirrors (Docker Hub only), then the registry
   itself, https before http for an insecure registry.

A file-based plugin marks its answer as a :class:`ConfiguredEndpoints` with a ``priority``; the
wrapper :func:`choose_configured` (run by each such plugin; running it twice changes nothing)
keeps the answer with the lowest priority and drops the rest. A ``blocked`` registry in
registries.conf is an error whichever file decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import RegistryError
from .types import APIEndpoint

__all__ = [
    "HOSTS_TOML_PRIORITY",
    "REGISTRIES_CONF_PRIORITY",
    "BlockedRegistryError",
    "ConfiguredEndpoints",
    "choose_configured",
]

#: The priority of a ``hosts.toml`` answer (lowest wins).
HOSTS_TOML_PRIORITY = 10
#: The priority of a ``registries.conf`` answer.
REGISTRIES_CONF_PRIORITY = 20


class BlockedRegistryError(RegistryError):
    """registries.conf blocks the registry: nothing may be pulled from (or pushed to) it."""


class ConfiguredEndpoints(list[APIEndpoint]):
    """The endpoints a configuration file decided for a host, with the file's priority.

    :param endpoints: the endpoints, in the order to try them (possibly none: the file says
        the host has no endpoint for this action).
    :param priority: lower wins over higher (:data:`HOSTS_TOML_PRIORITY`,
        :data:`REGISTRIES_CONF_PRIORITY`).
    :param source: the file or directory that decided, for messages.
    """

    def __init__(self, endpoints: Sequence[APIEndpoint] = (), *, priority: int, source: str
                 ) -> None:
        super().__init__(endpoints)
        self.priority = priority
        self.source = source


def choose_configured(answers: list[Any]) -> list[Any]:
    """The answers the service uses: the highest-priority :class:`ConfiguredEndpoints` alone
    when there is one, else all answers as they are (the reference's behaviour)."""
    configured = [a for a in answers if isinstance(a, ConfiguredEndpoints)]
    if not configured:
        return answers
    return [min(configured, key=lambda answer: answer.priority)]
