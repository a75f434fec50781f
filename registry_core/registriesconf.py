"""containers' ``registries.conf``: prefixes, rewritten locations, mirrors, blocked registries.

A port of containers/image 5.23's ``pkg/sysregistriesv2`` (``FindRegistry``,
``PullSourcesFromReference`` and the loading behind them), reading TOML with :mod:`tomllib`
where containers/image uses BurntSushi/toml 1.2. Answers and error texts are the reference's
(after ``toml:`` the parse error's wording is tomllib's):

* ``[[registry]]`` tables with ``prefix``, ``location``, ``insecure``, ``blocked``,
  ``mirror-by-digest-only`` and ``[[registry.mirror]]`` (``location``, ``insecure``,
  ``pull-from-mirror``); the v1 format (``[registries.search]``, ``.insecure``, ``.block``) is
  converted as containers/image converts it.
* The longest matching prefix wins; ``*.example.com`` matches sub-domains; the reference is
  rewritten from the prefix to the location.
* Drop-ins (``*.conf`` in the drop-in directories, in name order) replace registries with the
  same prefix.
* Keys are matched as BurntSushi/toml matches them (exactly, else ignoring case); unknown keys
  are ignored.

The reference's quirks are kept: a mirror location's trailing ``/`` is not trimmed (so
``m.io/`` fails when a reference is rewritten to it), and a prefix may match
``example.com:5000`` for ``example.com``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import RegistryError
from .gocompat import go_quote
from .gojson import json_field
from .reference import (
    DOMAIN_REGEXP,
    Canonical,
    Digested,
    Named,
    Tagged,
    parse,
    parse_named,
    parse_normalized_named,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "SYSTEM_REGISTRIES_CONF",
    "SYSTEM_REGISTRIES_CONF_DIR",
    "USER_REGISTRIES_CONF",
    "USER_REGISTRIES_CONF_DIR",
    "Endpoint",
    "PullSource",
    "RegistriesConfFiles",
    "RegistriesConfError",
    "Registry",
    "default_search",
    "find_registry",
    "load_registries_conf",
]

#: containers/image's system-wide file and drop-in directory.
SYSTEM_REGISTRIES_CONF = "/etc/containers/registries.conf"
SYSTEM_REGISTRIES_CONF_DIR = "/etc/containers/registries.conf.d"
#: The per-user file and drop-in directory, relative to the home directory.
USER_REGISTRIES_CONF = ".config/containers/registries.conf"
USER_REGISTRIES_CONF_DIR = ".config/containers/registries.conf.d"

_MIRROR_ALL, _MIRROR_DIGEST_ONLY, _MIRROR_TAG_ONLY = "all", "digest-only", "tag-only"
_ANCHORED_DOMAIN = re.compile(rf"\A(?:{DOMAIN_REGEXP.pattern})\Z")
_TOML_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)")


class RegistriesConfError(RegistryError):
    """registries.conf could not be loaded or used; the text is containers/image's."""


@dataclass
class Endpoint:
    """A remote location of a registry (Go ``Endpoint``)."""

    location: str = ""
    insecure: bool = False
    #: ``"all"``, ``"digest-only"``, ``"tag-only"`` or ``""`` (mirrors only).
    pull_from_mirror: str = ""


@dataclass
class PullSource:
    """Where to pull from, and the reference as rewritten for that place (Go ``PullSource``)."""

    location: str
    insecure: bool
    reference: Named
    #: Whether this source is one of the registry's mirrors (all but the last source).
    mirror: bool = False


@dataclass
class Registry:
    """One ``[[registry]]`` (Go ``Registry``), after loading: prefix and location trimmed."""

    prefix: str = ""
    location: str = ""
    insecure: bool = False
    blocked: bool = False
    mirror_by_digest_only: bool = False
    mirrors: list[Endpoint] = field(default_factory=list)
    pull_from_mirror: str = ""
    #: The file this registry was read from (for messages and ``origin``).
    source: str = ""

    def pull_sources(self, reference: str | Named) -> list[PullSource]:
        """The places to pull ``reference`` from, mirrors first (Go
        ``PullSourcesFromReference``); a string must be canonical (``ParseNamed``).

        :raises RegistriesConfError: a location that the reference cannot be rewritten to.
        :raises InvalidReferenceError: ``reference`` is a string that does not parse.
        """
        ref = parse_named(reference) if isinstance(reference, str) else reference
        digested = isinstance(ref, Canonical) or (isinstance(ref, Named)
                                                  and isinstance(ref, Digested))
        chosen: list[tuple[Endpoint, bool]] = []
        if self.mirror_by_digest_only:
            if digested:
                chosen += [(m, True) for m in self.mirrors]
        else:
            for mirror in self.mirrors:
                if mirror.pull_from_mirror == _MIRROR_DIGEST_ONLY and not digested:
                    continue
                if mirror.pull_from_mirror == _MIRROR_TAG_ONLY and digested:
                    continue
                chosen.append((mirror, True))
        chosen.append((Endpoint(self.location, self.insecure, self.pull_from_mirror), False))
        return [
            PullSource(ep.location, ep.insecure, _rewrite(ep, ref, self.prefix), is_mirror)
            for ep, is_mirror in chosen
        ]


def _rewrite(endpoint: Endpoint, ref: Named, prefix: str) -> Named:
    """Go ``Endpoint.rewriteReference``."""
    text = str(ref)
    length = _matching_prefix(text, prefix)
    if length == -1:
        raise RegistriesConfError(f"invalid prefix '{prefix}' for reference '{text}'")
    if endpoint.location == "":
        if not prefix.startswith("*."):
            raise RegistriesConfError(
                f"invalid prefix '{prefix}' for empty location, should be in the format: "
                "*.example.com"
            )
        return ref
    try:
        return parse_named(endpoint.location + text[length:])
    except RegistryError as exc:
        raise RegistriesConfError(f"rewriting reference: {exc}") from None


def _matching_prefix(ref: str, prefix: str) -> int:
    """Go ``refMatchingPrefix`` (with ``refMatchingSubdomainPrefix``)."""
    if prefix.startswith("*."):
        index = ref.find(prefix[1:])
        if index == -1 or "/" in ref[:index]:
            return -1
        index += len(prefix) - 1
        if index == len(ref) or ref[index] in ":/@":
            return index
        return -1
    if len(ref) < len(prefix):
        return -1
    if len(ref) == len(prefix):
        return len(prefix) if ref == prefix else -1
    if not ref.startswith(prefix):
        return -1
    return len(prefix) if ref[len(prefix)] in ":/@" else -1


@dataclass
class _Config:
    """Go ``parsedConfig``, the parts registry-core uses."""

    registries: list[Registry] = field(default_factory=list)
    unqualified_search_registries: list[str] | None = None
    credential_helpers: list[str] | None = None
    short_name_mode: str = ""
    aliases: dict[str, str] = field(default_factory=dict)


# ---- decoding as BurntSushi/toml does ------------------------------------------------------


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    return "time.Time"


class _Decoder:
    """Type a tomllib document as BurntSushi/toml decodes it into Go structs."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def error(self, context: Sequence[str], message: str) -> RegistriesConfError:
        key = ".".join(context)
        line = self._line_of(context[-1]) if context else None
        where = f"line {line} " if line else ""
        return RegistriesConfError(f"toml: {where}(last key {go_quote(key)}): {message}")

    def _line_of(self, key: str) -> int | None:
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip().lstrip("[").lstrip('"')
            if stripped.lower().startswith(key.lower()):
                return number
        return None

    def badtype(self, context: Sequence[str], destination: str, value: Any) -> RegistriesConfError:
        return self.error(
            context,
            f"incompatible types: TOML value has type {_go_type(value)}; destination has "
            f"type {destination}",
        )

    def fields(self, table: Any, names: Sequence[str], context: Sequence[str], struct: str
               ) -> dict[str, tuple[Any, list[str]]]:
        """The members of ``table`` by the field they decode into (exact name, else one that
        matches ignoring case; the last member for a field wins)."""
        if not isinstance(table, dict):
            raise self.error(
                context, f"type mismatch for {struct}: expected table but found "
                f"{_go_type(table)}"
            )
        out: dict[str, tuple[Any, list[str]]] = {}
        for key, value in table.items():
            name = json_field(key, names)
            if name is not None:
                out[name] = (value, [*context, key])
        return out

    def string(self, value: Any, context: list[str]) -> str:
        if not isinstance(value, str):
            raise self.badtype(context, "string", value)
        return value

    def boolean(self, value: Any, context: list[str]) -> bool:
        if type(value) is not bool:
            raise self.badtype(context, "boolean", value)
        return value

    def strings(self, value: Any, context: list[str]) -> list[str]:
        if not isinstance(value, list):
            raise self.badtype(context, "slice", value)
        return [self.string(item, context) for item in value]

    def tables(self, value: Any, context: list[str]) -> list[Any]:
        if not isinstance(value, list):
            raise self.badtype(context, "slice", value)
        return value

    def string_map(self, value: Any, context: list[str]) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.badtype(context, "map", value)
        return {k: self.string(v, [*context, k]) for k, v in value.items()}

    def endpoint(self, values: Mapping[str, tuple[Any, list[str]]], into: Endpoint) -> None:
        if "location" in values:
            into.location = self.string(*values["location"])
        if "insecure" in values:
            into.insecure = self.boolean(*values["insecure"])
        if "pull-from-mirror" in values:
            into.pull_from_mirror = self.string(*values["pull-from-mirror"])


_REGISTRY_FIELDS = ("prefix", "location", "insecure", "pull-from-mirror", "mirror", "blocked",
                    "mirror-by-digest-only")
_ENDPOINT_FIELDS = ("location", "insecure", "pull-from-mirror")
_ROOT_FIELDS = ("registry", "unqualified-search-registries", "credential-helpers",
                "short-name-mode", "aliases", "registries")
_V1_FIELDS = ("search", "insecure", "block")


def _decode(text: str, source: str) -> tuple[_Config, dict[str, list[str]]]:
    """The v2 configuration and the v1 lists of one file, typed as Go decodes them."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_LINE.search(message)
        if found:
            message = f"line {found.group(1)}: " + _TOML_LINE.sub("", message)
        raise RegistriesConfError(f"toml: {message}") from None
    decoder = _Decoder(text)
    root = decoder.fields(document, _ROOT_FIELDS, [], "main.tomlConfig")
    config = _Config()
    if "registry" in root:
        value, context = root["registry"]
        for table in decoder.tables(value, context):
            values = decoder.fields(table, _REGISTRY_FIELDS, context, "sysregistriesv2.Registry")
            registry = Registry(source=source)
            endpoint = Endpoint()
            decoder.endpoint(values, endpoint)
            registry.location, registry.insecure = endpoint.location, endpoint.insecure
            registry.pull_from_mirror = endpoint.pull_from_mirror
            if "prefix" in values:
                registry.prefix = decoder.string(*values["prefix"])
            if "blocked" in values:
                registry.blocked = decoder.boolean(*values["blocked"])
            if "mirror-by-digest-only" in values:
                registry.mirror_by_digest_only = decoder.boolean(*values["mirror-by-digest-only"])
            if "mirror" in values:
                mirrors, mirror_context = values["mirror"]
                for item in decoder.tables(mirrors, mirror_context):
                    mirror = Endpoint()
                    decoder.endpoint(
                        decoder.fields(item, _ENDPOINT_FIELDS, mirror_context,
                                       "sysregistriesv2.Endpoint"), mirror
                    )
                    registry.mirrors.append(mirror)
            config.registries.append(registry)
    if "unqualified-search-registries" in root:
        config.unqualified_search_registries = decoder.strings(
            *root["unqualified-search-registries"])
    if "credential-helpers" in root:
        config.credential_helpers = decoder.strings(*root["credential-helpers"])
    if "short-name-mode" in root:
        config.short_name_mode = decoder.string(*root["short-name-mode"])
    if "aliases" in root:
        config.aliases = decoder.string_map(*root["aliases"])
    v1: dict[str, list[str]] = {}
    if "registries" in root:
        value, context = root["registries"]
        for name, (table, table_context) in decoder.fields(
            value, _V1_FIELDS, context, "sysregistriesv2.V1TOMLConfig"
        ).items():
            inner = decoder.fields(table, ("registries",), table_context,
                                   "sysregistriesv2.V1TOMLregistries")
            if "registries" in inner:
                v1[name] = decoder.strings(*inner["registries"])
    return config, v1


# ---- loading -------------------------------------------------------------------------------


def _parse_location(value: str) -> str:
    trimmed = value.rstrip("/")
    if trimmed.startswith(("http://", "https://")):
        raise RegistriesConfError(f"invalid location '{value}': URI schemes are not supported")
    return trimmed


def _v2_nonempty(config: _Config) -> bool:
    return bool(
        config.registries or config.unqualified_search_registries or config.credential_helpers
        or config.short_name_mode or config.aliases
    )


def _convert_v1(v1: Mapping[str, list[str]], source: str) -> _Config:
    """Go ``V1RegistriesConf.ConvertToV2``."""
    registries: dict[str, Registry] = {}

    def get(location: str) -> Registry:
        location = _parse_location(location)
        if location not in registries:
            registries[location] = Registry(prefix=location, location=location, source=source)
        return registries[location]

    for location in v1.get("block", []):
        get(location).blocked = True
    for location in v1.get("insecure", []):
        get(location).insecure = True
    return _Config(registries=list(registries.values()),
                   unqualified_search_registries=v1.get("search"))


def _post_process(config: _Config) -> None:
    """Go ``V2RegistriesConf.postProcessRegistries``."""
    by_location: dict[str, list[Registry]] = {}
    for reg in config.registries:
        reg.location = _parse_location(reg.location)
        if reg.prefix == "":
            if reg.location == "":
                raise RegistriesConfError("invalid condition: both location and prefix are unset")
            reg.prefix = reg.location
        else:
            reg.prefix = _parse_location(reg.prefix)
            if not reg.prefix.startswith("*.") and reg.location == "":
                raise RegistriesConfError(
                    "invalid condition: location is unset and prefix is not in the format: "
                    "*.example.com"
                )
        if reg.pull_from_mirror != "":
            raise RegistriesConfError(
                f"pull-from-mirror must not be set for a non-mirror registry {go_quote(reg.prefix)}"
            )
        for mirror in reg.mirrors:
            # containers/image checks a trimmed copy and keeps the mirror as written.
            location = _parse_location(mirror.location)
            if location == "":
                raise RegistriesConfError("invalid condition: mirror location is unset")
            if reg.mirror_by_digest_only and mirror.pull_from_mirror != "":
                raise RegistriesConfError(
                    "cannot set mirror usage mirror-by-digest-only for the registry "
                    f"({go_quote(reg.prefix)}) and pull-from-mirror for per-mirror "
                    f"({go_quote(location)}) at the same time"
                )
            if mirror.pull_from_mirror not in ("", _MIRROR_ALL, _MIRROR_DIGEST_ONLY,
                                               _MIRROR_TAG_ONLY):
                raise RegistriesConfError(
                    f"unsupported pull-from-mirror value {go_quote(mirror.pull_from_mirror)} "
                    f"for mirror {go_quote(location)}"
                )
        by_location.setdefault(reg.location or reg.prefix, []).append(reg)
    for reg in config.registries:
        for other in by_location[reg.location or reg.prefix]:
            for what in ("insecure", "blocked"):
                if getattr(reg, what) != getattr(other, what):
                    raise RegistriesConfError(
                        f"registry '{reg.location}' is defined multiple times with conflicting "
                        f"'{what}' setting"
                    )
    if config.unqualified_search_registries is not None:
        cleaned = []
        for entry in config.unqualified_search_registries:
            registry = _parse_location(entry)
            if not _ANCHORED_DOMAIN.match(registry):
                raise RegistriesConfError(
                    f"Invalid unqualified-search-registries entry {go_quote(registry)}"
                )
            cleaned.append(registry)
        config.unqualified_search_registries = cleaned
    unique: dict[str, Registry] = {}
    for reg in config.registries:
        unique.setdefault(reg.prefix, reg)  # the first of a prefix wins
    config.registries = [unique[prefix] for prefix in sorted(unique)]


def _validate_aliases(aliases: Mapping[str, str]) -> None:
    """Go ``newShortNameAliasCache``'s checks; every bad entry is reported."""
    errors: list[str] = []
    for name, value in aliases.items():
        problem = _short_name_problem(name)
        if problem:
            errors.append(problem)
        if value:
            problem = _alias_value_problem(value)
            if problem:
                errors.append(problem)
    if errors:
        message = errors[0]
        for later in errors[1:]:
            message = f"{later}\n: {message}"
        raise RegistriesConfError(f"validating short-name aliases: {message}")


def _short_name_problem(name: str) -> str | None:
    try:
        ref = parse(name)
    except RegistryError as exc:
        return f"cannot parse short name: {go_quote(name)}: {exc}"
    if isinstance(ref, Digested):
        return f"invalid short name {go_quote(name)}: must not contain digest"
    if isinstance(ref, Tagged):
        return f"invalid short name {go_quote(name)}: must not contain tag"
    if not isinstance(ref, Named):
        return f"invalid short name {go_quote(name)}: no name"
    if any(c in ref.domain for c in ".:") or ref.domain == "localhost":
        return f"invalid short name {go_quote(name)}: must not contain registry"
    return None


def _alias_value_problem(alias: str) -> str | None:
    try:
        ref = parse(alias)
    except RegistryError as exc:
        return f"parsing alias {go_quote(alias)}: {exc}"
    if isinstance(ref, Digested):
        return f"invalid alias {go_quote(alias)}: must not contain digest"
    if isinstance(ref, Tagged):
        return f"invalid alias {go_quote(alias)}: must not contain tag"
    if not isinstance(ref, Named) or not (
        any(c in ref.domain for c in ".:") or ref.domain == "localhost"
    ):
        return f"invalid alias {go_quote(alias)}: must contain registry and repository"
    try:
        parse_normalized_named(alias)
    except RegistryError as exc:
        return str(exc)
    return None


def _load_file(path: str, force_v2: bool) -> _Config:
    """Go ``loadConfigFile``; raises ``OSError`` (Go's text) or :class:`RegistriesConfError`."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:
        raise OSError(f"read {path}: is a directory") from None
    except OSError as exc:
        text = exc.strerror or str(exc)
        raise OSError(exc.errno, f"open {path}: {text[:1].lower()}{text[1:]}") from None
    config, v1 = _decode(data.decode("utf-8", "replace"), path)
    if any(v1.values()):
        if force_v2:
            raise RegistriesConfError("registry must be in v2 format but is in v1")
        if _v2_nonempty(config):
            raise RegistriesConfError("mixing sysregistry v1/v2 is not supported")
        config = _convert_v1(v1, path)
    _post_process(config)
    if config.short_name_mode and config.short_name_mode not in (
        "disabled", "enforcing", "permissive"
    ):
        raise RegistriesConfError(f"invalid short-name mode: {go_quote(config.short_name_mode)}")
    for reg in config.registries:
        if reg.prefix.startswith("*.") and any(c in reg.prefix for c in "/@:"):
            raise RegistriesConfError(
                "Wildcarded prefix should be in the format: *.example.com. Current prefix "
                f"{go_quote(reg.prefix)} is incorrectly formatted"
            )
    _validate_aliases(config.aliases)
    return config


def _drop_ins(directories: Iterable[str]) -> list[str]:
    """Go ``dropInConfigs``: the ``*.conf`` files directly in each directory, in name order."""
    found: list[str] = []
    for directory in directories:
        if not directory:
            continue
        try:
            if not os.path.isdir(directory):
                if os.path.exists(directory) and directory.endswith(".conf"):
                    found.append(directory)
                continue
            names = sorted(os.listdir(directory), key=os.fsencode)
        except OSError as exc:
            raise RegistriesConfError(
                f"reading registries.conf.d: open {directory}: {exc.strerror or exc}"
            ) from None
        for name in names:
            path = os.path.join(directory, name)
            if name.endswith(".conf") and not os.path.isdir(path):
                found.append(path)
    return found


def load_registries_conf(
    conf_path: str | os.PathLike[str], conf_dirs: Iterable[str | os.PathLike[str]] = (),
    *, missing_ok: bool = False
) -> list[Registry]:
    """Every registry of ``conf_path`` with the drop-ins of ``conf_dirs`` merged in, sorted by
    prefix (Go ``tryUpdatingCache``, ``GetRegistries``).

    :param missing_ok: a missing ``conf_path`` counts as an empty file (containers/image's
        behaviour for its default path only).
    :raises RegistriesConfError: containers/image's errors.
    """
    path = os.fspath(conf_path)
    try:
        config = _load_file(path, False)
    except OSError as exc:
        if not (missing_ok and isinstance(exc, FileNotFoundError)):
            raise RegistriesConfError(
                f"loading registries configuration {go_quote(path)}: {exc.strerror or exc}"
            ) from None
        config = _Config()
    except RegistriesConfError as exc:
        raise RegistriesConfError(
            f"loading registries configuration {go_quote(path)}: {exc}"
        ) from None
    for drop_in in _drop_ins(os.fspath(d) for d in conf_dirs):
        try:
            update = _load_file(drop_in, True)
        except (OSError, RegistriesConfError) as exc:
            message = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
            raise RegistriesConfError(
                f"loading drop-in registries configuration {go_quote(drop_in)}: {message}"
            ) from None
        merged = {reg.prefix: reg for reg in config.registries}
        merged.update({reg.prefix: reg for reg in update.registries})
        config.registries = [merged[prefix] for prefix in sorted(merged)]
    return config.registries


def _find(registries: Sequence[Registry], ref: str) -> Registry | None:
    """Go ``findRegistryWithParsedConfig``: the first registry with the longest prefix."""
    best: Registry | None = None
    for registry in registries:
        if _matching_prefix(ref, registry.prefix) != -1 and (
            best is None or len(registry.prefix) > len(best.prefix)
        ):
            best = registry
    return best


def find_registry(
    reference: str | Named, conf_path: str | os.PathLike[str],
    conf_dir: str | os.PathLike[str] | None = None
) -> Registry | None:
    """The registry of ``conf_path`` (and the drop-ins in ``conf_dir``) whose prefix matches
    ``reference`` best, or ``None`` (Go ``FindRegistry``).

    ``reference`` is a registry, a repository or an image reference, with its registry
    written out (``docker.io/library/busybox:latest``); it is matched as written. Unlike
    containers/image, which also reads the system and user drop-in directories when only the
    file is given, only ``conf_dir`` is read here.

    :raises RegistriesConfError: the configuration does not load (a missing ``conf_path``
        included), with containers/image's text.
    """
    registries = load_registries_conf(conf_path, [] if conf_dir is None else [conf_dir])
    return _find(registries, str(reference))


def default_search(home: str | None = None) -> tuple[str, list[str], bool]:
    """containers/image's default files: ``(conf_path, drop-in directories, missing_ok)``.

    ``~/.config/containers/registries.conf``, when it exists, replaces the system file and
    only the user's drop-ins are read; otherwise ``/etc/containers/registries.conf`` (missing is
    fine) with the system's and then the user's drop-ins.
    """
    home = home if home is not None else os.path.expanduser("~")
    user_file = os.path.join(home, USER_REGISTRIES_CONF)
    user_dir = os.path.join(home, USER_REGISTRIES_CONF_DIR)
    if os.path.exists(user_file):
        return user_file, [user_dir], False
    return SYSTEM_REGISTRIES_CONF, [SYSTEM_REGISTRIES_CONF_DIR, user_dir], True


class RegistriesConfFiles:
    """A loaded configuration, re-read when one of its files changes.

    :param conf_path: the main file.
    :param conf_dirs: drop-in directories, read in order.
    :param missing_ok: a missing main file is an empty one.
    """

    def __init__(self, conf_path: str | os.PathLike[str],
                 conf_dirs: Iterable[str | os.PathLike[str]] = (), *, missing_ok: bool = False
                 ) -> None:
        self.conf_path = os.fspath(conf_path)
        self.conf_dirs = [os.fspath(d) for d in conf_dirs]
        self.missing_ok = missing_ok
        self._stamp: object = None
        self._registries: list[Registry] = []

    def _signature(self) -> object:
        paths = [self.conf_path, *self.conf_dirs]
        try:
            paths += _drop_ins(self.conf_dirs)
        except RegistriesConfError:
            return None
        stamp = []
        for path in paths:
            try:
                st = os.stat(path)
                stamp.append((path, st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                stamp.append((path, 0, -1, 0))
        return tuple(stamp)

    def registries(self) -> list[Registry]:
        """The registries, loaded anew when a file changed since the last call."""
        signature = self._signature()
        if signature is None or signature != self._stamp:
            self._registries = load_registries_conf(
                self.conf_path, self.conf_dirs, missing_ok=self.missing_ok
            )
            self._stamp = signature
        return self._registries

    def find_registry(self, reference: str | Named) -> Registry | None:
        """As :func:`find_registry`, on this configuration."""
        return _find(self.registries(), str(reference))

    def describe(self) -> str:
        """The files, for messages (Go ``ConfigurationSourceDescription``)."""
        return ", ".join([self.conf_path, *self.conf_dirs])
