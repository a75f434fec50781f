"""The registry service's configuration: options, index and repository resolution.

This is the port of moby's ``registry/config.go`` (with ``ConvertToHostname`` and
``ResolveAuthConfig`` from ``auth.go``). The functions take the configuration
(:class:`~registry_core.types.ServiceConfig`) as their first argument, where the Go code has
methods on ``*serviceConfig``; :class:`registry_core.service.DefaultService` holds one
configuration and a lock around it.

The reference leans on Go's standard library (``net/url``, ``net.ParseCIDR``,
``net.SplitHostPort``, ``strconv``) for what it accepts and for the text of its errors, and
those differ from :mod:`urllib.parse` and :mod:`ipaddress` in many corners (a ``?`` with an
empty query, opaque URLs, hex groups with leading zeros, IPv4-mapped networks, ...). The
parts of those packages the reference uses are reproduced in :mod:`registry_core.gocompat`,
and Go's ``encoding/json`` (for daemon.json) in :mod:`registry_core.gojson`, so that the same
input is accepted or refused with the same message.

One module per concern; every name is importable from here, as it was when this was one
module:

* :mod:`registry_core.config.options`: :class:`ServiceOptions` and reading daemon.json;
* :mod:`registry_core.config.validation`: index names, mirrors, ``host[:port]`` entries;
* :mod:`registry_core.config.loading`: building a configuration from the options;
* :mod:`registry_core.config.hostmatch`: resolving hosts and matching them against the
  insecure and nondistributable CIDR ranges;
* :mod:`registry_core.config.indexinfo`: index and repository information;
* :mod:`registry_core.config.authconfig`: finding an index's credentials;
* :mod:`registry_core.config.endpointurls`: endpoint URLs as the reference prints them.
"""

from __future__ import annotations

from .authconfig import convert_to_hostname, resolve_auth_config
from .endpointurls import host_endpoint_url, mirror_endpoint_url
from .hostmatch import (
    IPAddress,
    LookupIP,
    allow_nondistributable_artifacts,
    default_lookup_ip,
    is_secure_index,
)
from .indexinfo import (
    get_auth_config_key,
    new_index_info,
    new_repository_info,
    parse_repository_info,
    parse_search_index_info,
    split_repos_search_term,
)
from .loading import (
    load_allow_nondistributable_artifacts,
    load_insecure_registries,
    load_mirrors,
    new_service_config,
)
from .options import MAX_DAEMON_CONFIG_SIZE, ServiceOptions
from .validation import validate_index_name, validate_mirror, validate_no_scheme

__all__ = [
    "IPAddress",
    "LookupIP",
    "MAX_DAEMON_CONFIG_SIZE",
    "ServiceOptions",
    "allow_nondistributable_artifacts",
    "convert_to_hostname",
    "default_lookup_ip",
    "get_auth_config_key",
    "host_endpoint_url",
    "is_secure_index",
    "load_allow_nondistributable_artifacts",
    "load_insecure_registries",
    "load_mirrors",
    "mirror_endpoint_url",
    "new_index_info",
    "new_repository_info",
    "new_service_config",
    "parse_repository_info",
    "parse_search_index_info",
    "resolve_auth_config",
    "split_repos_search_term",
    "validate_index_name",
    "validate_mirror",
    "validate_no_scheme",
]
