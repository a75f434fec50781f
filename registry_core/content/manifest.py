"""Manifests as served: media types, descriptors, and picking a platform out of an index.

A :class:`Manifest` keeps the bytes exactly as the registry served them: its digest is the
digest of those bytes, and a copy pushes them unchanged, so the digest survives. Parsing is
lazy and only for what this library needs (children of an index, the config and layers of
an image); an unknown member is never an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..errors import InvalidArgumentError, RegistryError
from .digests import check_digest
from .errors import PlatformNotFoundError

__all__ = [
    "DEFAULT_ACCEPT",
    "DEFAULT_MAX_MANIFEST_SIZE",
    "INDEX_MEDIA_TYPES",
    "MEDIA_TYPE_DOCKER_MANIFEST",
    "MEDIA_TYPE_DOCKER_MANIFEST_LIST",
    "MEDIA_TYPE_OCI_INDEX",
    "MEDIA_TYPE_OCI_MANIFEST",
    "Descriptor",
    "Manifest",
    "Platform",
]

MEDIA_TYPE_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_TYPE_DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_TYPE_OCI_INDEX = "application/vnd.oci.image.index.v1+json"

#: What :meth:`Repository.get_manifest <registry_core.content.Repository.get_manifest>`
#: accepts by default. Always sent: without ``Accept`` a registry answers 404 for an OCI
#: manifest and converts a schema 2 one to schema 1.
DEFAULT_ACCEPT: tuple[str, ...] = (
    MEDIA_TYPE_DOCKER_MANIFEST,
    MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    MEDIA_TYPE_OCI_MANIFEST,
    MEDIA_TYPE_OCI_INDEX,
)

INDEX_MEDIA_TYPES = frozenset({MEDIA_TYPE_DOCKER_MANIFEST_LIST, MEDIA_TYPE_OCI_INDEX})

#: The default bound on a manifest's size: the OCI distribution spec says clients should
#: expect manifests of at least 4 MB; nothing larger is read into memory.
DEFAULT_MAX_MANIFEST_SIZE = 4 * 1024 * 1024


@dataclass(frozen=True)
class Platform:
    """An OCI platform: ``os/architecture[/variant]``."""

    os: str
    architecture: str
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        """``linux/amd64`` or ``linux/arm/v7``.

        :raises InvalidArgumentError: not two or three non-empty parts.
        """
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise InvalidArgumentError(
                f"invalid platform {text!r}: expected os/architecture[/variant]"
            )
        return cls(*parts)

    @classmethod
    def from_json(cls, data: Any) -> Platform | None:
        if not isinstance(data, dict):
            return None
        os_name, arch = data.get("os"), data.get("architecture")
        if not isinstance(os_name, str) or not isinstance(arch, str):
            return None
        variant = data.get("variant")
        return cls(os_name, arch, variant if isinstance(variant, str) else "")

    def matches(self, other: Platform) -> bool:
        """Whether ``other`` (a platform a manifest is for) satisfies this one (asked for).

        A variant asked for must be there; none asked for takes any. ``arm64`` without a
        variant is ``arm64/v8``, as containerd normalizes it.
        """
        if (self.os, self.architecture) != (other.os, other.architecture):
            return False
        if not self.variant:
            return True
        default = "v8" if self.architecture == "arm64" else ""
        return self.variant == (other.variant or default)

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


@dataclass(frozen=True)
class Descriptor:
    """What a manifest says about content it points at (OCI descriptor).

    ``digest`` is checked when a descriptor is read out of a manifest, so it can go into a
    URL safely.
    """

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    urls: tuple[str, ...] = field(default=())

    @classmethod
    def from_json(cls, data: Any, where: str) -> Descriptor:
        """Read a descriptor; :class:`RegistryError` naming ``where`` when it is malformed."""
        if not isinstance(data, dict):
            raise RegistryError(f"{where}: a descriptor is not an object")
        digest, size = data.get("digest"), data.get("size")
        media_type = data.get("mediaType", "")
        if not isinstance(digest, str) or not isinstance(media_type, str):
            raise RegistryError(f"{where}: a descriptor lacks a digest or media type")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise RegistryError(f"{where}: descriptor {digest!r} has no valid size")
        try:
            checked = check_digest(digest)
        except InvalidArgumentError as exc:
            raise RegistryError(f"{where}: {exc}") from None
        urls = data.get("urls")
        return cls(
            media_type=media_type,
            digest=str(checked),
            size=size,
            platform=Platform.from_json(data.get("platform")),
            urls=tuple(u for u in urls if isinstance(u, str)) if isinstance(urls, list) else (),
        )


@dataclass(frozen=True)
class Manifest:
    """A manifest as served.

    :ivar media_type: from the answer's ``Content-Type``, else from the document's own
        ``mediaType``.
    :ivar digest: the digest of :attr:`content` (verified against the one asked for, or
        the one the registry announced).
    :ivar content: the bytes exactly as served.
    """

    media_type: str
    digest: str
    content: bytes

    @cached_property
    def document(self) -> dict[str, Any]:
        """The parsed JSON object.

        :raises RegistryError: the content is not a JSON object.
        """
        try:
            data = json.loads(self.content)
        except ValueError:
            raise RegistryError(f"manifest {self.digest} is not JSON") from None
        if not isinstance(data, dict):
            raise RegistryError(f"manifest {self.digest} is not a JSON object")
        return data

    @property
    def is_index(self) -> bool:
        """Whether this is an OCI index or a Docker manifest list."""
        return self.media_type in INDEX_MEDIA_TYPES

    def manifests(self) -> list[Descriptor]:
        """The manifests an index points at; ``[]`` for an image."""
        if not self.is_index:
            return []
        items = self.document.get("manifests") or []
        if not isinstance(items, list):
            raise RegistryError(f"manifest {self.digest}: manifests is not a list")
        return [Descriptor.from_json(item, f"index {self.digest}") for item in items]

    def config(self) -> Descriptor | None:
        """An image's config descriptor; ``None`` for an index."""
        if self.is_index or "config" not in self.document:
            return None
        return Descriptor.from_json(self.document["config"], f"manifest {self.digest}")

    def layers(self) -> list[Descriptor]:
        """An image's layers, in order; ``[]`` for an index."""
        if self.is_index:
            return []
        items = self.document.get("layers") or []
        if not isinstance(items, list):
            raise RegistryError(f"manifest {self.digest}: layers is not a list")
        return [Descriptor.from_json(item, f"manifest {self.digest}") for item in items]

    def blobs(self) -> list[Descriptor]:
        """The blobs an image needs: its config, then its layers."""
        config = self.config()
        return ([config] if config is not None else []) + self.layers()

    def for_platform(self, platform: Platform) -> Descriptor:
        """The first manifest of an index that satisfies ``platform``.

        :raises PlatformNotFoundError: none does (the message lists the ones there are).
        """
        children = self.manifests()
        for child in children:
            if child.platform is not None and platform.matches(child.platform):
                return child
        there = ", ".join(str(c.platform) for c in children if c.platform) or "none"
        raise PlatformNotFoundError(
            f"no manifest for platform {platform} in {self.digest} (platforms: {there})"
        )


def media_type_of(content_type: str | None, content: bytes) -> str:
    """The media type of a manifest: its ``Content-Type`` without parameters, else its own
    ``mediaType`` member (a registry may serve ``application/json``)."""
    declared = (content_type or "").split(";", 1)[0].strip()
    if declared and declared not in ("application/json", "application/octet-stream",
                                     "text/plain"):
        return declared
    try:
        data = json.loads(content)
    except ValueError:
        return declared
    own = data.get("mediaType") if isinstance(data, dict) else None
    if isinstance(own, str) and own:
        return own
    if isinstance(data, dict) and "manifests" in data:
        return MEDIA_TYPE_OCI_INDEX
    return declared
