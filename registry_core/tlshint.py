"""What to do about a certificate that did not verify: the certs.d directory to use.

A verification failure (unknown authority, expired certificate, host name mismatch) says
what OpenSSL found but not where registry-core looks for a registry's own CA. The hint names
the directory, as the built-in certs.d plugin computes it, so the user can act on the error;
verification is never turned off by itself (an insecure registry is the user's choice, in
``insecure-registries``).
"""

from __future__ import annotations

import os
import ssl
from urllib.parse import urlsplit

from .constants import CERTS_DIR

__all__ = ["certs_d_hint", "CERTS_DIR_ENV"]

#: The variable the built-in certs.d plugin reads (kept in step with
#: ``registry_core_plugins.certsd.CERTS_DIR_ENV``).
CERTS_DIR_ENV = "REGISTRY_CORE_CERTS_DIR"


def _verification_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        following = getattr(current, "reason", None)
        if not isinstance(following, BaseException):
            following = current.args[0] if current.args and isinstance(
                current.args[0], BaseException) else current.__context__
        current = following
    return None


def certs_d_hint(url: str, exc: BaseException) -> str | None:
    """A sentence naming the certs.d directory for ``url``'s host when ``exc`` is a failed
    certificate verification; ``None`` for any other error."""
    found = _verification_error(exc)
    if found is None:
        return None
    try:
        netloc = urlsplit(url).netloc.rpartition("@")[2]
    except ValueError:
        return None
    root = os.environ.get(CERTS_DIR_ENV, CERTS_DIR)
    code = getattr(found, "verify_code", 0)
    if code in (62, 64):  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
        problem = f"the certificate is not for {netloc}"
    elif code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
        problem = "the certificate has expired"
    else:
        problem = "the certificate is not signed by a trusted authority"
    if not root:
        return f"{problem}; certs.d is turned off (${CERTS_DIR_ENV} is empty)"
    return (f"{problem}; to trust this registry's own CA, put it in "
            f"{os.path.join(root, netloc, 'ca.crt')}")
