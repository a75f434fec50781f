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

Host names are resolved only to match them against CIDR ranges (``insecure-registries``,
``allow-nondistributable-artifacts``). The resolver is a parameter everywhere
(``lookup_ip``): a function from a host name to its addresses, where an empty list or an
:class:`OSError`/:class:`ValueError` means "does not resolve", as a failed ``net.LookupIP`` does
in the reference. :func:`default_lookup_ip` asks the system.
"""

from __future__ import annotations

import dataclasses
import ipaddress
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
from .gocompat import (
    GoURL,
    Userinfo,
    from_bytes,
    go_atoi,
    go_quote,
    parse_cidr,
    parse_ip,
    parse_ip_zone,
    split_host_port,
    to_address,
    to_bytes,
    url_parse,
)
from .gojson import JSONObject, json_decode, json_field, json_kind
from .redact import MASK, mask_userinfo
from .reference import DOMAIN_REGEXP, Named, domain, familiar_name, trim_named
from .safefile import read_small_file
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


#: The largest daemon.json read; real ones are a few kilobytes.
MAX_DAEMON_CONFIG_SIZE = 1 << 20

#: daemon.json key → :class:`ServiceOptions` field.
_DAEMON_JSON_KEYS = {
    "allow-nondistributable-artifacts": "allow_nondistributable_artifacts",
    "registry-mirrors": "mirrors",
    "insecure-registries": "insecure_registries",
}


@dataclass
class ServiceOptions:
    """The daemon's registry options (Go ``registry.ServiceOptions``).

    Each field is a daemon.json key: ``allow-nondistributable-artifacts``,
    ``registry-mirrors`` and ``insecure-registries``.
    """

    allow_nondistributable_artifacts: list[str] = field(default_factory=list)
    mirrors: list[str] = field(default_factory=list)
    insecure_registries: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Refuse a value that is not a list of strings here, where the caller made it,
        rather than as a :class:`TypeError` when the options are loaded. Any iterable of
        strings is taken (and kept as a list); ``None``, a number, a bare string and
        entries that are not strings raise :class:`InvalidRegistryOptionError`."""
        for key, attr in _DAEMON_JSON_KEYS.items():
            setattr(self, attr, _entries(key, getattr(self, attr)))

    @classmethod
    def from_daemon_json(cls, data: Mapping[str, Any] | None) -> ServiceOptions:
        """Read the registry options out of a parsed daemon.json.

        As Go's JSON decoder does: other keys are ignored; a key matches its option without
        regard to case, by Go's folding rules (``Registry-Mirrors``, and ``inſecure-registries``
        with a long s, both match; see :func:`registry_core.gojson.json_field`); when a key
        appears twice the last one wins, and a bad value is an error even if a later member
        replaces it (pass a :class:`~registry_core.gojson.JSONObject` to keep duplicates);
        ``null`` for the whole document means no options, for an option an empty list, and
        for an entry ``""``. A value of the wrong type raises
        :class:`InvalidRegistryOptionError` with the decoder's message, e.g. ``json: cannot
        unmarshal string into Go struct field ServiceOptions.registry-mirrors of type
        []string``; the first bad value in document order is the one reported.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise InvalidRegistryOptionError(
                f"json: cannot unmarshal {json_kind(data)} into Go value of type "
                "registry.ServiceOptions"
            )
        pairs = data.pairs if isinstance(data, JSONObject) else list(data.items())
        values: dict[str, list[str]] = {}
        error: InvalidRegistryOptionError | None = None
        for key, value in pairs:
            name = json_field(str(key), _DAEMON_JSON_KEYS)
            if name is None:
                continue
            try:
                items = _string_list(name, value)
            except InvalidRegistryOptionError as exc:
                error = error or exc  # Go goes on decoding and reports the first error
                continue
            values[_DAEMON_JSON_KEYS[name]] = items
        if error is not None:
            raise error
        return cls(**values)

    @classmethod
    def from_daemon_config_file(cls, path: str | os.PathLike[str]) -> ServiceOptions:
        """Read the registry options from the daemon.json at ``path``.

        The file is read as the daemon reads it (``json.NewDecoder(file).Decode``): only its
        first JSON value counts, so what follows it is ignored, and a file holding only
        ``null`` means no options. The message of an error names the file, as the daemon's
        does, followed by Go's text: ``EOF`` for an empty file, ``unexpected EOF`` for one cut
        short, ``invalid character 'x' looking for beginning of value`` and the like for bad
        syntax, ``json: cannot unmarshal number 1e400 into Go value of type float64`` for a
        number a float64 cannot hold (the daemon's first pass decodes the whole file into a
        map), then the type errors of :meth:`from_daemon_json`, which name
        ``ServiceOptions`` where the daemon's second pass names its ``Config``.

        Beyond the reference, the file must be a regular file of at most
        :data:`MAX_DAEMON_CONFIG_SIZE` bytes: a FIFO, a device or a directory is refused at
        once instead of blocking or reading without end (see
        :func:`registry_core.safefile.read_small_file`).

        :raises InvalidRegistryOptionError: the file cannot be read, is not a regular file,
            is too large, is not JSON, or holds a value of the wrong type.
        """
        prefix = f"unable to configure the Docker daemon with file {os.fspath(path)}"
        try:
            raw = read_small_file(path, MAX_DAEMON_CONFIG_SIZE)
        except OSError as exc:
            raise InvalidRegistryOptionError(f"{prefix}: {exc.strerror or exc}") from exc
        try:
            data = json_decode(raw)
        except InvalidArgumentError as exc:
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
    """A ``[]string`` option as Go decodes it: ``null`` sets it to nil (empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRegistryOptionError(
            f"json: cannot unmarshal {json_kind(value)} into Go struct field "
            f"ServiceOptions.{key} of type []string"
        )
    out = []
    error: InvalidRegistryOptionError | None = None
    for item in value:
        if isinstance(item, str):
            out.append(item)
            continue
        out.append("")  # Go leaves a null (or badly typed) element as the zero value, ""
        if item is not None and error is None:
            error = InvalidRegistryOptionError(
                f"json: cannot unmarshal {json_kind(item)} into Go struct field "
                f"ServiceOptions.{key} of type string"
            )
    if error is not None:
        raise error
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
    query). A password never appears in the error: it is shown as ``xxxxx``. Beyond the
    reference, which masks it only in its message about credentials, that holds for every
    message, a URL that does not parse included.

    :raises InvalidMirrorError: with the reference's message.
    """
    if not isinstance(val, str):
        raise InvalidMirrorError(f"invalid mirror: must be a string, not {type(val).__name__}")
    uri, cause = _parse_masked(val)
    if uri is None:
        # Raised outside the parser's except clause, so that error (whose text holds the
        # password) is not even the implicit context of ours.
        raise InvalidMirrorError(
            f"invalid mirror: {mask_userinfo(go_quote(val))} is not a valid URI"
        ) from cause
    shown = _masked(uri)
    if uri.scheme not in (b"http", b"https"):
        raise InvalidMirrorError(
            f"invalid mirror: unsupported scheme {go_quote(uri.scheme)} "
            f"in {go_quote(shown.string())}"
        )
    if (uri.path not in (b"", b"/")) or uri.raw_query or uri.fragment:
        raise InvalidMirrorError(
            "invalid mirror: path, query, or fragment at end of the URI "
            f"{go_quote(shown.string())}"
        )
    if uri.user is not None:
        uri.user = Userinfo(uri.user.username, MASK.encode(), True)  # strip the password
        raise InvalidMirrorError(
            f"invalid mirror: username/password not allowed in URI {go_quote(uri.string())}"
        )
    return val.removesuffix("/") + "/"


def _masked(uri: GoURL) -> GoURL:
    """``uri`` with its password, if it has one, replaced by the reference's mask."""
    if uri.user is None or not uri.user.password_set:
        return uri
    return dataclasses.replace(uri, user=Userinfo(uri.user.username, MASK.encode(), True))


def _parse_masked(text: str) -> tuple[GoURL | None, InvalidArgumentError | None]:
    """``text`` parsed as Go's ``url.Parse``; or ``None`` and the parser's error with any
    password in its text masked, to chain as the cause (a traceback prints it too)."""
    try:
        return url_parse(to_bytes(text)), None
    except InvalidArgumentError as exc:
        return None, InvalidArgumentError(mask_userinfo(str(exc)))


def validate_no_scheme(name: str) -> None:
    """Refuse a repository name or search term that holds a scheme (``://``).

    :raises InvalidRepositoryNameError: the reference's ``ErrInvalidRepositoryName``.
    """
    if "://" in name:
        raise InvalidRepositoryNameError()


def _validate_host_port(s: str) -> str | None:
    """Go ``validateHostPort``: ``None`` when ``s`` is a valid ``host[:port]``, else the
    error's text."""
    split = split_host_port(s)
    host, port = split if split is not None else (s, "")
    # If the host:port pattern does not match, it may be IPv6:port, which ParseIP catches.
    if DOMAIN_REGEXP.fullmatch(s) is None and parse_ip(host) is None:
        return f"invalid host {go_quote(host)}"
    if port != "":
        try:
            value = go_atoi(port)
        except InvalidArgumentError as exc:
            return str(exc)
        if value < 0 or value > 65535:
            return f"invalid port {go_quote(port)}"
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


def _entries(option: str, values: Iterable[str]) -> list[str]:
    """The entries of one option, refusing what would silently mean something else (a bare
    string is iterable too: ``"myreg"`` would become five one-letter registries), and what
    is not a list at all (``None``, a number) with a typed error rather than a
    :class:`TypeError`."""
    if isinstance(values, (str, bytes)):
        raise InvalidRegistryOptionError(f"{option} must be a list of strings, not a string")
    if isinstance(values, Mapping) or not isinstance(values, Iterable):
        raise InvalidRegistryOptionError(
            f"{option} must be a list of strings, not {type(values).__name__}"
        )
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
    """Resolve ``host`` as Go's ``net.LookupIP`` does; ``[]`` when it does not resolve.

    The system resolver (``getaddrinfo``) is asked only about names Go would send to DNS,
    because it reads some names differently, and a difference here decides whether a
    registry is secure:

    * a name holding a NUL character resolves to nothing (the C resolver would stop at the
      NUL and resolve ``127.0.0.1\\x00evil`` as ``127.0.0.1``; Go's lookup of such a name
      fails);
    * a name with a non-ASCII character resolves to nothing: Python would IDNA-encode it
      first, which drops zero-width characters and soft hyphens and maps full-width letters
      to ASCII (``localhost\\u200b`` and ``ｌｏｃａｌｈｏｓｔ`` would become ``localhost``), while
      Go looks the name up as it is and finds nothing (it is not a valid DNS name);
    * a name Go parses as an IP literal (:func:`~registry_core.gocompat.parse_ip_zone`: an
      IPv6 zone is allowed and dropped) is that address, without asking anyone;
    * a name ``getaddrinfo`` reads as a numeric address but Go does not
      (``127.1``, ``127.0.0.01``, ``0177.0.0.1``, ``0x7f.1``, ``2130706433``: the BSD
      ``inet_aton`` forms) resolves to nothing. Go does not parse these as addresses and
      sends them to DNS as names, where they do not exist (the C resolver never even asks
      DNS about them, since to it they are addresses), so Go's lookup fails and such a host
      matches no insecure range; here it would otherwise be read as ``127.0.0.1`` and made
      insecure (verification off, plain http allowed). This is checked with
      ``AI_NUMERICHOST``, which never touches the network;
    * any other name goes to ``getaddrinfo`` (``/etc/hosts``, then DNS).
    """
    if "\x00" in host or not host.isascii():
        return []
    literal = parse_ip_zone(host)
    if literal is not None:
        return [to_address(literal)]
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (OSError, ValueError):  # not numeric (gaierror), or not encodable (UnicodeError)
        pass
    else:
        return []  # numeric to the C resolver, a name to Go: see above
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
    literal = parse_ip_zone(host)
    if literal is not None:
        return [to_address(literal)]
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
    split = split_host_port(url_host)
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
    return GoURL(scheme=to_bytes(scheme), host=to_bytes(host)).string_text()


def mirror_endpoint_url(mirror: str) -> tuple[str, str]:
    """The URL string and the host of a configured (validated) mirror's endpoint.

    As the reference, a mirror that does not start with ``http://`` or ``https://`` (in lower
    case) gets ``https://`` in front, so ``HTTPS://m.example.com/`` becomes
    ``https://HTTPS://m.example.com/``, whose host is ``HTTPS:``.

    :raises InvalidMirrorError: the result does not parse (Go's ``url.Error`` text, e.g.
        ``parse "https://https:x/": invalid port ":x" after host``, with any password
        masked as ``xxxxx``).
    """
    if not mirror.startswith(("http://", "https://")):
        mirror = "https://" + mirror
    uri, cause = _parse_masked(mirror)
    if uri is None:
        raise InvalidMirrorError(str(cause)) from cause
    return uri.string_text(), from_bytes(uri.host)
