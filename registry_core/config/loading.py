"""Loading options into a service configuration (Go ``newServiceConfig`` and the
``load*`` methods of ``serviceConfig``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ..constants import INDEX_NAME
from ..errors import InvalidRegistryOptionError
from ..gocompat import parse_cidr
from ..types import IndexInfo, NetIPNet, ServiceConfig
from .hostmatch import LookupIP
from .options import ServiceOptions, _entries
from .validation import _validate_host_port, validate_index_name, validate_mirror

__all__ = [
    "load_allow_nondistributable_artifacts",
    "load_insecure_registries",
    "load_mirrors",
    "new_service_config",
]

# The logger's name is the one users configured before the split; keep it.
log = logging.getLogger("registry_core.config")

#: Always insecure, whatever the options say (the reference's stop-gap for local registries).
_LOCAL_INSECURE_CIDR = "127.0.0.0/8"


def new_service_config(
    options: ServiceOptions | None = None, lookup_ip: LookupIP | None = None
) -> ServiceConfig:
    """Build the service configuration from ``options`` (Go ``newServiceConfig``).

    The options are loaded in the reference's order: ``allow-nondistributable-artifacts``,
    then mirrors, then insecure registries, so the first bad entry in that order is the one
    reported. ``lookup_ip`` is accepted for symmetry with the functions that match hosts;
    loading never resolves a name, as in the reference.

    :raises InvalidIndexNameError, InvalidMirrorError, InvalidRegistryOptionError: a bad entry.
    """
    del lookup_ip  # loading never resolves names
    options = options if options is not None else ServiceOptions()
    config = ServiceConfig()
    load_allow_nondistributable_artifacts(config, options.allow_nondistributable_artifacts)
    load_mirrors(config, options.mirrors)
    load_insecure_registries(config, options.insecure_registries)
    return config


def load_allow_nondistributable_artifacts(config: ServiceConfig, registries: Iterable[str]) -> None:
    """Replace the registries that may receive nondistributable artifacts.

    Each entry is a CIDR range or a ``host[:port]``; duplicates are dropped. The configuration
    is left unchanged when an entry is bad.

    :raises InvalidIndexNameError: an entry begins or ends with a hyphen.
    :raises InvalidRegistryOptionError: an entry holds ``://`` or is neither CIDR nor host.
    """
    cidrs: dict[str, NetIPNet] = {}
    hostnames: dict[str, None] = {}
    for r in _entries("allow-nondistributable-artifacts", registries):
        validate_index_name(r)
        if "://" in r:  # the reference's validateNoScheme
            raise InvalidRegistryOptionError(
                f"allow-nondistributable-artifacts registry {r} should not contain '://'"
            )
        parsed = parse_cidr(r)
        if parsed is not None:
            cidrs[parsed.string] = parsed.network
            continue
        error = _validate_host_port(r)
        if error is not None:
            raise InvalidRegistryOptionError(
                f"allow-nondistributable-artifacts registry {r} is not valid: {error}"
            )
        hostnames[r] = None
    # The reference keeps these in Go maps, so its order is random; ours is first-seen order.
    config.allow_nondistributable_artifacts_cidrs = list(cidrs.values())
    config.allow_nondistributable_artifacts_hostnames = list(hostnames)


def load_mirrors(config: ServiceConfig, mirrors: Iterable[str]) -> None:
    """Replace the registry mirrors (validated, duplicates dropped, order kept) and refresh
    the Docker Hub index entry that lists them.

    :raises InvalidMirrorError: a mirror that :func:`validate_mirror` refuses; the
        configuration is left unchanged.
    """
    unique: dict[str, None] = {}
    for mirror in _entries("registry-mirrors", mirrors):
        unique[validate_mirror(mirror)] = None
    config.mirrors = list(unique)
    config.index_configs[INDEX_NAME] = _official_index(config)


def load_insecure_registries(
    config: ServiceConfig, registries: Iterable[str], lookup_ip: LookupIP | None = None
) -> None:
    """Replace the insecure registries: CIDR ranges and ``host[:port]`` entries.

    ``127.0.0.0/8`` is always added. An ``http://`` or ``https://`` prefix is removed with a
    warning; any other ``://`` is an error. A range equal to one already listed (same network
    and same mask, as Go compares them) is skipped. The configuration is left unchanged when
    an entry is bad. ``lookup_ip`` is accepted for symmetry; nothing is resolved here.

    :raises InvalidIndexNameError: an entry begins or ends with a hyphen.
    :raises InvalidRegistryOptionError: an entry holds ``://`` or is neither CIDR nor host.
    """
    del lookup_ip  # loading never resolves names
    cidrs: list[NetIPNet] = []
    seen: set[tuple[bytes, bytes]] = set()
    index_configs: dict[str, IndexInfo] = {}
    for entry in [*_entries("insecure-registries", registries), _LOCAL_INSECURE_CIDR]:
        validate_index_name(entry)
        r = entry
        lowered = r.lower()
        if lowered.startswith("http://"):
            log.warning(
                "insecure registry %s should not contain 'http://' and 'http://' has been "
                "removed from the insecure registry config",
                r,
            )
            r = r[7:]
        elif lowered.startswith("https://"):
            log.warning(
                "insecure registry %s should not contain 'https://' and 'https://' has been "
                "removed from the insecure registry config",
                r,
            )
            r = r[8:]
        elif "://" in r:
            raise InvalidRegistryOptionError(f"insecure registry {r} should not contain '://'")
        parsed = parse_cidr(r)
        if parsed is not None:
            if parsed.key not in seen:
                seen.add(parsed.key)
                cidrs.append(parsed.network)
            continue
        error = _validate_host_port(r)
        if error is not None:
            raise InvalidRegistryOptionError(f"insecure registry {r} is not valid: {error}")
        index_configs[r] = IndexInfo(name=r, mirrors=[], secure=False, official=False)
    index_configs[INDEX_NAME] = _official_index(config)
    config.insecure_registry_cidrs = cidrs
    config.index_configs = index_configs


def _official_index(config: ServiceConfig) -> IndexInfo:
    return IndexInfo(name=INDEX_NAME, mirrors=list(config.mirrors), secure=True, official=True)
