"""The data types of the reference, as dataclasses.

Each type keeps its Go name; fields are snake_case. Types that travel as JSON have
``to_json()`` / ``from_json()`` using the reference's field names, so what we write is what the
engine writes. ``from_json()`` reads keys as Go's decoder does: the exact field name first,
else a key equal to it under Go's case folding (``Username``, and ``checkſum`` with a long s,
match; see :func:`registry_core.gojson.json_field`), other keys ignored, the last of two
keys for one field winning.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import InvalidCredentialsError
from .gojson import JSONObject, json_field
from .tlsconfig import TLSConfig

if TYPE_CHECKING:
    from .manager import Hooks
    from .reference import Named
    from .v1endpoint import V1Endpoint

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


def _go_fields(
    data: Mapping[str, Any], names: Sequence[str], nullable: Sequence[str] = ()
) -> dict[str, Any]:
    """The members of ``data`` by the struct field Go's decoder stores them in (keyed by the
    field's JSON name). A ``null`` leaves a string or bool field as it was, so it is dropped;
    it empties a list or map field (those in ``nullable``)."""
    out: dict[str, Any] = {}
    pairs = data.pairs if isinstance(data, JSONObject) else data.items()
    for key, value in pairs:
        name = json_field(str(key), names)
        if name is not None and (value is not None or name in nullable):
            out[name] = value
    return out


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

    def __post_init__(self) -> None:
        for name in _CREDENTIAL_FIELDS:
            _check_credential(name, getattr(self, name))

    def __setattr__(self, name: str, value: Any) -> None:
        """Every credential field is checked when set, by a constructor or later (a login
        writes the identity token a token server issued): a value that cannot be sent fails
        here with :class:`~registry_core.errors.InvalidCredentialsError`, which names the
        field, instead of deep inside an HTTP library with the secret in the exception."""
        if name in _CREDENTIAL_FIELDS:
            _check_credential(name, value)
        super().__setattr__(name, value)

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
        fields = _go_fields(data, list(cls._JSON_NAMES.values()))
        return cls(**{attr: _str(fields, key) for attr, key in cls._JSON_NAMES.items()})


#: The fields of :class:`AuthConfig` that are sent to a server, and so must be encodable.
_CREDENTIAL_FIELDS = ("username", "password", "auth", "identity_token", "registry_token")
#: Characters a header value cannot hold (``registry_token`` is sent as ``Bearer <token>``).
_HEADER_CONTROLS = frozenset(chr(c) for c in [*range(0x20), 0x7F]) - {"\t"}


def _check_credential(name: str, value: Any) -> None:
    """Refuse a credential that cannot be sent, naming the field and never the value.

    Every field is sent UTF-8 encoded (basic auth, a form body), so a lone surrogate, which
    is what a byte that is not UTF-8 becomes when read with ``surrogateescape`` (Python's
    standard input under ``LC_ALL=C``), cannot be. ``registry_token`` travels as a header
    value, which cannot hold control characters (CR and LF would split the header).
    """
    if not isinstance(value, str):
        raise InvalidCredentialsError(
            f"AuthConfig.{name} must be a string, not {type(value).__name__}"
        )
    if value.isascii():
        if name == "registry_token" and not _HEADER_CONTROLS.isdisjoint(value):
            raise InvalidCredentialsError(
                f"AuthConfig.{name} holds a control character (such as CR or LF), which a "
                "header cannot carry"
            )
        return
    try:
        value.encode("utf-8")
        encodable = True
    except UnicodeEncodeError:
        encodable = False  # raised below, so the encoding error (which holds the value) is
        # not even the context of ours
    if not encodable:
        raise InvalidCredentialsError(
            f"AuthConfig.{name} cannot be encoded as UTF-8: it holds a lone surrogate, which "
            "is what a byte that is not UTF-8 becomes when read under a C or POSIX locale"
        )
    if name == "registry_token" and not _HEADER_CONTROLS.isdisjoint(value):
        raise InvalidCredentialsError(
            f"AuthConfig.{name} holds a control character (such as CR or LF), which a header "
            "cannot carry"
        )


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
        fields = _go_fields(data, ["Name", "Mirrors", "Secure", "Official"], ["Mirrors"])
        return cls(
            name=_str(fields, "Name"),
            mirrors=[str(m) for m in fields.get("Mirrors") or []],
            secure=bool(fields.get("Secure", False)),
            official=bool(fields.get("Official", False)),
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
    #: Which file and entry decided this endpoint (``daemon.json registry-mirrors``,
    #: ``/etc/containerd/certs.d/docker.io/hosts.toml [host."https://m"]``); ``""`` unknown.
    origin: str = ""
    #: The repository's path on this endpoint when the configuration rewrote it
    #: (registries.conf ``location``); ``""``: the reference's own path.
    repository_path: str = ""
    #: Whose credentials the endpoint gets: ``None`` for the repository's registry (the
    #: reference's behaviour); else the auth config key of the host it contacts, so that a
    #: mirror never sees the registry's credentials.
    auth_config_key: str | None = None
    #: Extra headers for requests to this endpoint (hosts.toml ``header``), as configured;
    #: left out of ``repr()``, since one may hold a secret (``Authorization``).
    headers: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def to_v1_endpoint(
        self,
        user_agent: str,
        meta_headers: Mapping[str, str | Sequence[str]] | None,
        *,
        hooks: Hooks | None = None,
    ) -> V1Endpoint:
        """A v1 endpoint on this endpoint's URL and TLS configuration, not pinged (Go
        ``APIEndpoint.ToV1Endpoint``); ``hooks`` are the plugins its client sends through.

        :raises InvalidArgumentError: the URL does not parse.
        """
        from .v1endpoint import V1Endpoint

        return V1Endpoint(self.url, self.tls_config, user_agent, meta_headers, hooks=hooks)


@dataclass
class PingResult:
    """What a v1 registry says of itself when pinged."""

    version: str = ""
    standalone: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "standalone": self.standalone}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PingResult:
        fields = _go_fields(data, ["version", "standalone"])
        return cls(
            version=_str(fields, "version"), standalone=bool(fields.get("standalone", False))
        )


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
        fields = _go_fields(data, ["id", "checksum", "Tag"])
        return cls(
            id=_str(fields, "id"), checksum=_str(fields, "checksum"), tag=_str(fields, "Tag")
        )


@dataclass
class RepositoryData:
    """A v1 repository's images (id → :class:`ImgData`) and its ``X-Docker-Endpoints``.

    Its JSON form has the reference's field names; the Go struct has no JSON tags, so they
    are the Go names: ``{"ImgList": {id: ImgData JSON, ...}, "Endpoints": [...]}``. Go's
    zero value writes ``null`` for both; here an empty map or list is written as ``{}`` or
    ``[]`` (the engine never serializes this type; it only reads v1 registries' answers),
    and ``null`` reads back as empty, as does a ``null`` image (as :class:`ImgData`'s zero
    value).
    """

    img_list: dict[str, ImgData] = field(default_factory=dict)
    endpoints: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "ImgList": {key: value.to_json() for key, value in self.img_list.items()},
            "Endpoints": list(self.endpoints),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RepositoryData:
        fields = _go_fields(data, ["ImgList", "Endpoints"], ["ImgList", "Endpoints"])
        images = fields.get("ImgList") or {}
        pairs = images.pairs if isinstance(images, JSONObject) else images.items()
        return cls(
            img_list={
                str(key): ImgData.from_json(value) if value is not None else ImgData()
                for key, value in pairs
            },
            endpoints=[str(e) for e in fields.get("Endpoints") or []],
        )


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
        fields = _go_fields(
            data, ["star_count", "is_official", "name", "is_automated", "description"]
        )
        return cls(
            name=_str(fields, "name"),
            description=_str(fields, "description"),
            star_count=int(fields.get("star_count") or 0),
            is_official=bool(fields.get("is_official", False)),
            is_automated=bool(fields.get("is_automated", False)),
        )


@dataclass
class SearchResults:
    """A search's answer: the query, how many matched, and the results.

    ``results`` is ``None`` where Go's slice is nil (the zero value, or a registry answer
    without results or with ``"results": null``) and a list otherwise, so that the JSON form
    round-trips as Go writes it: ``null`` for ``None``, ``[]`` for an empty list. The keys
    are in the Go struct's order: ``query``, ``num_results``, ``results``.
    """

    query: str = ""
    num_results: int = 0
    results: list[SearchResult] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "num_results": self.num_results,
            "results": None if self.results is None else [r.to_json() for r in self.results],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SearchResults:
        fields = _go_fields(data, ["query", "num_results", "results"], ["results"])
        results = fields.get("results")
        return cls(
            query=_str(fields, "query"),
            num_results=int(fields.get("num_results") or 0),
            results=None if results is None else [SearchResult.from_json(r) for r in results],
        )
