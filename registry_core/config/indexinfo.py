"""Index and repository information: which index a name or search term belongs to, whether
it is official, and the key its credentials live under (Go ``newIndexInfo``,
``newRepositoryInfo``, ``GetAuthConfigKey``, ``splitReposSearchTerm``).
"""

from __future__ import annotations

import dataclasses

from ..constants import INDEX_NAME, INDEX_SERVER
from ..reference import Named, domain, familiar_name, trim_named
from ..types import IndexInfo, RepositoryInfo, ServiceConfig
from .hostmatch import LookupIP, is_secure_index
from .loading import new_service_config
from .validation import validate_index_name

__all__ = [
    "get_auth_config_key",
    "new_index_info",
    "new_repository_info",
    "parse_repository_info",
    "parse_search_index_info",
    "split_repos_search_term",
]


def new_index_info(
    config: ServiceConfig, index_name: str, lookup_ip: LookupIP | None = None
) -> IndexInfo:
    """The index for ``index_name``: the configured one (a copy), else a new unofficial one
    whose security comes from :func:`is_secure_index`.

    :raises InvalidIndexNameError: see :func:`validate_index_name`.
    """
    index_name = validate_index_name(index_name)
    index = config.index_configs.get(index_name)
    if index is not None:
        return dataclasses.replace(index, mirrors=list(index.mirrors))
    return IndexInfo(
        name=index_name,
        mirrors=[],
        official=False,
        secure=is_secure_index(config, index_name, lookup_ip),
    )


def get_auth_config_key(index: IndexInfo) -> str:
    """The key of the index's credentials: :data:`~registry_core.constants.INDEX_SERVER` for
    the official index, else the index name (``host[:port]``)."""
    if index.official:
        return INDEX_SERVER
    return index.name


def new_repository_info(
    config: ServiceConfig, named: Named, lookup_ip: LookupIP | None = None
) -> RepositoryInfo:
    """Break a repository name down against ``config``: its index, and whether it is an
    official repository (a Docker Hub name without ``/`` in its familiar form).

    :raises InvalidIndexNameError: the name's domain begins or ends with a hyphen.
    """
    index = new_index_info(config, domain(named), lookup_ip)
    official = "/" not in familiar_name(named)
    return RepositoryInfo(name=trim_named(named), index=index, official=official)


def parse_repository_info(named: Named, lookup_ip: LookupIP | None = None) -> RepositoryInfo:
    """:func:`new_repository_info` against the default configuration (no options)."""
    return new_repository_info(new_service_config(), named, lookup_ip)


def split_repos_search_term(repos_name: str) -> tuple[str, str]:
    """Split a search term into index name and remote name; a first part that has no ``.``
    or ``:`` and is not ``localhost`` is a Docker Hub namespace, not a host."""
    parts = repos_name.split("/", 1)
    if len(parts) == 1 or (
        "." not in parts[0] and ":" not in parts[0] and parts[0] != "localhost"
    ):
        return INDEX_NAME, repos_name
    return parts[0], parts[1]


def parse_search_index_info(term: str, lookup_ip: LookupIP | None = None) -> IndexInfo:
    """The index a search term is meant for, against the default configuration.

    :raises InvalidIndexNameError: the term's host begins or ends with a hyphen.
    """
    index_name, _ = split_repos_search_term(term)
    return new_index_info(new_service_config(), index_name, lookup_ip)
