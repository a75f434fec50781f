"""TLS settings for one registry host: the counterpart of Go's ``*tls.Config``.

The reference hands a ``*tls.Config`` around; we keep the same facts in a small value
(:class:`TLSConfig`) that can be inspected, copied, extended by plugins, and turned into an
:class:`ssl.SSLContext` when a connection is made. The context, not the environment, decides
what is trusted: see :func:`registry_core.transport.new_transport`.

PEM handling lives here too (:func:`pem_blocks`, :func:`parse_certificates`), because both
:meth:`TLSConfig.add_root_ca` and the certs.d reader (:mod:`registry_core.certs`) must agree on
what counts as a certificate.
"""

from __future__ import annotations

import dataclasses
import os
import re
import ssl
import sys
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import CertificateError

if TYPE_CHECKING:
    # cryptography's x509 costs more to import than requests does; it is loaded when a
    # certificate is first read, not with the package.
    from cryptography import x509

__all__ = [
    "ClientCertificate",
    "TLSConfig",
    "PemBlock",
    "pem_blocks",
    "parse_certificates",
]

# Go's pem.Decode is line based and tolerant of text around blocks; so is this. The type must
# match on both lines, as Go requires.
_PEM_BLOCK = re.compile(
    rb"-----BEGIN (?P<type>[^\r\n-]+)-----\r?\n(?P<body>.*?)-----END (?P=type)-----",
    re.DOTALL,
)


@dataclass(frozen=True)
class PemBlock:
    """One ``-----BEGIN TYPE-----`` ... ``-----END TYPE-----`` block, verbatim."""

    type: str
    data: bytes


def pem_blocks(data: bytes) -> list[PemBlock]:
    """Every PEM block in ``data``, in order; text around and between blocks is ignored."""
    return [
        PemBlock(match.group("type").decode("ascii", "replace"), match.group(0))
        for match in _PEM_BLOCK.finditer(data)
    ]


def parse_certificates(data: bytes | str, what: str) -> list[x509.Certificate]:
    """The certificates of every ``CERTIFICATE`` block in ``data``; other blocks are skipped.

    Go's ``AppendCertsFromPEM`` silently skips a block that does not parse and accepts data
    with no certificate at all; we refuse both, because a CA that silently vanishes turns into
    a confusing "unknown authority" error much later.

    :param what: how to name the data in an error (a file name, "root CA 2").
    :raises CertificateError: no ``CERTIFICATE`` block, or one that does not parse.
    """
    from cryptography import x509

    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    certificates = []
    blocks = [block for block in pem_blocks(raw) if block.type == "CERTIFICATE"]
    if not blocks:
        raise CertificateError(f"{what}: no PEM certificate found")
    for number, block in enumerate(blocks, start=1):
        try:
            certificates.append(x509.load_pem_x509_certificate(block.data))
        except ValueError as exc:
            raise CertificateError(
                f"{what}: PEM certificate {number} does not parse: {exc}"
            ) from None
    return certificates


def _refuse_password() -> bytes:
    # Without a callback OpenSSL would prompt on the terminal for an encrypted key's
    # passphrase; an empty one makes the load fail instead, which we then report.
    return b""


@dataclass(frozen=True)
class ClientCertificate:
    """A client certificate and its private key, as PEM files on disk.

    Files, not bytes, because :meth:`ssl.SSLContext.load_cert_chain` reads files, and certs.d
    keeps them as files anyway.
    """

    cert_file: str
    key_file: str


@dataclass
class TLSConfig:
    """What a connection to one host verifies and presents.

    ``root_cas`` is ``None`` while only the system's roots are trusted (Go's ``RootCAs == nil``);
    a list means the system roots plus these PEM certificates (certs.d's ``*.crt``).
    ``insecure_skip_verify`` turns verification off, as the reference does for insecure
    registries. The system roots are OpenSSL's defaults, which honour ``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR`` as Go's ``SystemCertPool`` does on Linux; nothing else in the environment
    (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) is consulted.
    """

    insecure_skip_verify: bool = False
    root_cas: list[str] | None = None
    client_certificates: list[ClientCertificate] = field(default_factory=list)
    #: The lowest protocol accepted; the reference's ``tlsconfig.ServerDefault`` uses TLS 1.2.
    minimum_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2

    def copy(self) -> TLSConfig:
        """A copy whose lists can be changed without touching this one."""
        return dataclasses.replace(
            self,
            root_cas=None if self.root_cas is None else list(self.root_cas),
            client_certificates=list(self.client_certificates),
        )

    def add_root_ca(self, pem: str) -> None:
        """Trust the certificates in ``pem`` in addition to the system roots.

        :raises CertificateError: ``pem`` holds no certificate, or one that does not parse;
            checked now so the error points at whoever added it, not at a later connection.
        """
        parse_certificates(pem, "root CA")
        if self.root_cas is None:
            self.root_cas = []
        self.root_cas.append(pem)

    def add_client_certificate(self, cert_file: str, key_file: str) -> None:
        """Present the certificate in ``cert_file`` (key in ``key_file``) when a server asks."""
        self.client_certificates.append(ClientCertificate(cert_file, key_file))

    def cache_key(self) -> Hashable:
        """A hashable value equal for configurations that build equivalent contexts.

        :class:`TLSConfig` is mutable and so unhashable; use this to cache transports or
        contexts per configuration. Client certificates are keyed by path: a file that
        changes on disk needs a new transport.
        """
        return (
            self.insecure_skip_verify,
            self.minimum_version,
            None if self.root_cas is None else tuple(self.root_cas),
            tuple((pair.cert_file, pair.key_file) for pair in self.client_certificates),
        )

    def ssl_context(self) -> ssl.SSLContext:
        """Build the :class:`ssl.SSLContext` that enforces this configuration.

        When several client pairs are configured, OpenSSL keeps one per key type; they are
        loaded last to first so that the first pair listed of each type is the one offered,
        as Go offers the first acceptable entry of ``Certificates``.

        :raises CertificateError: a root CA or a client pair that cannot be loaded; the
            message names the CA by position or the pair by its files.
        """
        if self.insecure_skip_verify:
            # Nothing is verified, so the system's CA bundle is not loaded: that load is
            # most of what building a context costs (tens of ms).
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            keylog = os.environ.get("SSLKEYLOGFILE")  # as create_default_context honours it
            if keylog and not sys.flags.ignore_environment:
                context.keylog_filename = keylog
        else:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        context.minimum_version = self.minimum_version
        roots = self.root_cas or []
        if roots:
            from cryptography.hazmat.primitives import serialization
        for number, pem in enumerate(roots, start=1):
            what = f"root CA {number} of {len(roots)}"
            certificates = parse_certificates(pem, what)
            cadata = "".join(
                cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
                for cert in certificates
            )
            try:
                context.load_verify_locations(cadata=cadata)
            except (ssl.SSLError, ValueError) as exc:
                raise CertificateError(f"{what} cannot be used: {_ssl_reason(exc)}") from None
        for pair in reversed(self.client_certificates):
            try:
                context.load_cert_chain(pair.cert_file, pair.key_file, password=_refuse_password)
            except ssl.SSLError as exc:
                raise CertificateError(
                    f"client certificate {pair.cert_file} with key {pair.key_file} cannot be "
                    f"used: {_ssl_reason(exc)}"
                ) from None
            except OSError as exc:
                raise CertificateError(
                    f"cannot read client certificate {pair.cert_file} or key {pair.key_file}: "
                    f"{exc.strerror or exc}"
                ) from None
        return context


def _ssl_reason(exc: BaseException) -> str:
    """OpenSSL's short reason (``KEY_VALUES_MISMATCH``), else the message."""
    reason = getattr(exc, "reason", None)
    library = getattr(exc, "library", None)
    if reason:
        return f"{library}: {reason}" if library else str(reason)
    return str(exc)
