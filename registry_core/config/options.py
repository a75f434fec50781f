"""The daemon's registry options (:class:`~registry_core.config.ServiceOptions`), and reading
them from daemon.json.

The options are read as the daemon reads them, through Go's ``encoding/json``
(:mod:`registry_core.gojson`): its case folding of keys, its error texts, and only the first
JSON value of the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidArgumentError, InvalidRegistryOptionError
from ..gojson import JSONObject, json_decode, json_field, json_kind
from ..safefile import read_small_file

__all__ = ["MAX_DAEMON_CONFIG_SIZE", "ServiceOptions"]


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
