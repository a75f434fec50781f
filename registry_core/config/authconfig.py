"""Finding an index's credentials among ``config.json``-style keys (Go ``ConvertToHostname``
and ``ResolveAuthConfig``, from moby's ``registry/auth.go``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..types import AuthConfig, IndexInfo
from .indexinfo import get_auth_config_key

__all__ = ["convert_to_hostname", "resolve_auth_config"]


def convert_to_hostname(url: str) -> str:
    """The host part of a credentials key: strip ``http://`` or ``https://`` (lower case
    only, as the reference) and everything from the first ``/``."""
    stripped = url
    if url.startswith("http://"):
        stripped = url[len("http://") :]
    elif url.startswith("https://"):
        stripped = url[len("https://") :]
    return stripped.split("/", 1)[0]


def resolve_auth_config(auth_configs: Mapping[str, AuthConfig], index: IndexInfo) -> AuthConfig:
    """Find the credentials for ``index`` among ``auth_configs`` (keyed as in a Docker
    ``config.json``): the exact key first, then, for an unofficial index, the first key whose
    host (:func:`convert_to_hostname`) is the index name. Returns a copy; an empty
    :class:`~registry_core.types.AuthConfig` when nothing matches.

    The reference walks a Go map, so when several legacy keys match it picks one at random;
    we pick the first in ``auth_configs``' order.
    """
    key = get_auth_config_key(index)
    found = auth_configs.get(key)
    if found is not None or index.official:
        return dataclasses.replace(found) if found is not None else AuthConfig()
    for registry, config in auth_configs.items():
        if key == convert_to_hostname(registry):
            return dataclasses.replace(config)
    return AuthConfig()
