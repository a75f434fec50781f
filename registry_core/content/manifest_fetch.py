"""Reading a manifest answer: bounded in size, verified against its digest.

A manifest is read whole into memory (it is parsed and kept as served), so its size is
bounded first: by the ``Content-Length`` the registry announces, and again while reading, for
an answer that announces none or lies.
"""

from __future__ import annotations

import requests

from ..errors import InvalidArgumentError, TransportError
from .digests import check_digest, compute_digest, is_digest
from .errors import ContentTooLargeError, DigestMismatchError, unexpected
from .manifest import Manifest, media_type_of

__all__ = ["read_bounded", "verified_manifest"]


def read_bounded(response: requests.Response, limit: int, what: str) -> bytes:
    """The body of ``response``, refused with :class:`ContentTooLargeError` past ``limit``
    bytes (announced or read): a manifest is never read into memory unbounded."""
    try:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise ContentTooLargeError(
                f"{what}: the manifest is {length} bytes, more than the limit of {limit}"
            )
        parts: list[bytes] = []
        total = 0
        for part in response.iter_content(64 * 1024):
            total += len(part)
            if total > limit:
                raise ContentTooLargeError(
                    f"{what}: the manifest is more than the limit of {limit} bytes"
                )
            parts.append(part)
        return b"".join(parts)
    except requests.RequestException as exc:
        raise TransportError(f"{what}: reading the answer failed: {exc}") from None
    finally:
        response.close()

def verified_manifest(
    response: requests.Response, content: bytes, reference: str, what: str
) -> Manifest:
    """A :class:`Manifest` of ``content``, verified against the digest asked for, else the
    one the registry announced (``Docker-Content-Digest``).

    :raises DigestMismatchError: it has another digest.
    """
    announced = response.headers.get("Docker-Content-Digest", "").strip()
    if is_digest(reference):
        expected = reference
    elif announced:
        try:
            expected = str(check_digest(announced))
        except InvalidArgumentError:
            raise unexpected(response, what, "bad Docker-Content-Digest header") from None
    else:
        expected = ""
    algorithm = expected.partition(":")[0] if expected else "sha256"
    actual = compute_digest(content, algorithm)
    if expected and actual != expected:
        raise DigestMismatchError(
            f"{what}: the registry sent a manifest whose digest is {actual}, "
            f"not {expected}", expected=expected, actual=actual,
        )
    if algorithm != "sha256" and not is_digest(reference):
        actual = compute_digest(content)
    media_type = media_type_of(response.headers.get("Content-Type"), content)
    return Manifest(media_type=media_type, digest=str(actual), content=content)
