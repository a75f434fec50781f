"""The data types of the reference, as dataclasses.

Each type keeps its Go name; fields are snake_case. Types that travel as JSON have
``to_json()`` / ``from_json()`` using the reference's field names, so what we write is what the
engine writes.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .tlsconfig import TLSConfig

if TYPE_CHECKING:
    from .reference import Named

__all__ = [
    "AuthConfig",
    "IndexInfo",
    "NetIPNet",
    "ServiceConfig",
    "RepositoryInfo",
    "APIVersion",
    "APIEndpoint",
    "PingResult",
    "ImgData",
    "RepositoryData",
    "SearchResult",
    "SearchResults",
]

#: Go's ``*registrytypes.NetIPNet``.
NetIPNet = ipaddress.IPv4Network | ipaddress.IPv6Network


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    return "" if value is None else str(value)


@dataclass
class AuthConfig:
    """Credentials for one registry (Go ``types.AuthConfig``).

    Secrets are left out of ``repr()`` so that a logged object does not leak them.
    """

    username: str = ""
    password: str = field(default="", repr=False)
    auth: str = field(default="", repr=False)
    email: str = ""
    server_address: str = ""
    identity_token: str = field(default="", repr=False)
    registry_token: str = field(default="", repr=False)

    _JSON_NAMES = {
        "username": "username",
        "password": "password",
        "auth": "auth",
        "email": "email",
        "server_address": "serveraddress",
        "identity_token": "identitytoken",
        "registry_token": "registrytoken",
    }

    def to_json(self) -> dict[str, str]:
        """The engine's JSON form; empty fields are left out, as Go's ``omitempty`` does."""
        out = {}
        for attr, key in self._JSON_NAMES.items():
            value = getattr(self, attr)
            if value:
                out[key] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuthConfig:
        """Read the engine's JSON form (keys are matched case-insensitively, as Go does)."""
        lowered = {str(k).lower(): v for k, v in data.items()}
        return cls(**{attr: _str(lowered, key) for attr, key in cls._JSON_NAMES.items()})


@dataclass
class IndexInfo:
    """A registry index: its name, mirrors, and whether it is secure and official."""

    name: str = ""
    mirrors: list[str] = field(default_factory=list)
    secure: bool = False
    official: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "Mirrors": list(self.mirrors),
            "Secure": self.secure,
            "Official": self.official,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IndexInfo:
        lowered = {str(k).lower(): v for k, v in data.items()}
        return cls(
            name=_str(lowered, "name"),
            mirrors=[str(m) for m in lowered.get("mirrors") or []],
            secure=bool(lowered.get("secure", False)),
            official=bool(lowered.get("official", False)),
        )


@dataclass
class ServiceConfig:
    """The service's resolved configuration (Go ``registrytypes.ServiceConfig``)."""

    allow_nondistributable_artifacts_cidrs: list[NetIPNet] = field(default_factory=list)
    allow_nondistributable_artifacts_hostnames: list[str] = field(default_factory=list)
    insecure_registry_cidrs: list[NetIPNet] = field(default_factory=list)
    index_configs: dict[str, IndexInfo] = field(default_factory=dict)
    mirrors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "AllowNondistributableArtifactsCIDRs": [
                str(n) for n in self.allow_nondistributable_artifacts_cidrs
            ],
            "AllowNondistributableArtifactsHostnames": list(
                self.allow_nondistributable_artifacts_hostnames
            ),
            "InsecureRegistryCIDRs": [str(n) for n in self.insecure_registry_cidrs],
            "IndexConfigs": {k: v.to_json() for k, v in self.index_configs.items()},
            "Mirrors": list(self.mirrors),
        }


@dataclass
class RepositoryInfo:
    """A repository name resolved against the service's indexes."""

    name: Named
    index: IndexInfo
    official: bool = False
    #: The class of the repository, such as ``plugin`` or ``image`` (Go ``Class``).
    class_: str = ""


class APIVersion(enum.IntEnum):
    """The registry API version of an endpoint (Go ``APIVersion1`` / ``APIVersion2``)."""

    V1 = 1
    V2 = 2

    def __str__(self) -> str:
        return f"v{self.value}"


@dataclass
class APIEndpoint:
    """One place to pull from or push to, in the order the service prefers them."""

    url: str
    version: APIVersion = APIVersion.V2
    mirror: bool = False
    allow_nondistributable_artifacts: bool = False
    official: bool = False
    trim_hostname: bool = False
    tls_config: TLSConfig = field(default_factory=TLSConfig)


@dataclass
class PingResult:
    """What a v1 registry says of itself when pinged."""

    version: str = ""
    standalone: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "standalone": self.standalone}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PingResult:
        return cls(version=_str(data, "version"), standalone=bool(data.get("standalone", False)))


@dataclass
class ImgData:
    """Image checksums as a v1 registry sends and takes them.

    ``checksum_payload`` is local bookkeeping and is never serialized (Go ``json:"-"``).
    """

    id: str = ""
    checksum: str = ""
    checksum_payload: str = ""
    tag: str = ""

    def to_json(self) -> dict[str, str]:
        out = {"id": self.id}
        if self.checksum:
            out["checksum"] = self.checksum
        if self.tag:
            out["Tag"] = self.tag
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImgData:
        lowered = {str(k).lower(): v for k, v in data.items()}
        return cls(
            id=_str(lowered, "id"), checksum=_str(lowered, "checksum"), tag=_str(lowered, "tag")
        )


@dataclass
class RepositoryData:
    """A v1 repository's images (id → :class:`ImgData`) and its ``X-Docker-Endpoints``."""

    img_list: dict[str, ImgData] = field(default_factory=dict)
    endpoints: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    """One repository found by a search."""

    name: str = ""
    description: str = ""
    star_count: int = 0
    is_official: bool = False
    is_automated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "star_count": self.star_count,
            "is_official": self.is_official,
            "name": self.name,
            "is_automated": self.is_automated,
            "description": self.description,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SearchResult:
        return cls(
            name=_str(data, "name"),
            description=_str(data, "description"),
            star_count=int(data.get("star_count") or 0),
            is_official=bool(data.get("is_official", False)),
            is_automated=bool(data.get("is_automated", False)),
        )


@dataclass
class SearchResults:
    """A search's answer: the query, how many matched, and the results."""

    query: str = ""
    num_results: int = 0
    results: list[SearchResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "num_results": self.num_results,
            "query": self.query,
            "results": [r.to_json() for r in self.results],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SearchResults:
        return cls(
            query=_str(data, "query"),
            num_results=int(data.get("num_results") or 0),
            results=[SearchResult.from_json(r) for r in data.get("results") or []],
        )
