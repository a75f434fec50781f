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
second half of this module reproduces exactly the parts of those packages the reference uses,
so that the same input is accepted or refused with the same message.

Host names are resolved only to match them against CIDR ranges (``insecure-registries``,
``allow-nondistributable-artifacts``). The resolver is a parameter everywhere
(``lookup_ip``): a function from a host name to its addresses, where an empty list or an
:class:`OSError`/:class:`ValueError` means "does not resolve", as a failed ``net.LookupIP`` does
in the reference. :func:`default_lookup_ip` asks the system.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import os
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .constants import INDEX_HOSTNAME, INDEX_NAME, INDEX_SERVER
from .errors import (
    InvalidArgumentError,
    InvalidIndexNameError,
    InvalidMirrorError,
    InvalidRegistryOptionError,
    InvalidRepositoryNameError,
)
from .reference import DOMAIN_REGEXP, Named, domain, familiar_name, trim_named
from .types import AuthConfig, IndexInfo, NetIPNet, RepositoryInfo, ServiceConfig

__all__ = [
    "IPAddress",
    "LookupIP",
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

log = logging.getLogger(__name__)

#: An address a host name resolves to.
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Resolves a host name to its addresses (Go ``net.LookupIP``). An empty result, or an
#: :class:`OSError` or :class:`ValueError`, means the name does not resolve.
LookupIP = Callable[[str], Sequence[IPAddress]]

#: Always insecure, whatever the options say (the reference's stop-gap for local registries).
_LOCAL_INSECURE_CIDR = "127.0.0.0/8"


# --------------------------------------------------------------------------------------------
# Options


#: daemon.json key → :class:`ServiceOptions` field.
_DAEMON_JSON_KEYS = {
    "allow-nondistributable-artifacts": "allow_nondistributable_artifacts",
    "registry-mirrors": "mirrors",
    "insecure-registries": "insecure_registries",
}


def _json_kind(value: Any) -> str:
    """The JSON kind Go's decoder names in its type errors."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    return "array"


@dataclass
class ServiceOptions:
    """The daemon's registry options (Go ``registry.ServiceOptions``).

    Each field is a daemon.json key: ``allow-nondistributable-artifacts``,
    ``registry-mirrors`` and ``insecure-registries``.
    """

    allow_nondistributable_artifacts: list[str] = field(default_factory=list)
    mirrors: list[str] = field(default_factory=list)
    insecure_registries: list[str] = field(default_factory=list)

    @classmethod
    def from_daemon_json(cls, data: Mapping[str, Any]) -> ServiceOptions:
        """Read the registry options out of a parsed daemon.json.

        Keys are matched without regard to case and other keys are ignored, as Go's JSON
        decoder does; ``null`` leaves a list empty. A value of the wrong type raises
        :class:`InvalidRegistryOptionError` with the decoder's message, e.g. ``json: cannot
        unmarshal string into Go struct field ServiceOptions.registry-mirrors of type
        []string``.
        """
        if not isinstance(data, Mapping):
            raise InvalidRegistryOptionError(
                f"json: cannot unmarshal {_json_kind(data)} into Go value of type "
                "registry.ServiceOptions"
            )
        values: dict[str, list[str]] = {}
        for key, value in data.items():
            canonical = str(key).lower()
            attr = _DAEMON_JSON_KEYS.get(canonical)
            if attr is None:
                continue
            values[attr] = _string_list(canonical, value)
        return cls(**values)

    @classmethod
    def from_daemon_config_file(cls, path: str | os.PathLike[str]) -> ServiceOptions:
        """Read the registry options from the daemon.json at ``path``.

        :raises InvalidRegistryOptionError: the file cannot be read, is not JSON, or holds a
            value of the wrong type; the message names the file, as the daemon's does.
        """
        prefix = f"unable to configure the Docker daemon with file {os.fspath(path)}"
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise InvalidRegistryOptionError(f"{prefix}: {exc.strerror or exc}") from exc
        except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError
            raise InvalidRegistryOptionError(f"{prefix}: {exc}") from exc
        try:
            return cls.from_daemon_json(data)
        except InvalidRegistryOptionError as exc:
            raise InvalidRegistryOptionError(f"{prefix}: {exc}") from exc

    def to_daemon_json(self) -> dict[str, list[str]]:
        """The daemon.json form; empty lists are left out, as Go's ``omitempty`` does."""
        out = {}
        for key, attr in _DAEMON_JSON_KEYS.items():
            value = getattr(self, attr)
            if value:
                out[key] = list(value)
        return out


def _string_list(key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRegistryOptionError(
            f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
            f"ServiceOptions.{key} of type []string"
        )
    out = []
    for item in value:
        if item is None:  # Go leaves a null element as the zero value, ""
            out.append("")
        elif isinstance(item, str):
            out.append(item)
        else:
            raise InvalidRegistryOptionError(
                f"json: cannot unmarshal {_json_kind(item)} into Go struct field "
                f"ServiceOptions.{key} of type string"
            )
    return out


# --------------------------------------------------------------------------------------------
# Validation


def validate_index_name(val: str) -> str:
    """Validate an index (registry host) name; ``index.docker.io`` becomes ``docker.io``.

    :raises InvalidIndexNameError: the name begins or ends with a hyphen.
    """
    if val == INDEX_HOSTNAME:
        val = INDEX_NAME
    if val.startswith("-") or val.endswith("-"):
        raise InvalidIndexNameError(
            f"invalid index name ({val}). Cannot begin or end with a hyphen"
        )
    return val


def validate_mirror(val: str) -> str:
    """Validate a registry mirror URL and return it with exactly one trailing ``/``.

    Only ``http`` and ``https`` URLs without path, query, fragment or credentials pass. The
    URL is parsed as Go's ``net/url`` parses it, so some odd forms pass as they do in the
    reference (``https:host`` is an opaque URL with no path; ``http://host?`` has an empty
    query). A password never appears in the error: it is shown as ``xxxxx``.

    :raises InvalidMirrorError: with the reference's message.
    """
    try:
        uri = _url_parse(_to_bytes(val))
    except InvalidArgumentError as exc:
        raise InvalidMirrorError(f"invalid mirror: {_go_quote(val)} is not a valid URI") from exc
    if uri.scheme not in (b"http", b"https"):
        raise InvalidMirrorError(
            f"invalid mirror: unsupported scheme {_go_quote(uri.scheme)} "
            f"in {_go_quote(uri.string())}"
        )
    if (uri.path not in (b"", b"/")) or uri.raw_query or uri.fragment:
        raise InvalidMirrorError(
            "invalid mirror: path, query, or fragment at end of the URI "
            f"{_go_quote(uri.string())}"
        )
    if uri.user is not None:
        uri.user = _Userinfo(uri.user.username, b"xxxxx", True)  # strip the password
        raise InvalidMirrorError(
            f"invalid mirror: username/password not allowed in URI {_go_quote(uri.string())}"
        )
    return val.removesuffix("/") + "/"


def validate_no_scheme(name: str) -> None:
    """Refuse a repository name or search term that holds a scheme (``://``).

    :raises InvalidRepositoryNameError: the reference's ``ErrInvalidRepositoryName``.
    """
    if "://" in name:
        raise InvalidRepositoryNameError()


def _validate_host_port(s: str) -> str | None:
    """Go ``validateHostPort``: ``None`` when ``s`` is a valid ``host[:port]``, else the
    error's text."""
    split = _split_host_port(s)
    host, port = split if split is not None else (s, "")
    # If the host:port pattern does not match, it may be IPv6:port, which ParseIP catches.
    if DOMAIN_REGEXP.fullmatch(s) is None and _parse_ip(host) is None:
        return f"invalid host {_go_quote(host)}"
    if port != "":
        try:
            value = _go_atoi(port)
        except InvalidArgumentError as exc:
            return str(exc)
        if value < 0 or value > 65535:
            return f"invalid port {_go_quote(port)}"
    return None




# --------------------------------------------------------------------------------------------
# Loading options into a configuration


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
        parsed = _parse_cidr(r)
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
        parsed = _parse_cidr(r)
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


def _entries(option: str, values: Iterable[str]) -> list[str]:
    """The entries of one option, refusing what would silently mean something else (a bare
    string is iterable too: ``"myreg"`` would become five one-letter registries)."""
    if isinstance(values, (str, bytes)):
        raise InvalidRegistryOptionError(f"{option} must be a list of strings, not a string")
    entries = list(values)
    for entry in entries:
        if not isinstance(entry, str):
            raise InvalidRegistryOptionError(
                f"{option} entries must be strings, not {type(entry).__name__}"
            )
    return entries


def _official_index(config: ServiceConfig) -> IndexInfo:
    return IndexInfo(name=INDEX_NAME, mirrors=list(config.mirrors), secure=True, official=True)


# --------------------------------------------------------------------------------------------
# Matching hosts against the configuration


def default_lookup_ip(host: str) -> list[IPAddress]:
    """Resolve ``host`` with the system resolver; ``[]`` when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, ValueError):  # gaierror, and UnicodeError for names IDNA refuses
        return []
    out: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        try:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            continue
        if address not in out:
            out.append(address)
    return out


def _lookup(host: str, lookup_ip: LookupIP | None) -> list[IPAddress]:
    """Go ``net.LookupIP``: IP literals (with an IPv6 zone too) are their own answer; other
    names go to the resolver, and a failure means no address."""
    if host == "":
        return []
    literal = _parse_ip_zone(host)
    if literal is not None:
        return [_to_address(literal)]
    resolver = lookup_ip if lookup_ip is not None else default_lookup_ip
    try:
        return list(resolver(host))
    except (OSError, ValueError):
        return []


def _cidr_contains(network: NetIPNet, address: IPAddress) -> bool:
    """Go ``IPNet.Contains``: an IPv4-mapped IPv6 address is an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.version != network.version:
        return False
    return address in network


def _is_cidr_match(cidrs: Sequence[NetIPNet], url_host: str, lookup_ip: LookupIP | None) -> bool:
    if not cidrs:  # nothing can match: spare the resolver (same answer as the reference)
        return False
    split = _split_host_port(url_host)
    host = split[0] if split is not None else url_host
    return any(
        _cidr_contains(network, address)
        for address in _lookup(host, lookup_ip)
        for network in cidrs
    )


def is_secure_index(
    config: ServiceConfig, index_name: str, lookup_ip: LookupIP | None = None
) -> bool:
    """Whether ``index_name`` (a ``host[:port]``) is a secure registry.

    A configured index answers first; otherwise the host is insecure when one of its
    addresses is in an insecure CIDR range. A host that does not resolve matches no range.
    """
    index = config.index_configs.get(index_name)
    if index is not None:
        return index.secure
    return not _is_cidr_match(config.insecure_registry_cidrs, index_name, lookup_ip)


def allow_nondistributable_artifacts(
    config: ServiceConfig, hostname: str, lookup_ip: LookupIP | None = None
) -> bool:
    """Whether nondistributable artifacts may be pushed to ``hostname`` (a ``host[:port]``):
    it is listed by name, or one of its addresses is in a listed CIDR range."""
    if hostname in config.allow_nondistributable_artifacts_hostnames:
        return True
    return _is_cidr_match(config.allow_nondistributable_artifacts_cidrs, hostname, lookup_ip)


# --------------------------------------------------------------------------------------------
# Index and repository resolution


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


# --------------------------------------------------------------------------------------------
# Credentials


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


# --------------------------------------------------------------------------------------------
# Endpoint URLs, as the reference builds them with net/url


def host_endpoint_url(scheme: str, host: str) -> str:
    """The URL string of an endpoint at ``host`` (Go ``url.URL{Scheme, Host}.String()``):
    characters a host may not hold are %-escaped, so ``[fe80::1%lo]`` becomes
    ``[fe80::1%25lo]``."""
    return _GoURL(scheme=_to_bytes(scheme), host=_to_bytes(host)).string_text()


def mirror_endpoint_url(mirror: str) -> tuple[str, str]:
    """The URL string and the host of a configured (validated) mirror's endpoint.

    As the reference, a mirror that does not start with ``http://`` or ``https://`` (in lower
    case) gets ``https://`` in front, so ``HTTPS://m.example.com/`` becomes
    ``https://HTTPS://m.example.com/``, whose host is ``HTTPS:``.

    :raises InvalidMirrorError: the result does not parse (Go's ``url.Error`` text, e.g.
        ``parse "https://https:x/": invalid port ":x" after host``).
    """
    if not mirror.startswith(("http://", "https://")):
        mirror = "https://" + mirror
    try:
        uri = _url_parse(_to_bytes(mirror))
    except InvalidArgumentError as exc:
        raise InvalidMirrorError(str(exc)) from exc
    return uri.string_text(), _from_bytes(uri.host)


# ============================================================================================
# The parts of Go's standard library the reference relies on. Go strings are bytes, so these
# work on the UTF-8 encoding of the input. Errors are InvalidArgumentError carrying Go's text;
# the public functions above turn them into their own error types.


def _to_bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def _from_bytes(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")


def _go_quote(value: str | bytes) -> str:
    """Go ``strconv.Quote`` (what ``%q`` prints): printable runes as they are, others and
    invalid UTF-8 bytes escaped."""
    data = _to_bytes(value) if isinstance(value, str) else value
    out = ['"']
    i = 0
    while i < len(data):
        byte = data[i]
        char: str | None = None
        if byte < 0x80:
            char, width = chr(byte), 1
        else:
            for width in (2, 3, 4):
                try:
                    decoded = data[i : i + width].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if len(decoded) == 1:
                    char = decoded
                    break
        if char is None:
            out.append(f"\\x{byte:02x}")
            i += 1
            continue
        i += width
        out.append(_quote_rune(char))
    out.append('"')
    return "".join(out)


_SIMPLE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                   "\v": "\\v", '"': '\\"', "\\": "\\\\"}


def _quote_rune(char: str) -> str:
    if char in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[char]
    if char.isprintable():  # Go's unicode.IsPrint: L, M, N, P, S and ASCII space
        return char
    code = ord(char)
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _go_atoi(s: str) -> int:
    """Go ``strconv.Atoi`` on a 64-bit machine.

    :raises InvalidArgumentError: with Go's text, e.g. ``strconv.Atoi: parsing "x": invalid
        syntax``.
    """
    data = _to_bytes(s)

    def error(reason: str) -> InvalidArgumentError:
        return InvalidArgumentError(f"strconv.Atoi: parsing {_go_quote(data)}: {reason}")

    if 0 < len(data) < 19:  # the fast path: fits in an int64 whatever the digits
        digits = data[1:] if data[:1] in (b"-", b"+") else data
        if not digits or any(not 0x30 <= c <= 0x39 for c in digits):
            raise error("invalid syntax")
        value = int(digits)
        return -value if data[:1] == b"-" else value
    # The slow path: strconv.ParseInt(s, 10, 0).
    if not data:
        raise error("invalid syntax")
    negative = data[:1] == b"-"
    digits = data[1:] if data[:1] in (b"-", b"+") else data
    if not digits:
        raise error("invalid syntax")
    value = 0
    for c in digits:
        if not 0x30 <= c <= 0x39:
            raise error("invalid syntax")
        value = value * 10 + (c - 0x30)
        if value > 0xFFFFFFFFFFFFFFFF:  # ParseUint stops at the first overflow
            raise error("value out of range")
    if (not negative and value >= 1 << 63) or (negative and value > 1 << 63):
        raise error("value out of range")
    return -value if negative else value


# ---- net: SplitHostPort, ParseIP, ParseCIDR, IPNet.String -----------------------------------


def _split_host_port(hostport: str) -> tuple[str, str] | None:
    """Go ``net.SplitHostPort``; ``None`` where Go returns an error."""
    i = hostport.rfind(":")
    if i < 0:
        return None
    j = k = 0
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0 or end + 1 == len(hostport) or end + 1 != i:
            return None
        host = hostport[1:end]
        j, k = 1, end + 1
    else:
        host = hostport[:i]
        if ":" in host:
            return None
    if "[" in hostport[j:] or "]" in hostport[k:]:
        return None
    return host, hostport[i + 1 :]


_BIG = 0xFFFFFF


def _dtoi(s: str) -> tuple[int, int, bool]:
    n = 0
    i = 0
    while i < len(s) and "0" <= s[i] <= "9":
        n = n * 10 + ord(s[i]) - 0x30
        if n >= _BIG:
            return _BIG, i, False
        i += 1
    if i == 0:
        return 0, 0, False
    return n, i, True


def _xtoi(s: str) -> tuple[int, int, bool]:
    n = 0
    i = 0
    while i < len(s):
        c = s[i]
        if "0" <= c <= "9" or "a" <= c <= "f" or "A" <= c <= "F":
            n = n * 16 + int(c, 16)
        else:
            break
        if n >= _BIG:
            return 0, i, False
        i += 1
    if i == 0:
        return 0, i, False
    return n, i, True


_V4_IN_V6_PREFIX = b"\x00" * 10 + b"\xff\xff"


def _parse_ipv4(s: str) -> bytes | None:
    """Go ``parseIPv4``: the 16-byte form, or ``None``."""
    octets = bytearray()
    for i in range(4):
        if not s:
            return None
        if i > 0:
            if s[0] != ".":
                return None
            s = s[1:]
        n, c, ok = _dtoi(s)
        if not ok or n > 0xFF:
            return None
        if c > 1 and s[0] == "0":  # no leading zeros
            return None
        s = s[c:]
        octets.append(n)
    if s:
        return None
    return _V4_IN_V6_PREFIX + bytes(octets)


def _parse_ipv6(s: str) -> bytes | None:
    """Go ``parseIPv6`` (no zone): 16 bytes, or ``None``."""
    ip = bytearray(16)
    ellipsis = -1
    if len(s) >= 2 and s[0] == ":" and s[1] == ":":
        ellipsis = 0
        s = s[2:]
        if not s:
            return bytes(ip)
    i = 0
    while i < 16:
        n, c, ok = _xtoi(s)
        if not ok or n > 0xFFFF:
            return None
        if c < len(s) and s[c] == ".":  # the trailing IPv4 part
            if ellipsis < 0 and i != 12:
                return None
            if i + 4 > 16:
                return None
            ip4 = _parse_ipv4(s)
            if ip4 is None:
                return None
            ip[i : i + 4] = ip4[12:]
            s = ""
            i += 4
            break
        ip[i] = n >> 8
        ip[i + 1] = n & 0xFF
        i += 2
        s = s[c:]
        if not s:
            break
        if s[0] != ":" or len(s) == 1:
            return None
        s = s[1:]
        if s[0] == ":":
            if ellipsis >= 0:
                return None
            ellipsis = i
            s = s[1:]
            if not s:
                break
    if s:
        return None
    if i < 16:
        if ellipsis < 0:
            return None
        shift = 16 - i
        ip[ellipsis + shift : 16] = ip[ellipsis:i]
        ip[ellipsis : ellipsis + shift] = bytes(shift)
    elif ellipsis >= 0:
        return None  # the ellipsis must stand for at least one group
    return bytes(ip)


def _parse_ip(s: str) -> bytes | None:
    """Go ``net.ParseIP``: the 16-byte form of an IPv4 or IPv6 literal, else ``None``."""
    for c in s:
        if c == ".":
            return _parse_ipv4(s)
        if c == ":":
            return _parse_ipv6(s)
    return None


def _parse_ip_zone(s: str) -> bytes | None:
    """Go ``parseIPZone``, as ``net.LookupIP`` uses it: an IPv6 zone is allowed and dropped."""
    for c in s:
        if c == ".":
            return _parse_ipv4(s)
        if c == ":":
            i = s.rfind("%")
            return _parse_ipv6(s[:i] if i > 0 else s)
    return None


def _to4(ip: bytes) -> bytes | None:
    if len(ip) == 4:
        return ip
    if len(ip) == 16 and ip[:12] == _V4_IN_V6_PREFIX:
        return ip[12:]
    return None


def _to_address(ip: bytes) -> IPAddress:
    four = _to4(ip)
    if four is not None:
        return ipaddress.IPv4Address(four)
    return ipaddress.IPv6Address(ip)


@dataclass(frozen=True)
class _ParsedCIDR:
    #: The network as Python sees it: Go's IPNet.Contains and String() agree with it, given
    #: that IPv4-mapped addresses are treated as IPv4 (see _cidr_contains).
    network: NetIPNet
    #: Go's IPNet.String().
    string: str
    #: What Go compares to find a duplicate insecure range: IP.String() and Mask.String().
    key: tuple[bytes, bytes]


def _cidr_mask(ones: int, bits: int) -> bytes:
    value = ((1 << ones) - 1) << (bits - ones) if ones else 0
    return value.to_bytes(bits // 8, "big")


def _parse_cidr(s: str) -> _ParsedCIDR | None:
    """Go ``net.ParseCIDR``, then the network as the reference stores and prints it."""
    i = s.find("/")
    if i < 0:
        return None
    addr, mask = s[:i], s[i + 1 :]
    ip = _parse_ipv4(addr)
    bits = 32
    if ip is None:
        bits = 128
        ip = _parse_ipv6(addr)
    n, consumed, ok = _dtoi(mask)
    if ip is None or not ok or consumed != len(mask) or n > bits:
        return None
    mask_bytes = _cidr_mask(n, bits)
    source = ip[12:] if bits == 32 else ip
    masked = bytes(a & b for a, b in zip(source, mask_bytes, strict=True))
    four = _to4(masked)
    network: NetIPNet
    if four is not None:
        # An IPv4 range; or an IPv4-mapped IPv6 one (n >= 96), which Go prints and matches
        # as the IPv4 range of n - 96 bits.
        network = ipaddress.IPv4Network((four, n if bits == 32 else n - 96))
    else:
        network = ipaddress.IPv6Network((masked, n))
    key = (four if four is not None else masked, mask_bytes)
    return _ParsedCIDR(network=network, string=f"{_go_ip_string(masked)}/{network.prefixlen}",
                       key=key)


def _go_ip_string(ip: bytes) -> str:
    """Go ``IP.String()``."""
    four = _to4(ip)
    if four is not None:
        return ".".join(str(b) for b in four)
    groups = [(ip[k] << 8) | ip[k + 1] for k in range(0, 16, 2)]
    best_start, best_len = -1, 0
    k = 0
    while k < 8:
        if groups[k] == 0:
            run = k
            while run < 8 and groups[run] == 0:
                run += 1
            if run - k > best_len:
                best_start, best_len = k, run - k
            k = run
        else:
            k += 1
    if best_len < 2:
        return ":".join(f"{g:x}" for g in groups)
    head = ":".join(f"{g:x}" for g in groups[:best_start])
    tail = ":".join(f"{g:x}" for g in groups[best_start + best_len :])
    return f"{head}::{tail}"


# ---- net/url: Parse and URL.String ----------------------------------------------------------

_ENCODE_PATH, _ENCODE_PATH_SEGMENT, _ENCODE_HOST, _ENCODE_ZONE = 1, 2, 3, 4
_ENCODE_USER_PASSWORD, _ENCODE_QUERY_COMPONENT, _ENCODE_FRAGMENT = 5, 6, 7
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def _should_escape(c: int, mode: int) -> bool:
    if 0x61 <= c <= 0x7A or 0x41 <= c <= 0x5A or 0x30 <= c <= 0x39:
        return False
    if mode in (_ENCODE_HOST, _ENCODE_ZONE) and c in b"!$&'()*+,;=:[]<>\"":
        return False
    if c in b"-_.~":
        return False
    if c in b"$&+,/:;=?@":
        if mode == _ENCODE_PATH:
            return c == 0x3F
        if mode == _ENCODE_PATH_SEGMENT:
            return c in b"/;,?"
        if mode == _ENCODE_USER_PASSWORD:
            return c in b"@/?:"
        if mode == _ENCODE_QUERY_COMPONENT:
            return True
        if mode == _ENCODE_FRAGMENT:
            return False
    # The fragment leaves a few sub-delims alone; everything else is escaped.
    return not (mode == _ENCODE_FRAGMENT and c in b"!()*")


def _unescape(s: bytes, mode: int) -> bytes:
    n = 0
    has_plus = False
    i = 0
    while i < len(s):
        c = s[i]
        if c == 0x25:  # %
            n += 1
            if i + 2 >= len(s) or s[i + 1] not in _HEX_DIGITS or s[i + 2] not in _HEX_DIGITS:
                raise InvalidArgumentError(f"invalid URL escape {_go_quote(s[i : i + 3])}")
            # In a host, %-encoding is only for non-ASCII bytes, and %25 (RFC 6874).
            if mode == _ENCODE_HOST and int(s[i + 1 : i + 2], 16) < 8 and s[i : i + 3] != b"%25":
                raise InvalidArgumentError(f"invalid URL escape {_go_quote(s[i : i + 3])}")
            if mode == _ENCODE_ZONE:
                v = int(s[i + 1 : i + 3], 16)
                if s[i : i + 3] != b"%25" and v != 0x20 and _should_escape(v, _ENCODE_HOST):
                    raise InvalidArgumentError(f"invalid URL escape {_go_quote(s[i : i + 3])}")
            i += 3
        elif c == 0x2B:  # +
            has_plus = mode == _ENCODE_QUERY_COMPONENT
            i += 1
        else:
            if mode in (_ENCODE_HOST, _ENCODE_ZONE) and c < 0x80 and _should_escape(c, mode):
                raise InvalidArgumentError(
                    f"invalid character {_go_quote(s[i : i + 1])} in host name"
                )
            i += 1
    if n == 0 and not has_plus:
        return s
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == 0x25:
            out.append(int(s[i + 1 : i + 3], 16))
            i += 3
            continue
        if c == 0x2B and mode == _ENCODE_QUERY_COMPONENT:
            out.append(0x20)
        else:
            out.append(c)
        i += 1
    return bytes(out)


def _escape(s: bytes, mode: int) -> bytes:
    out = bytearray()
    for c in s:
        if c == 0x20 and mode == _ENCODE_QUERY_COMPONENT:
            out.append(0x2B)
        elif _should_escape(c, mode):
            out += b"%%%02X" % c
        else:
            out.append(c)
    return bytes(out)


def _valid_encoded(s: bytes, mode: int) -> bool:
    for c in s:
        if c in b"!$&'()*+,;=:@[]%":
            continue
        if _should_escape(c, mode):
            return False
    return True


@dataclass
class _Userinfo:
    username: bytes
    password: bytes = b""
    password_set: bool = False

    def string(self) -> bytes:
        out = _escape(self.username, _ENCODE_USER_PASSWORD)
        if self.password_set:
            out += b":" + _escape(self.password, _ENCODE_USER_PASSWORD)
        return out


@dataclass
class _GoURL:
    """Go's ``url.URL``, with every field as bytes."""

    scheme: bytes = b""
    opaque: bytes = b""
    user: _Userinfo | None = None
    host: bytes = b""
    path: bytes = b""
    raw_path: bytes = b""
    omit_host: bool = False
    force_query: bool = False
    raw_query: bytes = b""
    fragment: bytes = b""
    raw_fragment: bytes = b""

    def set_path(self, p: bytes) -> None:
        self.path = _unescape(p, _ENCODE_PATH)
        self.raw_path = b"" if _escape(self.path, _ENCODE_PATH) == p else p

    def set_fragment(self, f: bytes) -> None:
        self.fragment = _unescape(f, _ENCODE_FRAGMENT)
        self.raw_fragment = b"" if _escape(self.fragment, _ENCODE_FRAGMENT) == f else f

    def escaped_path(self) -> bytes:
        if self.raw_path and _valid_encoded(self.raw_path, _ENCODE_PATH):
            try:
                if _unescape(self.raw_path, _ENCODE_PATH) == self.path:
                    return self.raw_path
            except InvalidArgumentError:
                pass
        if self.path == b"*":
            return b"*"
        return _escape(self.path, _ENCODE_PATH)

    def escaped_fragment(self) -> bytes:
        if self.raw_fragment and _valid_encoded(self.raw_fragment, _ENCODE_FRAGMENT):
            try:
                if _unescape(self.raw_fragment, _ENCODE_FRAGMENT) == self.fragment:
                    return self.raw_fragment
            except InvalidArgumentError:
                pass
        return _escape(self.fragment, _ENCODE_FRAGMENT)

    def string(self) -> bytes:
        """Go ``URL.String()``."""
        buf = bytearray()
        if self.scheme:
            buf += self.scheme + b":"
        if self.opaque:
            buf += self.opaque
        else:
            has_authority = self.scheme or self.host or self.user is not None
            omitted = self.omit_host and not self.host and self.user is None
            if has_authority and not omitted:
                if self.host or self.path or self.user is not None:
                    buf += b"//"
                if self.user is not None:
                    buf += self.user.string() + b"@"
                if self.host:
                    buf += _escape(self.host, _ENCODE_HOST)
            path = self.escaped_path()
            if path and path[:1] != b"/" and self.host:
                buf += b"/"
            if not buf and b":" in path.partition(b"/")[0]:
                buf += b"./"
            buf += path
        if self.force_query or self.raw_query:
            buf += b"?" + self.raw_query
        if self.fragment:
            buf += b"#" + self.escaped_fragment()
        return bytes(buf)

    def string_text(self) -> str:
        return _from_bytes(self.string())


def _get_scheme(raw: bytes) -> tuple[bytes, bytes]:
    for i, c in enumerate(raw):
        if 0x61 <= c <= 0x7A or 0x41 <= c <= 0x5A:
            continue
        if 0x30 <= c <= 0x39 or c in b"+-.":
            if i == 0:
                return b"", raw
            continue
        if c == 0x3A:  # :
            if i == 0:
                raise InvalidArgumentError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return b"", raw
    return b"", raw


def _valid_optional_port(port: bytes) -> bool:
    if not port:
        return True
    if port[:1] != b":":
        return False
    return all(0x30 <= c <= 0x39 for c in port[1:])


def _parse_host(host: bytes) -> bytes:
    if host.startswith(b"["):
        i = host.rfind(b"]")
        if i < 0:
            raise InvalidArgumentError("missing ']' in host")
        colon_port = host[i + 1 :]
        if not _valid_optional_port(colon_port):
            raise InvalidArgumentError(f"invalid port {_go_quote(colon_port)} after host")
        zone = host[:i].find(b"%25")
        if zone >= 0:
            return (
                _unescape(host[:zone], _ENCODE_HOST)
                + _unescape(host[zone:i], _ENCODE_ZONE)
                + _unescape(host[i:], _ENCODE_HOST)
            )
    else:
        i = host.rfind(b":")
        if i != -1:
            colon_port = host[i:]
            if not _valid_optional_port(colon_port):
                raise InvalidArgumentError(f"invalid port {_go_quote(colon_port)} after host")
    return _unescape(host, _ENCODE_HOST)


_USERINFO_CHARS = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._:~!$&'()*+,;=%@"
)


def _parse_authority(authority: bytes) -> tuple[_Userinfo | None, bytes]:
    i = authority.rfind(b"@")
    host = _parse_host(authority if i < 0 else authority[i + 1 :])
    if i < 0:
        return None, host
    userinfo = authority[:i]
    if any(c not in _USERINFO_CHARS for c in userinfo):
        raise InvalidArgumentError("net/url: invalid userinfo")
    if b":" not in userinfo:
        return _Userinfo(_unescape(userinfo, _ENCODE_USER_PASSWORD)), host
    username, _, password = userinfo.partition(b":")
    return (
        _Userinfo(
            _unescape(username, _ENCODE_USER_PASSWORD),
            _unescape(password, _ENCODE_USER_PASSWORD),
            True,
        ),
        host,
    )


def _parse(raw: bytes) -> _GoURL:
    """Go ``url.parse(rawURL, viaRequest=false)``."""
    if any(c < 0x20 or c == 0x7F for c in raw):
        raise InvalidArgumentError("net/url: invalid control character in URL")
    url = _GoURL()
    if raw == b"*":
        url.path = b"*"
        return url
    scheme, rest = _get_scheme(raw)
    url.scheme = scheme.lower()
    if rest.endswith(b"?") and rest.count(b"?") == 1:
        url.force_query = True
        rest = rest[:-1]
    else:
        rest, _, url.raw_query = rest.partition(b"?")
    if not rest.startswith(b"/"):
        if url.scheme:
            url.opaque = rest  # a rootless path is opaque (RFC 3986)
            return url
        if b":" in rest.partition(b"/")[0]:
            raise InvalidArgumentError("first path segment in URL cannot contain colon")
    if (url.scheme or not rest.startswith(b"///")) and rest.startswith(b"//"):
        authority, rest = rest[2:], b""
        slash = authority.find(b"/")
        if slash >= 0:
            authority, rest = authority[:slash], authority[slash:]
        url.user, url.host = _parse_authority(authority)
    elif url.scheme and rest.startswith(b"/"):
        url.omit_host = True
    url.set_path(rest)
    return url


def _url_parse(raw: bytes) -> _GoURL:
    """Go ``url.Parse``; errors carry ``url.Error``'s text: ``parse "<url>": <reason>``."""
    head, _, frag = raw.partition(b"#")
    try:
        url = _parse(head)
    except InvalidArgumentError as exc:
        raise InvalidArgumentError(f"parse {_go_quote(head)}: {exc}") from exc
    if not frag:
        return url
    try:
        url.set_fragment(frag)
    except InvalidArgumentError as exc:
        raise InvalidArgumentError(f"parse {_go_quote(raw)}: {exc}") from exc
    return url
