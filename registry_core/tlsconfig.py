"""TLS settings for one registry host: the counterpart of Go's ``*tls.Config``.

The reference hands a ``*tls.Config`` around; we keep the same facts in a small value
(:class:`TLSConfig`) that can be inspected, copied, extended by plugins, and turned into an
:class:`ssl.SSLContext` when a connection is made. The context, not the environment, decides
what is trusted: see :func:`registry_core.transport.new_transport`.
"""

from __future__ import annotations

import dataclasses
import ssl
from dataclasses import dataclass, field

__all__ = ["ClientCertificate", "TLSConfig"]


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
    registries.
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
        """Trust ``pem`` in addition to the system roots."""
        if self.root_cas is None:
            self.root_cas = []
        self.root_cas.append(pem)

    def ssl_context(self) -> ssl.SSLContext:
        """Build the :class:`ssl.SSLContext` that enforces this configuration."""
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        context.minimum_version = self.minimum_version
        if self.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        for pem in self.root_cas or ():
            context.load_verify_locations(cadata=pem)
        for pair in self.client_certificates:
            context.load_cert_chain(pair.cert_file, pair.key_file)
        return context
