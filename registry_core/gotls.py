"""Go's verdicts on TLS material: ``AppendCertsFromPEM`` and ``tls.X509KeyPair``.

containerd loads the CAs and client pairs a hosts.toml names with these, and fails with their
answers; the ports here answer the same (which blocks count, which errors) so that a file
containerd accepts is accepted and one it refuses is refused, with Go's texts.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from .tlsconfig import pem_blocks

__all__ = ["append_certs_from_pem", "x509_key_pair"]


def append_certs_from_pem(data: bytes) -> list[str]:
    """Go's ``AppendCertsFromPEM``: the certificates (as PEM) of the ``CERTIFICATE`` blocks
    that parse; other blocks are skipped. Go's answer is ``len(result) > 0``."""
    pems = []
    for block in pem_blocks(data):
        if block.type != "CERTIFICATE":
            continue
        try:
            cert = x509.load_pem_x509_certificate(block.data)
        except ValueError:
            continue
        pems.append(cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    return pems


def x509_key_pair(cert_pem: bytes, key_pem: bytes) -> None:
    """Go's ``tls.X509KeyPair``, for its verdict; raises ``ValueError`` with Go's text."""
    blocks = pem_blocks(cert_pem)
    certs = [b for b in blocks if b.type == "CERTIFICATE"]
    if not certs:
        if not blocks:
            raise ValueError("tls: failed to find any PEM data in certificate input")
        if any(b.type.endswith("PRIVATE KEY") for b in blocks):
            raise ValueError(
                "tls: failed to find certificate PEM data in certificate input, but did find "
                "a private key; PEM inputs may have been switched"
            )
        skipped = " ".join(b.type for b in blocks)
        raise ValueError(
            'tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping '
            f"PEM blocks of the following types: [{skipped}]"
        )
    key_blocks = pem_blocks(key_pem)
    keys = [b for b in key_blocks if b.type == "PRIVATE KEY" or b.type.endswith(" PRIVATE KEY")]
    if not keys:
        if not key_blocks:
            raise ValueError("tls: failed to find any PEM data in key input")
        if any(b.type == "CERTIFICATE" for b in key_blocks):
            raise ValueError(
                "tls: found a certificate rather than a key in the PEM for the private key"
            )
        skipped = " ".join(b.type for b in key_blocks)
        raise ValueError(
            'tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input '
            f"after skipping PEM blocks of the following types: [{skipped}]"
        )
    try:
        leaf = x509.load_pem_x509_certificate(certs[0].data)
    except ValueError as exc:
        raise ValueError(f"x509: {exc}") from None
    try:
        key = serialization.load_pem_private_key(
            keys[0].data, password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError):
        raise ValueError("tls: failed to parse private key") from None
    except Exception:  # noqa: BLE001 - an unsupported algorithm is a parse failure in Go
        raise ValueError("tls: failed to parse private key") from None
    public, private_public = leaf.public_key(), key.public_key()
    if _key_kind(public) != _key_kind(private_public):
        raise ValueError("tls: private key type does not match public key type")
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if public.public_bytes(der, spki) != private_public.public_bytes(der, spki):
        raise ValueError("tls: private key does not match public key")


def _key_kind(key: object) -> str:
    for kind in (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey):
        if isinstance(key, kind):
            return kind.__name__
    return type(key).__name__
