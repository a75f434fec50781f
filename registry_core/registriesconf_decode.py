"""Reading one registries.conf file as BurntSushi/toml decodes it into containers/image's
structs: keys matched exactly or without regard to case, unknown keys ignored, values of the
wrong type refused with BurntSushi's kind of message (``toml: line N (last key ...):
incompatible types: ...``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .gocompat import go_quote
from .gojson import json_field
from .registriesconf_types import Endpoint, RegistriesConfError, Registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ParsedConfig", "decode"]

_TOML_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)")


@dataclass
class ParsedConfig:
    """One file's content (Go ``parsedConfig``), the parts registry-core uses."""

    registries: list[Registry] = field(default_factory=list)
    unqualified_search_registries: list[str] | None = None
    credential_helpers: list[str] | None = None
    short_name_mode: str = ""
    aliases: dict[str, str] = field(default_factory=dict)


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


def decode(text: str, source: str) -> tuple[ParsedConfig, dict[str, list[str]]]:
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
    config = ParsedConfig()
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
