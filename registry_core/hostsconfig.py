"""containerd's ``hosts.toml``: mirrors and per-host settings for any registry.

A port of containerd 1.6's ``remotes/docker/config`` (``ConfigureHosts`` with
``HostDirFromRoot``), reading TOML with :mod:`tomllib` where containerd uses go-toml 1.9.
:func:`configure_hosts` answers what containerd would try for a registry host, in its order:

* The host directory is ``<config_path>/<host>/``; for a host with a port,
  ``<config_path>/host_port_/`` is tried first; then ``<config_path>/_default/``. The first that
  exists is used. With none, the registry itself is the only host.
* In it, ``hosts.toml`` lists ``[host."..."]`` tables, tried in the order they appear, then the
  ``server`` (or the registry itself when there is none) last. Without ``hosts.toml`` (or with an
  empty one), the directory's certs.d-style files (``*.crt``, ``*.cert``/``*.key``) apply to the
  registry itself.
* A ``hosts.toml`` that does not parse, or that holds a value of the wrong kind, is logged (a
  warning naming the file and line) and the directory's certificate files are used instead, as
  containerd does. With ``strict=True`` it is a :class:`HostsFileError` naming the file and line
  instead (beyond containerd).
* CA files and client pairs are read and checked here; a missing or broken one is a
  :class:`HostsConfigError` with containerd's message.

The quirks are containerd's, kept on purpose so that one ``certs.d`` tree means the same to both
tools: a ``hosts.toml`` without any ``[host]`` table is ignored ("invalid `host` tree"); an
unknown capability voids the whole file; ``server = "HTTPS://x"`` is not recognised as a URL
(the check for a scheme is case-sensitive); the upstream's capabilities are always all three
when it has no ``server``.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import RegistryError
from .gocompat import from_bytes, go_quote, parse_ip, split_host_port, to_bytes, url_parse
from .gopath import GoPathError, go_clean, go_errno_text, go_join, read_file
from .gotoml import table_header_error
from .tlsconfig import TLSConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "CAPABILITIES",
    "DEFAULT_HOSTS_DIR",
    "HostConfig",
    "HostsConfigError",
    "HostsFileError",
    "configure_hosts",
    "host_directory",
    "is_localhost",
    "redact_userinfo",
]

log = logging.getLogger(__name__)

#: containerd's default ``config_path`` for registry hosts.
DEFAULT_HOSTS_DIR = "/etc/containerd/certs.d"

#: The capabilities, in the order containerd's flags have them.
CAPABILITIES = ("pull", "resolve", "push")


class HostsConfigError(RegistryError):
    """A host directory or the TLS material it names cannot be used (containerd fails the
    lookup too); the message is containerd's."""


class HostsFileError(HostsConfigError):
    """A ``hosts.toml`` that containerd would log and skip, in strict mode: names the file and,
    where it can be found, the line."""


@dataclass
class HostConfig:
    """One host containerd would try, with its settings (containerd's ``RegistryHost``).

    The attribute names are the interop vectors' field names; ``ca_files``, ``client_pairs``
    and ``root_ca_pems`` hold what a caller needs to build TLS (:meth:`tls_config`).
    """

    scheme: str = ""
    host: str = ""
    #: The API root on the host, ``/v2`` unless ``override_path`` or a path in the URL says so.
    path: str = ""
    #: A subset of :data:`CAPABILITIES`, in that order.
    capabilities: tuple[str, ...] = ()
    skip_verify: bool = False
    #: Headers to send, exactly as configured (names are not canonicalised); not in
    #: ``repr()``, since one may hold a secret.
    header: dict[str, list[str]] = field(default_factory=dict, repr=False)
    #: The CA files trusted on top of the system roots; ``None`` when none were configured
    #: (the system roots alone). An empty list still means "a pool was built".
    ca_files: list[str] | None = None
    #: ``(certificate file, key file)`` pairs; the key file is the certificate file when the
    #: configuration put both in one file.
    client_pairs: list[tuple[str, str]] = field(default_factory=list)
    #: The certificates loaded from ``ca_files`` (PEM), the ones Go's ``AppendCertsFromPEM``
    #: accepted.
    root_ca_pems: list[str] = field(default_factory=list, repr=False)
    #: Where this host came from: ``<dir>/hosts.toml [host."..."]``, ``<dir>/hosts.toml server``,
    #: ``<dir>`` (certificate files), or ``""`` for the registry itself with no configuration.
    source: str = ""

    @property
    def root_cas(self) -> bool:
        """Whether a CA pool was built for this host (the vectors' ``root_cas``)."""
        return self.ca_files is not None

    @property
    def client_certificates(self) -> int:
        """How many client key pairs were loaded."""
        return len(self.client_pairs)

    def tls_config(self) -> TLSConfig:
        """The TLS settings containerd would use for this host."""
        tls = TLSConfig()
        self.apply_tls(tls)
        return tls

    def apply_tls(self, tls: TLSConfig) -> None:
        """Add this host's ``skip_verify``, CAs and client key pairs to ``tls``: verification
        is only ever turned off, CAs and key pairs are added to those already there, and a
        ``ca`` setting with no certificate in it still makes a pool of its own."""
        if self.skip_verify:
            tls.insecure_skip_verify = True
        for pem in self.root_ca_pems:
            tls.add_root_ca(pem)
        if self.ca_files is not None and tls.root_cas is None:
            tls.root_cas = []
        for cert, key in self.client_pairs:
            tls.add_client_certificate(cert, key)


@dataclass
class _Raw:
    """containerd's private ``hostConfig``: a host before its TLS material is read."""

    scheme: str = ""
    host: str = ""
    path: str = ""
    capabilities: tuple[str, ...] = ()
    ca_files: list[str] | None = None
    client_pairs: list[tuple[str, str]] | None = None
    skip_verify: bool | None = None
    header: dict[str, list[str]] | None = None
    source: str = ""


class _FileError(Exception):
    """A problem with a hosts.toml that containerd logs; ``needle`` and ``key`` locate it."""

    def __init__(self, message: str, line: int | None = None, needle: str = "", key: str = ""):
        super().__init__(message)
        self.line = line
        self.needle = needle
        self.key = key


# ---- Go helpers ----------------------------------------------------------------------------


def _abs_path(p: str, base: str) -> str:
    """containerd's ``makeAbsPath``."""
    return p if p.startswith("/") else go_join(base, p)


def is_localhost(host: str) -> bool:
    """containerd's ``docker.IsLocalhost``: ``localhost`` or a loopback IP, port ignored."""
    split = split_host_port(host)
    if split is not None:
        host = split[0]
    if host == "localhost":
        return True
    ip = parse_ip(host)
    if ip is None:
        return False
    if ip[:10] == bytes(10) and ip[10:12] == b"\xff\xff":
        return ip[12] == 127
    return ip == bytes(15) + b"\x01"


_USERINFO = re.compile(r"\A((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)?[^/?#]*@")


def redact_userinfo(server: str) -> str:
    """``server`` for messages and ``origin``: user info (a password) replaced by ``***``."""
    return _USERINFO.sub(lambda m: (m.group(1) or "") + "***@", server, count=1)


def _go_value(value: Any) -> str:
    """Roughly Go's ``%v`` of a decoded TOML value, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_value(v)}" for k, v in value.items()) + "]"
    return str(value)


# ---- the host directory --------------------------------------------------------------------


def _host_dir_name(host: str) -> str:
    """containerd's ``hostDirectory``: ``host:port`` becomes ``host_port_``."""
    index = host.rfind(":")
    if index > 0:
        return host[:index] + "_" + host[index + 1 :] + "_"
    return host


def host_directory(config_path: str | os.PathLike[str], host: str) -> str | None:
    """The host directory containerd uses for ``host`` (``HostDirFromRoot``), or ``None``.

    Beyond containerd, a host that could name anything but a child of ``config_path`` (empty,
    ``.``, ``..``, or holding ``/`` or NUL) is refused.

    :raises HostsConfigError: a bad host, or a candidate that cannot be checked (permission).
    """
    if host in ("", ".", "..") or "/" in host or "\x00" in host:
        raise HostsConfigError(f"invalid registry host for a hosts directory: {host!r}")
    root = os.fspath(config_path)
    candidates = []
    underscored = _host_dir_name(host)
    if underscored != host:
        candidates.append(go_join(root, underscored))
    candidates += [go_join(root, host), go_join(root, "_default")]
    for candidate in candidates:
        try:
            os.stat(candidate)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise HostsConfigError(f"stat {candidate}: {go_errno_text(exc)}") from None
        return candidate
    return None


def _load_host_dir(directory: str, strict: bool) -> list[_Raw]:
    path = go_join(directory, "hosts.toml")
    try:
        data = read_file(path)
    except GoPathError as exc:
        if exc.errno != errno.ENOENT:
            raise HostsConfigError(str(exc)) from None
        data = b""
    if not data:
        return _load_cert_files(directory)
    try:
        return _parse_hosts_file(directory, path, data)
    except _FileError as exc:
        line = exc.line or _locate(data, exc.needle, exc.key)
        where = f"{path}: line {line}" if line else path
        if strict:
            raise HostsFileError(f"{where}: {exc}") from None
        _warn_once(where, str(exc), directory, _file_state(path))
        return _load_cert_files(directory)


def _file_state(path: str) -> tuple[int, int]:
    """What tells one version of a file from the next: its mtime (ns) and size."""
    try:
        status = os.stat(path)
    except OSError:
        return (0, 0)
    return (status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=1024)
def _warn_once(where: str, problem: str, directory: str, state: tuple[int, int]) -> None:
    """Log a broken hosts.toml once per file and file state in this process: every endpoint
    lookup reads the file again, and a long-running program (or a CLI command doing several
    lookups) would otherwise repeat the same warning each time. A changed file (new mtime or
    size) is told again. Beyond containerd, which logs on every read."""
    del state  # part of the cache key only
    log.warning(
        "ignoring %s: %s; using the certificate files of %s instead, as containerd does",
        where, problem, directory,
    )


def _load_cert_files(directory: str) -> list[_Raw]:
    """containerd's ``loadCertFiles``: ``*.crt`` CAs and ``*.cert``/``*.key`` pairs."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: os.fsencode(e.name))
    except FileNotFoundError:
        entries = []
    except OSError as exc:
        raise HostsConfigError(f"open {directory}: {go_errno_text(exc)}") from None
    host = _Raw(source=directory)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            continue
        name = entry.name
        if name.endswith(".crt"):
            host.ca_files = (host.ca_files or []) + [go_join(directory, name)]
        if name.endswith(".cert"):
            key_file = go_join(directory, name[: -len(".cert")] + ".key")
            try:
                os.stat(key_file)
                key = key_file
            except FileNotFoundError:
                key = ""
            except OSError as exc:
                raise HostsConfigError(f"stat {key_file}: {go_errno_text(exc)}") from None
            host.client_pairs = (host.client_pairs or []) + [(go_join(directory, name), key)]
    return [host]


# ---- hosts.toml ----------------------------------------------------------------------------

_BOMS = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
# A local date (not a date-time) in value position followed by anything but a space.
_GO_TOML_BAD_DATE = re.compile(r"[=\[,{][ \t]*(\d{4}-\d{2}-\d{2})(?=[^ Tt\d:.])")


def _parse_toml(data: bytes) -> dict[str, Any]:
    for bom in _BOMS:  # go-toml's LoadBytes drops a leading byte-order mark
        if data.startswith(bom):
            data = data[len(bom) :]
            break
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _FileError(f"failed to parse TOML: invalid UTF-8 at byte {exc.start}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        raise _FileError(
            f"failed to parse TOML: {exc}", line=int(found.group(1)) if found else None
        ) from None
    header = table_header_error(text)
    if header is not None:
        # go-toml 1.9 reads a table header up to its first ']', quotes or not
        # (registry_core.gotoml); containerd then ignores the file, so registry-core does too.
        raise _FileError(f"failed to parse TOML: go-toml cannot read this table header: "
                         f"{header[0]}", line=header[1])
    bad_date = _GO_TOML_BAD_DATE.search(text)
    if bad_date is not None:
        # go-toml 1.9 reads a local date only when a space or the end of the file follows
        # it; containerd then ignores the file, so registry-core does too.
        raise _FileError(
            f"failed to parse TOML: go-toml cannot read the local date {bad_date.group(1)} "
            "unless a space follows it",
            line=text.count("\n", 0, bad_date.start(1)) + 1,
        )
    return document


def _go_toml_get(table: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    """go-toml's field lookup: the tag, lower-cased, upper-cased, first letter lowered."""
    for key in (name, name.lower(), name.upper(), name[:1].lower() + name[1:]):
        if key in table:
            return True, table[key]
    return False, None


def _field(table: Mapping[str, Any], name: str, kind: str, needle: str) -> Any:
    found, value = _go_toml_get(table, name)
    if not found:
        return None
    ok = {
        "string": isinstance(value, str),
        "bool": type(value) is bool,
        "strings": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "table": isinstance(value, dict),
        "any": True,
    }[kind]
    if not ok:
        raise _FileError(f"cannot use {_go_value(value)} as {name} ({kind})", needle=needle,
                         key=name)
    return value


def _parse_hosts_file(base: str, path: str, data: bytes) -> list[_Raw]:
    """containerd's ``parseHostsFile``."""
    tree = _parse_toml(data)
    hosts_table = tree.get("host")
    if not isinstance(hosts_table, dict):
        raise _FileError("invalid `host` tree")
    if len(hosts_table) > 1 and not all(isinstance(v, dict) for v in hosts_table.values()):
        # containerd's sort of the host tables would panic here.
        raise _FileError("invalid `host` tree: every entry must be a table", key="host")
    root = tree
    found, embedded = _go_toml_get(tree, "HostFileConfig")
    if found:  # go-toml fills the embedded struct from a table of that name when one exists
        if not isinstance(embedded, dict):
            raise _FileError("cannot use HostFileConfig as a table", key="HostFileConfig")
        root = embedded
    root_config = _host_file_config(root, "")
    server = _field(tree, "server", "string", "") or ""
    found, configs = _go_toml_get(tree, "host")
    if not isinstance(configs, dict):
        raise _FileError("cannot use host as a table", key="host")
    for name, config in configs.items():
        if not isinstance(config, dict):
            raise _FileError(f"cannot use host {go_quote(name)} as a table", needle=name)
    hosts = []
    for name in hosts_table:
        config = _host_file_config(configs.get(name, {}), name)
        source = f"{path} [host.{go_quote(redact_userinfo(name))}]"
        hosts.append(_parse_host_config(name, base, config, source))
    hosts.append(_parse_host_config(server, base, root_config, path))
    return hosts


def _host_file_config(table: Mapping[str, Any], needle: str) -> dict[str, Any]:
    """containerd's ``hostFileConfig``, typed as go-toml's Unmarshal would type it."""
    return {
        "capabilities": _field(table, "capabilities", "strings", needle),
        "ca": _field(table, "ca", "any", needle),
        "client": _field(table, "client", "any", needle),
        "skip_verify": _field(table, "skip_verify", "bool", needle),
        "header": _field(table, "header", "table", needle),
        "override_path": bool(_field(table, "override_path", "bool", needle)),
    }


def _string_slice(values: Sequence[Any], needle: str, key: str) -> list[str]:
    out = []
    for value in values:
        if not isinstance(value, str):
            raise _FileError(f"unable to cast {_go_value(value)} to string", needle=needle,
                             key=key)
        out.append(value)
    return out


def _parse_host_config(server: str, base: str, config: Mapping[str, Any], source: str) -> _Raw:
    """containerd's ``parseHostConfig``."""
    result = _Raw(source=source)
    needle = server
    override = config["override_path"]
    if server:
        if not server.startswith("http"):
            server = "https://" + server
        try:
            url = url_parse(to_bytes(server))
        except RegistryError as exc:
            shown = redact_userinfo(server)
            raise _FileError(
                f"unable to parse server {shown}: {str(exc).replace(server, shown)}",
                needle=needle,
            ) from None
        result.scheme = from_bytes(url.scheme)
        result.host = from_bytes(url.host)
        url_path = from_bytes(url.path)
        if url_path:
            url_path = go_clean(url_path)
            if not url_path.endswith("/v2") and not override:
                url_path += "/v2"
        elif not override:
            url_path = "/v2"
        result.path = url_path
    result.skip_verify = config["skip_verify"]
    capabilities = config["capabilities"]
    if capabilities:
        wanted = set()
        for capability in capabilities:
            lowered = capability.lower()
            if lowered not in CAPABILITIES:
                raise _FileError(f"unknown capability {capability}", needle=needle,
                                 key="capabilities")
            wanted.add(lowered)
        result.capabilities = tuple(c for c in CAPABILITIES if c in wanted)
    else:
        result.capabilities = CAPABILITIES
    ca = config["ca"]
    if ca is not None:
        if isinstance(ca, str):
            result.ca_files = [_abs_path(ca, base)]
        elif isinstance(ca, list):
            result.ca_files = [_abs_path(p, base) for p in _string_slice(ca, needle, "ca")]
        else:
            raise _FileError(f'invalid type {_go_value(ca)} for "ca"', needle=needle, key="ca")
    client = config["client"]
    if client is not None:
        if isinstance(client, str):
            result.client_pairs = [(_abs_path(client, base), "")]
        elif isinstance(client, list):
            pairs: list[tuple[str, str]] = []
            for item in client:
                if isinstance(item, str):
                    pairs.append((_abs_path(item, base), ""))
                elif isinstance(item, list):
                    files = [_abs_path(p, base) for p in _string_slice(item, needle, "client")]
                    if len(files) != 2:
                        raise _FileError(f'invalid pair {_go_value(item)} for "client"',
                                         needle=needle, key="client")
                    pairs.append((files[0], files[1]))
                else:
                    raise _FileError(f'invalid type {type(item).__name__} for "client"',
                                     needle=needle, key="client")
            result.client_pairs = pairs or None
        else:
            raise _FileError(f'invalid type {_go_value(client)} for "client"', needle=needle,
                             key="client")
    header = config["header"]
    if header is not None:
        headers: dict[str, list[str]] = {}
        for key, value in header.items():
            if isinstance(value, str):
                headers[key] = [value]
            elif isinstance(value, list):
                headers[key] = _string_slice(value, needle, "header")
            else:
                raise _FileError(f"invalid type {_go_value(value)} for header {go_quote(key)}",
                                 needle=needle, key="header")
        result.header = headers
    return result


def _locate(data: bytes, needle: str, key: str) -> int | None:
    """The line of a hosts.toml entry: the first line holding ``needle`` (a host), then the
    first line from there starting with ``key``; ``None`` when neither is found."""
    lines = data.decode("utf-8", "replace").splitlines()
    start = 0
    if needle:
        start = next((i for i, line in enumerate(lines) if needle in line), -1)
        if start < 0:
            return None
    if key:
        for i in range(start, len(lines)):
            stripped = lines[i].lstrip().lstrip('"').lower()
            if stripped.startswith(key.lower()) or (needle and f"{key} " in lines[i]):
                return i + 1
    return start + 1 if needle else None


# ---- TLS material --------------------------------------------------------------------------


def _load_tls(raw: _Raw) -> tuple[list[str], list[tuple[str, str]]]:
    """Read the CA files and client pairs as ``ConfigureHosts`` does, with its messages."""
    pems: list[str] = []
    for ca_file in raw.ca_files or []:
        try:
            data = read_file(ca_file)
        except OSError as exc:
            raise HostsConfigError(f"unable to read CA cert {go_quote(ca_file)}: {exc}") from None
        from .gotls import append_certs_from_pem  # cryptography only when a CA is read

        found = append_certs_from_pem(data)
        if not found:
            raise HostsConfigError(f"unable to load CA cert {go_quote(ca_file)}")
        pems.extend(found)
    pairs: list[tuple[str, str]] = []
    for cert_file, key_file in raw.client_pairs or []:
        try:
            cert_pem = read_file(cert_file)
        except OSError as exc:
            raise HostsConfigError(
                f"unable to read CERT file {go_quote(cert_file)}: {exc}"
            ) from None
        if key_file:
            try:
                key_pem = read_file(key_file)
            except OSError as exc:
                raise HostsConfigError(
                    f"unable to read CERT file {go_quote(key_file)}: {exc}"
                ) from None
        else:
            key_pem = cert_pem
        from .gotls import x509_key_pair  # cryptography only when a pair is read

        try:
            x509_key_pair(cert_pem, key_pem)
        except ValueError as exc:
            raise HostsConfigError(f"failed to load X509 key pair: {exc}") from None
        pairs.append((cert_file, key_file or cert_file))
    return pems, pairs


# ---- the lookup ----------------------------------------------------------------------------


def configure_hosts(
    host: str, config_path: str | os.PathLike[str], *, strict: bool = False
) -> list[HostConfig]:
    """The hosts containerd tries for registry ``host``, in its order (``ConfigureHosts``).

    :param host: the registry host as in an image reference (``docker.io``,
        ``registry.example.com:5000``).
    :param config_path: containerd's ``config_path``: the directory holding one directory per
        host (``/etc/containerd/certs.d``).
    :param strict: raise :class:`HostsFileError` for a broken ``hosts.toml`` instead of
        logging it and using the directory's certificate files (containerd's behaviour).
    :raises HostsConfigError: containerd's errors: an unreadable ``hosts.toml``, a CA file or
        client pair that is missing or does not load.
    """
    raws: list[_Raw] | None = None
    directory = host_directory(config_path, host)
    if directory is not None:
        log.debug("loading host directory %s", directory)
        raws = _load_host_dir(directory, strict)
    if raws is None:
        raws = [_Raw()]
    if raws and raws[-1].host == "":
        last = raws[-1]
        if host == "docker.io":
            last.scheme, last.host = "https", "registry-1.docker.io"
        elif is_localhost(host):
            last.scheme, last.host, last.skip_verify = "http", host, True
        else:
            last.scheme, last.host = "https", host
        last.path = "/v2"
        last.capabilities = CAPABILITIES
    hosts = []
    for raw in raws:
        pems: list[str] = []
        pairs: list[tuple[str, str]] = []
        if raw.ca_files is not None or raw.client_pairs is not None:
            pems, pairs = _load_tls(raw)
        hosts.append(
            HostConfig(
                scheme=raw.scheme,
                host=raw.host,
                path=raw.path,
                capabilities=raw.capabilities,
                skip_verify=bool(raw.skip_verify),
                header=dict(raw.header or {}),
                ca_files=None if raw.ca_files is None else list(raw.ca_files),
                client_pairs=pairs,
                root_ca_pems=pems,
                source=raw.source,
            )
        )
    return hosts
