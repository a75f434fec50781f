"""Digests and references inside a repository: checking them, and hashing as bytes flow.

A digest and a tag end up in a URL path, so both are checked against their grammar before a
request is built: a ``../`` or a ``?`` from a caller (or from a manifest a registry served)
must never reach the registry as a path.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ..errors import InvalidArgumentError, InvalidReferenceError
from ..reference import Digest, parse_digest

__all__ = [
    "check_digest",
    "check_reference",
    "compute_digest",
    "is_digest",
    "new_hasher",
]

#: distribution's tag grammar.
_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)


def check_digest(value: str) -> Digest:
    """``value`` as a :class:`~registry_core.reference.Digest` we can verify content against
    (sha256, sha384 or sha512, lower-case hex of the right length).

    :raises InvalidArgumentError: anything else, naming the value.
    """
    try:
        return parse_digest(value)
    except InvalidReferenceError as exc:
        raise InvalidArgumentError(f"invalid digest {value!r}: {exc}") from None


def is_digest(reference: str) -> bool:
    """Whether a manifest reference is a digest rather than a tag."""
    return ":" in reference


def check_reference(reference: str) -> str:
    """A manifest reference (a tag or a digest), checked.

    :raises InvalidArgumentError: neither a valid tag nor a valid digest.
    """
    if is_digest(reference):
        return str(check_digest(reference))
    if not _TAG.fullmatch(reference):
        raise InvalidArgumentError(f"invalid tag {reference!r}")
    return reference


def new_hasher(digest: str) -> Any:
    """A fresh :mod:`hashlib` object for the algorithm of ``digest``."""
    return hashlib.new(Digest(digest).algorithm)


def compute_digest(data: bytes, algorithm: str = "sha256") -> Digest:
    """The digest of ``data``."""
    return Digest(f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}")
