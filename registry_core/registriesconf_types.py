"""The data of registries.conf as containers/image has it: ``Registry``, ``Endpoint``,
``PullSource``, and how a reference is matched against a prefix and rewritten.

:mod:`registry_core.registriesconf` loads them and re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import RegistryError
from .reference import Canonical, Digested, Named, parse_named

__all__ = [
    "MIRROR_ALL",
    "MIRROR_BY_DIGEST_ONLY",
    "MIRROR_BY_TAG_ONLY",
    "Endpoint",
    "PullSource",
    "RegistriesConfError",
    "Registry",
    "matching_prefix",
    "rewrite_reference",
]

#: The values of ``pull-from-mirror``.
MIRROR_ALL, MIRROR_BY_DIGEST_ONLY, MIRROR_BY_TAG_ONLY = "all", "digest-only", "tag-only"


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
                if mirror.pull_from_mirror == MIRROR_BY_DIGEST_ONLY and not digested:
                    continue
                if mirror.pull_from_mirror == MIRROR_BY_TAG_ONLY and digested:
                    continue
                chosen.append((mirror, True))
        chosen.append((Endpoint(self.location, self.insecure, self.pull_from_mirror), False))
        return [
            PullSource(ep.location, ep.insecure, rewrite_reference(ep, ref, self.prefix), is_mirror)
            for ep, is_mirror in chosen
        ]


def rewrite_reference(endpoint: Endpoint, ref: Named, prefix: str) -> Named:
    """Go ``Endpoint.rewriteReference``."""
    text = str(ref)
    length = matching_prefix(text, prefix)
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


def matching_prefix(ref: str, prefix: str) -> int:
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
