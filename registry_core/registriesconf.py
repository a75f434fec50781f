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

import errno
import os
import re
from collections.abc import Iterable, Mapping, Sequence

from .errors import RegistryError
from .gocompat import go_quote
from .gopath import GoPathError, read_file
from .reference import DOMAIN_REGEXP, Digested, Named, Tagged, parse, parse_normalized_named
from .registriesconf_decode import ParsedConfig, decode
from .registriesconf_types import (
    MIRROR_ALL,
    MIRROR_BY_DIGEST_ONLY,
    MIRROR_BY_TAG_ONLY,
    Endpoint,
    PullSource,
    RegistriesConfError,
    Registry,
    matching_prefix,
)

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

_ANCHORED_DOMAIN = re.compile(rf"\A(?:{DOMAIN_REGEXP.pattern})\Z")


# ---- loading -------------------------------------------------------------------------------


def _parse_location(value: str) -> str:
    trimmed = value.rstrip("/")
    if trimmed.startswith(("http://", "https://")):
        raise RegistriesConfError(f"invalid location '{value}': URI schemes are not supported")
    return trimmed


def _v2_nonempty(config: ParsedConfig) -> bool:
    return bool(
        config.registries or config.unqualified_search_registries or config.credential_helpers
        or config.short_name_mode or config.aliases
    )


def _convert_v1(v1: Mapping[str, list[str]], source: str) -> ParsedConfig:
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
    return ParsedConfig(registries=list(registries.values()),
                   unqualified_search_registries=v1.get("search"))


def _post_process(config: ParsedConfig) -> None:
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
            if mirror.pull_from_mirror not in ("", MIRROR_ALL, MIRROR_BY_DIGEST_ONLY,
                                               MIRROR_BY_TAG_ONLY):
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


def _load_file(path: str, force_v2: bool) -> ParsedConfig:
    """Go ``loadConfigFile``.

    :raises GoPathError: the file cannot be read (Go's text).
    :raises RegistriesConfError: the file does not decode or holds a bad value.
    """
    data = read_file(path)
    config, v1 = decode(data.decode("utf-8", "replace"), path)
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
    except GoPathError as exc:
        if not (missing_ok and exc.errno == errno.ENOENT):
            raise RegistriesConfError(
                f"loading registries configuration {go_quote(path)}: {exc}"
            ) from None
        config = ParsedConfig()
    except RegistriesConfError as exc:
        raise RegistriesConfError(
            f"loading registries configuration {go_quote(path)}: {exc}"
        ) from None
    for drop_in in _drop_ins(os.fspath(d) for d in conf_dirs):
        try:
            update = _load_file(drop_in, True)
        except (GoPathError, RegistriesConfError) as exc:
            raise RegistriesConfError(
                f"loading drop-in registries configuration {go_quote(drop_in)}: {exc}"
            ) from None
        merged = {reg.prefix: reg for reg in config.registries}
        merged.update({reg.prefix: reg for reg in update.registries})
        config.registries = [merged[prefix] for prefix in sorted(merged)]
    return config.registries


def _find(registries: Sequence[Registry], ref: str) -> Registry | None:
    """Go ``findRegistryWithParsedConfig``: the first registry with the longest prefix."""
    best: Registry | None = None
    for registry in registries:
        if matching_prefix(ref, registry.prefix) != -1 and (
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
