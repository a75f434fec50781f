"""Image references: a port of distribution's ``reference`` package (v2.8.2).

An image reference is ``name[:tag][@digest]``, where the name may start with a registry domain
(``localhost:5000/team/app``). Engines accept short, "familiar" names (``ubuntu``) and expand them
to fully qualified ones (``docker.io/library/ubuntu``); :func:`parse_normalized_named` does that
expansion and :func:`familiar_name` / :func:`familiar_string` undo it for display.

The grammar, from the Go source::

    reference        := name [ ":" tag ] [ "@" digest ]
    name             := [domain '/'] path-component ['/' path-component]*
    domain           := domain-component ['.' domain-component]* [':' port-number]
    domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
    port-number      := /[0-9]+/
    path-component   := alpha-numeric [separator alpha-numeric]*
    alpha-numeric    := /[a-z0-9]+/
    separator        := /[_.]|__|[-]*/
    tag              := /[\\w][\\w.-]{0,127}/
    digest           := digest-algorithm ":" digest-hex
    digest-algorithm := component [ /[+.-_]/ component ]*  ; component := /[A-Za-z][A-Za-z0-9]*/
    digest-hex       := /[0-9a-fA-F]{32,}/
    identifier       := /[a-f0-9]{64}/

The reference types mirror Go's interfaces as abstract classes, so ``isinstance(ref, Tagged)``
answers what a Go type assertion ``ref.(reference.Tagged)`` would. Every reference is immutable,
hashable and compares equal to a reference of the same kind with the same parts.

Errors are :class:`~registry_core.errors.InvalidReferenceError` whose ``str()`` is the Go
error's text, word for word.
"""

from __future__ import annotations

import abc
import re
from typing import Any, NoReturn

from .errors import InvalidReferenceError
from .gocompat import go_to_lower

__all__ = [
    "NAME_TOTAL_LENGTH_MAX",
    "DOMAIN_REGEXP",
    "TAG_REGEXP",
    "DIGEST_REGEXP",
    "NAME_REGEXP",
    "REFERENCE_REGEXP",
    "IDENTIFIER_REGEXP",
    "SHORT_IDENTIFIER_REGEXP",
    "ERR_REFERENCE_INVALID_FORMAT",
    "ERR_TAG_INVALID_FORMAT",
    "ERR_DIGEST_INVALID_FORMAT",
    "ERR_NAME_CONTAINS_UPPERCASE",
    "ERR_NAME_EMPTY",
    "ERR_NAME_TOO_LONG",
    "ERR_NAME_NOT_CANONICAL",
    "ERR_CHECKSUM_DIGEST_INVALID_FORMAT",
    "ERR_CHECKSUM_DIGEST_INVALID_LENGTH",
    "ERR_CHECKSUM_DIGEST_UNSUPPORTED",
    "Digest",
    "Reference",
    "Named",
    "Tagged",
    "Digested",
    "NamedTagged",
    "Canonical",
    "Repository",
    "TaggedReference",
    "CanonicalReference",
    "TaggedCanonicalReference",
    "DigestReference",
    "parse",
    "parse_named",
    "parse_normalized_named",
    "parse_docker_ref",
    "parse_any_reference",
    "parse_digest",
    "domain",
    "path",
    "split_hostname",
    "familiar_name",
    "familiar_string",
    "with_name",
    "with_tag",
    "with_digest",
    "trim_named",
    "is_name_only",
    "tag_name_only",
]

#: The longest repository name accepted, in bytes (Go ``NameTotalLengthMax``).
NAME_TOTAL_LENGTH_MAX = 255

# The reference's error texts (Go ``Err*`` values of the reference and go-digest packages).
ERR_REFERENCE_INVALID_FORMAT = "invalid reference format"
ERR_TAG_INVALID_FORMAT = "invalid tag format"
ERR_DIGEST_INVALID_FORMAT = "invalid digest format"
ERR_NAME_CONTAINS_UPPERCASE = "repository name must be lowercase"
ERR_NAME_EMPTY = "repository name must have at least one component"
ERR_NAME_TOO_LONG = f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
ERR_NAME_NOT_CANONICAL = "repository name must be canonical"
ERR_CHECKSUM_DIGEST_INVALID_FORMAT = "invalid checksum digest format"
ERR_CHECKSUM_DIGEST_INVALID_LENGTH = "invalid checksum digest length"
ERR_CHECKSUM_DIGEST_UNSUPPORTED = "unsupported digest algorithm"

_DEFAULT_DOMAIN = "docker.io"
_LEGACY_DEFAULT_DOMAIN = "index.docker.io"
_OFFICIAL_REPO_NAME = "library"
_DEFAULT_TAG = "latest"

# The regular expressions. Go compiles these with RE2, whose classes are ASCII-only and whose
# ``$`` (without the m flag) matches only at the very end; so every class here is spelt out in
# ASCII and the anchored forms use ``\A`` and ``\Z``, never ``$``, which in Python also matches
# before a trailing newline.
#
# Two productions are rewritten without changing the language they accept or what the groups
# capture: Go's separator ``(?:[._]|__|[-]*)`` may be empty, and its domain component
# ``[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`` overlaps its first alternative. RE2 does not
# backtrack, so that ambiguity costs Go nothing; Python's backtracking engine would take
# exponential time on a long name that fails near its end. Each form below has exactly one way
# to match any string (an empty separator only joins two alphanumeric runs into one).
_ALPHA_NUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|-+)"
_NAME_COMPONENT = rf"{_ALPHA_NUMERIC}(?:{_SEPARATOR}{_ALPHA_NUMERIC})*"
_DOMAIN_COMPONENT = r"[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*"
_DOMAIN = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_PATH = rf"{_NAME_COMPONENT}(?:/{_NAME_COMPONENT})*"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH}"
_IDENTIFIER = r"[a-f0-9]{64}"
_SHORT_IDENTIFIER = r"[a-f0-9]{6,64}"

#: A registry domain with an optional port (Go ``DomainRegexp``); unanchored.
DOMAIN_REGEXP = re.compile(_DOMAIN)
#: A tag (Go ``TagRegexp``); unanchored.
TAG_REGEXP = re.compile(_TAG)
#: A digest as the reference grammar accepts it (Go ``DigestRegexp``); unanchored.
DIGEST_REGEXP = re.compile(_DIGEST)
#: A repository name, domain included (Go ``NameRegexp``); unanchored.
NAME_REGEXP = re.compile(_NAME)
#: A whole reference, anchored, capturing name, tag and digest (Go ``ReferenceRegexp``).
REFERENCE_REGEXP = re.compile(rf"\A({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?\Z")
#: A sha256 image ID without its algorithm (Go ``IdentifierRegexp``); unanchored.
IDENTIFIER_REGEXP = re.compile(rf"({_IDENTIFIER})")
#: A prefix of an image ID (Go ``ShortIdentifierRegexp``); unanchored.
SHORT_IDENTIFIER_REGEXP = re.compile(rf"({_SHORT_IDENTIFIER})")

_ANCHORED_TAG_REGEXP = re.compile(rf"\A{_TAG}\Z")
_ANCHORED_DIGEST_REGEXP = re.compile(rf"\A{_DIGEST}\Z")
_ANCHORED_NAME_REGEXP = re.compile(rf"\A(?:({_DOMAIN})/)?({_PATH})\Z")
_ANCHORED_IDENTIFIER_REGEXP = re.compile(rf"\A{_IDENTIFIER}\Z")

# go-digest: the algorithms it can compute, with the length of their hex encoding, and the
# shape any digest must have before an unknown algorithm is called "unsupported".
_DIGEST_ALGORITHM_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_GO_DIGEST_REGEXP = re.compile(r"\A[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\Z")
_LOWER_HEX_REGEXP = re.compile(r"\A[a-f0-9]*\Z")


def _fail(message: str) -> NoReturn:
    raise InvalidReferenceError(message)


def _go_len(s: str) -> int:
    """Go's ``len`` of a string: its length in UTF-8 bytes, not in code points."""
    return len(s.encode("utf-8", "surrogatepass"))


class Digest(str):
    """A digest string, ``algorithm:encoded`` (go-digest's ``Digest``).

    It is a ``str``, so it compares equal to the plain string and prints as one. Whether it is
    valid depends on where it came from: :func:`parse_digest` checks it as go-digest does,
    :func:`with_digest` only against the reference grammar.
    """

    __slots__ = ()

    def _separator(self) -> int:
        index = self.find(":")
        if index < 0:
            raise InvalidReferenceError(ERR_CHECKSUM_DIGEST_INVALID_FORMAT)
        return index

    @property
    def algorithm(self) -> str:
        """The part before the first ``:`` (``sha256``)."""
        return str(self[: self._separator()])

    @property
    def encoded(self) -> str:
        """The part after the first ``:``, the hex encoding of the hash."""
        return str(self[self._separator() + 1 :])

    def validate(self) -> None:
        """Check the digest as go-digest's ``Digest.Validate`` does.

        The order of the checks decides the message, so it is the reference's: a missing or
        misplaced ``:`` first, then an algorithm go-digest cannot compute (``unsupported`` if
        the digest is otherwise well formed), then the hex length, then its characters.
        """
        s = str(self)
        index = s.find(":")
        if index <= 0 or index + 1 == len(s):
            _fail(ERR_CHECKSUM_DIGEST_INVALID_FORMAT)
        algorithm, encoded = s[:index], s[index + 1 :]
        hex_length = _DIGEST_ALGORITHM_HEX_LENGTHS.get(algorithm)
        if hex_length is None:
            if not _GO_DIGEST_REGEXP.match(s):
                _fail(ERR_CHECKSUM_DIGEST_INVALID_FORMAT)
            _fail(ERR_CHECKSUM_DIGEST_UNSUPPORTED)
        if _go_len(encoded) != hex_length:
            _fail(ERR_CHECKSUM_DIGEST_INVALID_LENGTH)
        if not _LOWER_HEX_REGEXP.match(encoded):
            _fail(ERR_CHECKSUM_DIGEST_INVALID_FORMAT)


def parse_digest(s: str) -> Digest:
    """Parse and validate a digest (go-digest ``Parse``).

    Only sha256, sha384 and sha512 with lower-case hex of the right length pass; other
    algorithms of the right shape are "unsupported digest algorithm".

    :raises InvalidReferenceError: with go-digest's message.
    """
    digest = Digest(s)
    digest.validate()
    return digest


class Reference(abc.ABC):
    """Any reference (Go ``Reference``): something with a string form.

    References are immutable; equality and hashing use the kind of reference and its parts.
    """

    __slots__ = ()

    @abc.abstractmethod
    def __str__(self) -> str:
        """The full reference, as Go's ``String()`` gives it."""

    def _key(self) -> tuple[str, ...]:
        return (str(self),)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Reference)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self).__qualname__, self._key()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")


class Named(Reference):
    """A reference with a repository name (Go ``Named``).

    A subclass must provide :attr:`name`; :attr:`domain` and :attr:`path` then split it the way
    Go's ``Domain()`` and ``Path()`` do for a ``Named`` that does not know its own parts.
    """

    __slots__ = ()

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """The full repository name, domain included (``docker.io/library/ubuntu``)."""

    @property
    def domain(self) -> str:
        """The registry domain of the name, ``""`` when it has none."""
        return _split_domain(self.name)[0]

    @property
    def path(self) -> str:
        """The name without its domain (``library/ubuntu``)."""
        return _split_domain(self.name)[1]


class Tagged(Reference):
    """A reference with a tag (Go ``Tagged``)."""

    __slots__ = ()

    @property
    @abc.abstractmethod
    def tag(self) -> str:
        """The tag, without the ``:``."""


class Digested(Reference):
    """A reference with a digest (Go ``Digested``)."""

    __slots__ = ()

    @property
    @abc.abstractmethod
    def digest(self) -> Digest:
        """The digest, ``algorithm:hex``."""


class NamedTagged(Named, Tagged):
    """A name with a tag (Go ``NamedTagged``)."""

    __slots__ = ()


class Canonical(Named, Digested):
    """A name with a digest (Go ``Canonical``)."""

    __slots__ = ()


class _NamedRepository(Named):
    """A name that keeps its domain and path apart (Go's unexported ``namedRepository``).

    Every named reference the parser builds is one; only these can be familiarized.
    """

    __slots__ = ("_domain", "_path")
    _domain: str
    _path: str

    def __init__(self, domain: str, path: str) -> None:
        object.__setattr__(self, "_domain", domain)
        object.__setattr__(self, "_path", path)

    @property
    def name(self) -> str:
        if self._domain == "":
            return self._path
        return self._domain + "/" + self._path

    @property
    def domain(self) -> str:
        return self._domain

    @property
    def path(self) -> str:
        return self._path

    def _familiar_parts(self) -> tuple[str, str]:
        """Domain and path with ``docker.io`` and an official image's ``library/`` removed."""
        domain, path = self._domain, self._path
        if domain == _DEFAULT_DOMAIN:
            domain = ""
            split = path.split("/")
            if len(split) == 2 and split[0] == _OFFICIAL_REPO_NAME:
                path = split[1]
        return domain, path

    @abc.abstractmethod
    def familiar(self) -> Named:
        """The same reference with its familiar name, as the Docker CLI shows it."""


class Repository(_NamedRepository):
    """A bare repository name (Go's ``repository``).

    The constructor trusts its arguments, as Go's struct literals do; build references from
    text with :func:`with_name` or the ``parse_*`` functions.
    """

    __slots__ = ()

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Repository(domain={self._domain!r}, path={self._path!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Repository, (self._domain, self._path))

    def _key(self) -> tuple[str, ...]:
        return (self._domain, self._path)

    def familiar(self) -> Repository:
        return Repository(*self._familiar_parts())


class TaggedReference(_NamedRepository, NamedTagged):
    """A repository name with a tag (Go's ``taggedReference``)."""

    __slots__ = ("_tag",)
    _tag: str

    def __init__(self, domain: str, path: str, tag: str) -> None:
        super().__init__(domain, path)
        object.__setattr__(self, "_tag", tag)

    @property
    def tag(self) -> str:
        return self._tag

    def __str__(self) -> str:
        return self.name + ":" + self._tag

    def __repr__(self) -> str:
        return (
            f"TaggedReference(domain={self._domain!r}, path={self._path!r}, tag={self._tag!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (TaggedReference, (self._domain, self._path, self._tag))

    def _key(self) -> tuple[str, ...]:
        return (self._domain, self._path, self._tag)

    def familiar(self) -> TaggedReference:
        return TaggedReference(*self._familiar_parts(), self._tag)


class CanonicalReference(_NamedRepository, Canonical):
    """A repository name with a digest (Go's ``canonicalReference``)."""

    __slots__ = ("_digest",)
    _digest: Digest

    def __init__(self, domain: str, path: str, digest: str) -> None:
        super().__init__(domain, path)
        object.__setattr__(self, "_digest", Digest(digest))

    @property
    def digest(self) -> Digest:
        return self._digest

    def __str__(self) -> str:
        return self.name + "@" + self._digest

    def __repr__(self) -> str:
        return (
            f"CanonicalReference(domain={self._domain!r}, path={self._path!r}, "
            f"digest={str(self._digest)!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (CanonicalReference, (self._domain, self._path, str(self._digest)))

    def _key(self) -> tuple[str, ...]:
        return (self._domain, self._path, str(self._digest))

    def familiar(self) -> CanonicalReference:
        return CanonicalReference(*self._familiar_parts(), self._digest)


class TaggedCanonicalReference(_NamedRepository, NamedTagged, Canonical):
    """A repository name with both a tag and a digest (Go's ``reference``).

    Its string form keeps both, ``name:tag@digest``; registries pull by the digest.
    """

    __slots__ = ("_tag", "_digest")
    _tag: str
    _digest: Digest

    def __init__(self, domain: str, path: str, tag: str, digest: str) -> None:
        super().__init__(domain, path)
        object.__setattr__(self, "_tag", tag)
        object.__setattr__(self, "_digest", Digest(digest))

    @property
    def tag(self) -> str:
        return self._tag

    @property
    def digest(self) -> Digest:
        return self._digest

    def __str__(self) -> str:
        return self.name + ":" + self._tag + "@" + self._digest

    def __repr__(self) -> str:
        return (
            f"TaggedCanonicalReference(domain={self._domain!r}, path={self._path!r}, "
            f"tag={self._tag!r}, digest={str(self._digest)!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            TaggedCanonicalReference,
            (self._domain, self._path, self._tag, str(self._digest)),
        )

    def _key(self) -> tuple[str, ...]:
        return (self._domain, self._path, self._tag, str(self._digest))

    def familiar(self) -> TaggedCanonicalReference:
        return TaggedCanonicalReference(*self._familiar_parts(), self._tag, self._digest)


class DigestReference(Digested):
    """A digest alone, with no name (Go's ``digestReference``), as :func:`parse_any_reference`
    returns for an image ID."""

    __slots__ = ("_digest",)
    _digest: Digest

    def __init__(self, digest: str) -> None:
        object.__setattr__(self, "_digest", Digest(digest))

    @property
    def digest(self) -> Digest:
        return self._digest

    def __str__(self) -> str:
        return str(self._digest)

    def __repr__(self) -> str:
        return f"DigestReference({str(self._digest)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (DigestReference, (str(self._digest),))


def _split_domain(name: str) -> tuple[str, str]:
    match = _ANCHORED_NAME_REGEXP.match(name)
    if match is None:
        return "", name
    return match.group(1) or "", match.group(2)


def domain(named: Named) -> str:
    """The domain part of a name (Go ``Domain``); ``""`` when there is none."""
    return named.domain


def path(named: Named) -> str:
    """The name without its domain (Go ``Path``)."""
    return named.path


def split_hostname(named: Named) -> tuple[str, str]:
    """Domain and path of a name (Go's deprecated ``SplitHostname``)."""
    return named.domain, named.path


def _best_reference_type(repo: Repository, tag: str, digest: Digest | None) -> Reference:
    """The narrowest type that holds what was parsed (Go ``getBestReferenceType``)."""
    if repo.name == "":
        if digest:
            return DigestReference(digest)
        _fail(ERR_NAME_EMPTY)
    if tag == "":
        if digest:
            return CanonicalReference(repo.domain, repo.path, digest)
        return repo
    if not digest:
        return TaggedReference(repo.domain, repo.path, tag)
    return TaggedCanonicalReference(repo.domain, repo.path, tag, digest)


def parse(s: str) -> Reference:
    """Parse a reference exactly as written, without normalizing (Go ``Parse``).

    ``ubuntu`` stays ``ubuntu``: no ``docker.io/library/`` is added. Short digests are not
    handled.

    :raises InvalidReferenceError: "repository name must have at least one component" for an
        empty string, "repository name must be lowercase" when the text would parse if
        lowered, "invalid reference format" otherwise; "repository name must not be more than
        255 characters"; or go-digest's message for a digest it rejects.
    """
    match = REFERENCE_REGEXP.match(s)
    if match is None:
        if s == "":
            _fail(ERR_NAME_EMPTY)
        if REFERENCE_REGEXP.match(go_to_lower(s)) is not None:
            _fail(ERR_NAME_CONTAINS_UPPERCASE)
        _fail(ERR_REFERENCE_INVALID_FORMAT)

    name, tag, digest_text = match.group(1), match.group(2) or "", match.group(3) or ""
    if _go_len(name) > NAME_TOTAL_LENGTH_MAX:
        _fail(ERR_NAME_TOO_LONG)

    repo_domain, repo_path = _split_domain(name)
    digest = parse_digest(digest_text) if digest_text else None
    return _best_reference_type(Repository(repo_domain, repo_path), tag, digest)


def _split_docker_domain(name: str) -> tuple[str, str]:
    """Split off the registry domain, defaulting to Docker Hub (Go ``splitDockerDomain``).

    The first component is a domain only if it contains ``.`` or ``:`` or is ``localhost``;
    so ``myhost/app`` is a Docker Hub repository, not a registry called ``myhost``.
    ``index.docker.io`` becomes ``docker.io``, and a one-component Hub name gains ``library/``.
    """
    index = name.find("/")
    if index == -1 or (
        not any(char in name[:index] for char in ".:") and name[:index] != "localhost"
    ):
        found_domain, remainder = _DEFAULT_DOMAIN, name
    else:
        found_domain, remainder = name[:index], name[index + 1 :]
    if found_domain == _LEGACY_DEFAULT_DOMAIN:
        found_domain = _DEFAULT_DOMAIN
    if found_domain == _DEFAULT_DOMAIN and "/" not in remainder:
        remainder = _OFFICIAL_REPO_NAME + "/" + remainder
    return found_domain, remainder


def parse_normalized_named(s: str) -> Named:
    """Parse a name as the Docker CLI accepts it and qualify it fully (Go
    ``ParseNormalizedNamed``).

    ``ubuntu:22.04`` becomes ``docker.io/library/ubuntu:22.04``; ``index.docker.io/x`` becomes
    ``docker.io/library/x``. A 64-digit hex string is refused, since it would be an image ID.

    :raises InvalidReferenceError: "invalid repository name (...), cannot specify 64-byte
        hexadecimal strings"; "invalid reference format: repository name must be lowercase"
        when the repository part has an upper-case letter; or any error of :func:`parse`.
    """
    if _ANCHORED_IDENTIFIER_REGEXP.match(s):
        _fail(f"invalid repository name ({s}), cannot specify 64-byte hexadecimal strings")
    found_domain, remainder = _split_docker_domain(s)
    tag_separator = remainder.find(":")
    remote_name = remainder[:tag_separator] if tag_separator > -1 else remainder
    if go_to_lower(remote_name) != remote_name:
        _fail("invalid reference format: repository name must be lowercase")

    ref = parse(found_domain + "/" + remainder)
    if not isinstance(ref, Named):
        _fail(f"reference {ref} has no name")
    return ref


def parse_named(s: str) -> Named:
    """Parse a name that must already be in its canonical, fully qualified form (Go
    ``ParseNamed``): ``docker.io/library/ubuntu`` passes, ``ubuntu`` does not.

    :raises InvalidReferenceError: "repository name must be canonical", or any error of
        :func:`parse_normalized_named`.
    """
    named = parse_normalized_named(s)
    if str(named) != s:
        _fail(ERR_NAME_NOT_CANONICAL)
    return named


def parse_any_reference(s: str) -> Reference:
    """Parse an image ID, a digest or a familiar name (Go ``ParseAnyReference``).

    A 64-digit hex string is an image ID and becomes a :class:`DigestReference` with
    ``sha256:``; a valid digest becomes one as is; anything else goes to
    :func:`parse_normalized_named`.
    """
    if _ANCHORED_IDENTIFIER_REGEXP.match(s):
        return DigestReference("sha256:" + s)
    try:
        digest = parse_digest(s)
    except InvalidReferenceError:
        return parse_normalized_named(s)
    return DigestReference(digest)


def parse_docker_ref(s: str) -> Named:
    """Normalize a reference the way the engine stores it (Go ``ParseDockerRef``).

    A name alone gets the ``latest`` tag; a reference with both a tag and a digest keeps only
    the digest, since the digest alone decides what is pulled.
    """
    named = parse_normalized_named(s)
    if isinstance(named, Tagged) and isinstance(named, Digested):
        return with_digest(with_name(named.name), named.digest)
    return tag_name_only(named)


def _repository_of(named: Named) -> Repository:
    """The name's domain and path as Go's ``WithTag`` and ``WithDigest`` take them: a name that
    does not keep its parts apart goes whole into the path."""
    if isinstance(named, _NamedRepository):
        return Repository(named.domain, named.path)
    return Repository("", named.name)


def with_name(name: str) -> Repository:
    """A repository from a name, checked but not normalized (Go ``WithName``).

    :raises InvalidReferenceError: "repository name must not be more than 255 characters" or
        "invalid reference format".
    """
    if _go_len(name) > NAME_TOTAL_LENGTH_MAX:
        _fail(ERR_NAME_TOO_LONG)
    match = _ANCHORED_NAME_REGEXP.match(name)
    if match is None:
        _fail(ERR_REFERENCE_INVALID_FORMAT)
    return Repository(match.group(1) or "", match.group(2))


def with_tag(name: Named, tag: str) -> NamedTagged:
    """``name`` with ``tag`` (Go ``WithTag``); a digest ``name`` carries is kept.

    :raises InvalidReferenceError: "invalid tag format".
    """
    if not _ANCHORED_TAG_REGEXP.match(tag):
        _fail(ERR_TAG_INVALID_FORMAT)
    repo = _repository_of(name)
    if isinstance(name, Digested):
        return TaggedCanonicalReference(repo.domain, repo.path, tag, name.digest)
    return TaggedReference(repo.domain, repo.path, tag)


def with_digest(name: Named, digest: str) -> Canonical:
    """``name`` with ``digest`` (Go ``WithDigest``); a tag ``name`` carries is kept.

    The digest is checked against the reference grammar only, as in Go: any algorithm of the
    right shape with at least 32 hex digits (either case) is accepted.

    :raises InvalidReferenceError: "invalid digest format".
    """
    if not _ANCHORED_DIGEST_REGEXP.match(digest):
        _fail(ERR_DIGEST_INVALID_FORMAT)
    repo = _repository_of(name)
    if isinstance(name, Tagged):
        return TaggedCanonicalReference(repo.domain, repo.path, name.tag, digest)
    return CanonicalReference(repo.domain, repo.path, digest)


def trim_named(ref: Named) -> Repository:
    """The name alone, without tag or digest (Go ``TrimNamed``)."""
    return Repository(ref.domain, ref.path)


def is_name_only(ref: Named) -> bool:
    """Whether the reference has neither a tag nor a digest (Go ``IsNameOnly``)."""
    return not isinstance(ref, (Tagged, Digested))


def tag_name_only(ref: Named) -> Named:
    """The reference with the ``latest`` tag added if it has neither tag nor digest (Go
    ``TagNameOnly``)."""
    if is_name_only(ref):
        return with_tag(ref, _DEFAULT_TAG)
    return ref


def familiar_name(ref: Named) -> str:
    """The name as the Docker CLI shows it (Go ``FamiliarName``): ``docker.io/`` is dropped,
    and so is ``library/`` from a two-component Hub name; other registries keep their domain."""
    if isinstance(ref, _NamedRepository):
        return ref.familiar().name
    return ref.name


def familiar_string(ref: Reference) -> str:
    """The whole reference as the Docker CLI shows it (Go ``FamiliarString``), tag and digest
    included."""
    if isinstance(ref, _NamedRepository):
        return str(ref.familiar())
    return str(ref)
