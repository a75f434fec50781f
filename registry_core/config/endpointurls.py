"""Endpoint URLs, as the reference builds them with ``net/url`` (``url.URL{Scheme, Host}``
for a host, ``url.Parse`` for a mirror).
"""

from __future__ import annotations

from ..errors import InvalidMirrorError
from ..gocompat import GoURL, from_bytes, to_bytes
from .validation import _parse_masked

__all__ = ["host_endpoint_url", "mirror_endpoint_url"]


def host_endpoint_url(scheme: str, host: str) -> str:
    """The URL string of an endpoint at ``host`` (Go ``url.URL{Scheme, Host}.String()``):
    characters a host may not hold are %-escaped, so ``[fe80::1%lo]`` becomes
    ``[fe80::1%25lo]``."""
    return GoURL(scheme=to_bytes(scheme), host=to_bytes(host)).string_text()


def mirror_endpoint_url(mirror: str) -> tuple[str, str]:
    """The URL string and the host of a configured (validated) mirror's endpoint.

    As the reference, a mirror that does not start with ``http://`` or ``https://`` (in lower
    case) gets ``https://`` in front, so ``HTTPS://m.example.com/`` becomes
    ``https://HTTPS://m.example.com/``, whose host is ``HTTPS:``.

    :raises InvalidMirrorError: the result does not parse (Go's ``url.Error`` text, e.g.
        ``parse "https://https:x/": invalid port ":x" after host``, with any password
        masked as ``xxxxx``).
    """
    if not mirror.startswith(("http://", "https://")):
        mirror = "https://" + mirror
    uri, cause = _parse_masked(mirror)
    if uri is None:
        raise InvalidMirrorError(str(cause)) from cause
    return uri.string_text(), from_bytes(uri.host)
