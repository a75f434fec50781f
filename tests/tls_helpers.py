"""Test helpers: throw-away certificate authorities, the certificates they sign, and
server-side TLS contexts. Typical use::

    ca = make_ca()
    server_cert = issue_cert(ca, ["127.0.0.1"])
    with StubServer(tls=server_context(server_cert)) as server:  # tests.http_stub
        ...  # request server.url + "/v2/", trusting ca.cert_pem

Keys are P-256 unless asked otherwise: generating them costs microseconds, unlike RSA.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import ssl
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "Issued",
    "CertificateAuthority",
    "PrivateKey",
    "make_ca",
    "issue_cert",
    "write_pem",
    "server_context",
    "bundle",
]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _new_key(key_type: str) -> PrivateKey:
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key type {key_type!r}: use 'ec' or 'rsa'")


def _key_pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@dataclass
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def key_pem(self) -> str:
        return _key_pem(self.key)

    def write(
        self, directory: Path | str, stem: str, cert_ext: str = ".cert", key_ext: str = ".key"
    ) -> tuple[Path, Path]:
        """Write ``stem + cert_ext`` and ``stem + key_ext`` into ``directory`` (made if
        missing); the key is mode 0600. Returns both paths."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        cert_path = write_pem(directory / f"{stem}{cert_ext}", self.cert_pem)
        key_path = write_pem(directory / f"{stem}{key_ext}", self.key_pem)
        key_path.chmod(0o600)
        return cert_path, key_path


@dataclass
class CertificateAuthority(Issued):
    """A self-signed CA that :func:`issue_cert` signs with."""

    def write_cert(self, path: Path | str) -> Path:
        """Write the CA certificate alone (a certs.d ``ca.crt``, a CA bundle)."""
        return write_pem(path, self.cert_pem)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(
    common_name: str = "registry-core test CA",
    *,
    key_type: str = "ec",
    key: PrivateKey | None = None,
) -> CertificateAuthority:
    """A new self-signed CA, valid from yesterday for 30 days.

    :param key: sign with this key (e.g. a token signer's, whose certificate is then the
        trust anchor for the tokens it signs) instead of a new one of ``key_type``.
    """
    key = key if key is not None else _new_key(key_type)
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertificateAuthority(cert, key)


def issue_cert(
    ca: CertificateAuthority,
    names: Sequence[str],
    client: bool = False,
    *,
    key_type: str = "ec",
    common_name: str | None = None,
) -> Issued:
    """A leaf certificate signed by ``ca``.

    :param names: subject alternative names; IP literals become IP SANs, the rest DNS names.
        The first (or ``common_name``) is also the subject's common name.
    :param client: a client certificate (``clientAuth``) rather than a server one.
    """
    key = _new_key(key_type)
    now = datetime.datetime.now(datetime.timezone.utc)
    sans: list[x509.GeneralName] = []
    for name in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name or (names[0] if names else "registry-core test leaf")))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


def write_pem(path: Path | str, *pems: str) -> Path:
    """Write the PEM texts, concatenated, to ``path`` (a bundle when given several)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(pem if pem.endswith("\n") else pem + "\n" for pem in pems))
    return path


def server_context(
    issued: Issued,
    *,
    client_ca: CertificateAuthority | None = None,
    tmp_dir: Path | str | None = None,
) -> ssl.SSLContext:
    """A server-side TLS context presenting ``issued``; with ``client_ca``, clients must
    present a certificate signed by it.

    ``ssl`` loads keys from files only: they are written to ``tmp_dir``, or to a temporary
    directory removed once they are loaded.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with contextlib.ExitStack() as stack:
        directory = (
            Path(tmp_dir)
            if tmp_dir is not None
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tls-")))
        )
        cert_path, key_path = issued.write(directory, f"server-{issued.cert.serial_number:x}")
        context.load_cert_chain(cert_path, key_path)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=client_ca.cert_pem)
    return context


def bundle(*pems: Iterable[str] | str) -> str:
    """Concatenate PEM texts (or iterables of them) into one bundle text."""
    parts: list[str] = []
    for item in pems:
        parts.extend([item] if isinstance(item, str) else list(item))
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts)
