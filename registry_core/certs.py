"""certs.d: per-host CAs and client certificates from a directory (Go ``ReadCertsDirectory``).

The layout is the reference's: ``<certs root>/<host[:port]>/`` holds ``*.crt`` files (CAs
trusted on top of the system roots) and ``*.cert``/``*.key`` pairs (client certificates). The
rules for names and for missing halves of a pair are the reference's, word for word in the
messages. Beyond the reference, every file is parsed when it is read, so broken material fails
here, naming the file, rather than being silently skipped (a CA) or failing later inside a
TLS handshake.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .constants import CERTS_DIR
from .errors import CertificateError
from .redact import mask_userinfo
from .safefile import read_small_file
from .tlsconfig import ClientCertificate, TLSConfig, parse_certificates, pem_blocks

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

# cryptography is imported inside the functions that read certificates and keys: most
# programs never read certs.d, and the import costs more than requests' own.

__all__ = ["read_certs_directory", "host_certs_dir"]

#: What a ``.crt`` file is for, said in the reference's error for a lone ``.cert``.
_MISSING_KEY = (
    "missing key {key} for client certificate {cert}. "
    "Note that CA certificates should use the extension .crt"
)
_MISSING_CERT = "Missing client certificate {cert} for key {key}"

# Characters that would let a host name leave the certs root, or that no file name can hold.
_FORBIDDEN_IN_HOST = ("/", "\\", "\x00", "..")

#: The largest certs.d file read. A bundle of every public root CA is about 250 kB; this
#: leaves room for big private bundles and stops a link to ``/dev/zero`` or a huge file.
MAX_CERT_FILE_SIZE = 4 << 20


def host_certs_dir(hostname: str, certs_dir: str | os.PathLike[str] = CERTS_DIR) -> str:
    """The certs.d directory of ``hostname`` (Go ``HostCertsDir``): ``certs_dir/hostname``.

    ``hostname`` is the registry's host and port as in an image reference
    (``registry.example.com:5000``). Beyond the reference, a name that could address
    anything but a direct child of ``certs_dir`` is refused before any path is built (Go joins
    it, so ``../x`` escapes the root).

    :raises CertificateError: ``hostname`` is empty, ``.``, or contains ``..``, ``/``, ``\\``
        or NUL, or cannot be a file name at all (a lone surrogate); the message shows a
        password in the name (``https://u:p@h``, a mistake) as ``xxxxx``.
    """
    if not isinstance(hostname, str):
        raise CertificateError(
            f"invalid host name for a certs.d directory: not a string but {type(hostname).__name__}"
        )
    unencodable = False
    try:
        os.fsencode(hostname)
    except UnicodeError:
        unencodable = True
    if (hostname in ("", ".") or unencodable
            or any(bad in hostname for bad in _FORBIDDEN_IN_HOST)):
        raise CertificateError(
            f"invalid host name for a certs.d directory: {mask_userinfo(repr(hostname))}"
        )
    return os.path.join(os.fspath(certs_dir), hostname)


def read_certs_directory(tls_config: TLSConfig, directory: str | os.PathLike[str]) -> None:
    """Add the CAs and client pairs of ``directory`` to ``tls_config`` (Go ``ReadCertsDirectory``).

    Files are taken in name order. ``NAME.crt``: CA certificates, trusted on top of the system
    roots (:meth:`~registry_core.tlsconfig.TLSConfig.add_root_ca`). ``NAME.cert`` with
    ``NAME.key``: a client certificate pair. Other files are ignored. A directory that does
    not exist is not an error: most hosts have none.

    Beyond the reference, a ``.crt`` without a parseable certificate, a ``.cert`` or ``.key``
    that does not parse, an encrypted key, a key that does not belong to its certificate, and
    unreadable files are errors naming the file; the reference ignores a bad CA and reports the
    others with Go's TLS messages, which name no file.

    Nothing is added to ``tls_config`` unless the whole directory is good.

    Beyond the reference, files that could hang or exhaust the reader are refused, naming the
    file: a ``.crt``, ``.cert`` or ``.key`` that is a FIFO, a device, a socket or a directory
    (Go would block on a FIFO and read ``/dev/zero`` until it runs out of memory), one larger
    than :data:`MAX_CERT_FILE_SIZE`, a symbolic link loop or a dangling link. Files with other
    names are never opened, whatever they are.

    :raises CertificateError: the reference's messages for a ``.cert`` without its ``.key``
        and a ``.key`` without its ``.cert``; or broken or unreadable material.
    """
    path = os.fspath(directory)
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CertificateError(
            f"cannot read certificate directory {path}: {exc.strerror or exc}"
        ) from None
    except (ValueError, UnicodeError) as exc:  # NUL or an unencodable character in the path
        raise CertificateError(
            f"cannot read certificate directory {mask_userinfo(repr(path))}: "
            f"{type(exc).__name__}"
        ) from None
    names.sort(key=os.fsencode)  # Go's os.ReadDir sorts by the names' bytes
    present = set(names)

    roots: list[str] = []
    pairs: list[ClientCertificate] = []
    for name in names:
        file_path = os.path.join(path, name)
        if name.endswith(".crt"):
            from cryptography.hazmat.primitives import serialization

            certificates = parse_certificates(_read(file_path), file_path)
            roots.append(
                "".join(
                    cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
                    for cert in certificates
                )
            )
        if name.endswith(".cert"):
            key_name = name[: -len(".cert")] + ".key"
            if key_name not in present:
                raise CertificateError(_MISSING_KEY.format(key=key_name, cert=name))
            key_path = os.path.join(path, key_name)
            _check_pair(file_path, key_path)
            pairs.append(ClientCertificate(file_path, key_path))
        if name.endswith(".key"):
            cert_name = name[: -len(".key")] + ".cert"
            if cert_name not in present:
                raise CertificateError(_MISSING_CERT.format(cert=cert_name, key=name))

    for pem in roots:
        tls_config.add_root_ca(pem)
    tls_config.client_certificates.extend(pairs)


def _read(path: str) -> bytes:
    try:
        return read_small_file(path, MAX_CERT_FILE_SIZE)
    except OSError as exc:
        raise CertificateError(f"cannot read {path}: {exc.strerror or exc}") from None


def _check_pair(cert_path: str, key_path: str) -> None:
    """Parse a client pair as Go's ``tls.LoadX509KeyPair`` does, and check the two belong."""
    leaf = parse_certificates(_read(cert_path), cert_path)[0]
    key = _load_private_key(key_path)
    cert_public = leaf.public_key()
    key_public = key.public_key()
    # The reference's words (Go's tls package) after the files they are about.
    if _key_kind(cert_public) != _key_kind(key_public):
        raise CertificateError(
            f"client certificate {cert_path} and key {key_path}: tls: private key type does "
            f"not match public key type ({_key_kind(key_public)} key, "
            f"{_key_kind(cert_public)} certificate)"
        )
    if _public_der(cert_public) != _public_der(key_public):
        raise CertificateError(
            f"client certificate {cert_path} and key {key_path}: tls: private key does not "
            "match public key"
        )


def _load_private_key(path: str) -> PrivateKeyTypes:
    """The first private key block of ``path`` (Go takes the first ``* PRIVATE KEY`` block)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    data = _read(path)
    blocks = [
        block
        for block in pem_blocks(data)
        if block.type == "PRIVATE KEY" or block.type.endswith(" PRIVATE KEY")
    ]
    if not blocks:
        raise CertificateError(f"{path}: no PEM private key found")
    block = blocks[0]
    if block.type == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block.data:
        raise CertificateError(f"{path}: the private key is encrypted; certs.d keys cannot be")
    try:
        # The full RSA consistency check costs ~50 ms per key on every lookup; the key is the
        # user's own file, checked against its certificate below and loaded by OpenSSL later.
        return serialization.load_pem_private_key(
            block.data, password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"{path}: PEM private key does not parse: {exc}") from None
    except UnsupportedAlgorithm as exc:
        raise CertificateError(f"{path}: PEM private key cannot be used: {exc}") from None


def _key_kind(key: PublicKeyTypes) -> str:
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ECDSA"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA"
    return type(key).__name__


def _public_der(key: PublicKeyTypes) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
