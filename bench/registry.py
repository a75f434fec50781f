"""The registries the session scenarios run against, and a TCP connection counter.

Built from the test suite's own parts: :func:`tests.registry_fixtures.start_registry` (the
real Debian ``docker-registry``, whose access log counts pings and reads) and
:class:`tests.token_issuer.TokenIssuer` (whose request log counts token fetches). Neither
logs TCP connections, so each sits behind a :class:`CountingProxy`: a plain TCP relay on
loopback that counts the connections it accepts and forwards bytes untouched. The
registry's token challenges name the issuer's relay as their realm, so token fetches are
counted there too.

The registry is plain HTTP on 127.0.0.1 with token auth: an insecure registry, as a local
or CI registry is, where the reference tries https first and then http.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.registry_fixtures import PKI, RunningRegistry, push_image, start_registry
from tests.token_issuer import TokenAuthSettings, TokenIssuer

REPOSITORIES = [f"bench/app{number:02d}" for number in range(21)]
TAG = "1.0"
ACCEPT = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])
SERVICE = "registry-core-bench"
USER = "alice"


class CountingProxy:
    """A TCP relay from a loopback port to ``target`` that counts accepted connections.

    ``tls_attempts`` counts those whose first byte from the client opens a TLS handshake
    (0x16): on a plain-HTTP registry, the https attempt the reference makes first.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._connections = 0
        self._tls_attempts = 0
        self._closed = False
        threading.Thread(target=self._accept, name="bench-proxy", daemon=True).start()

    @property
    def connections(self) -> int:
        with self._lock:
            return self._connections

    @property
    def tls_attempts(self) -> int:
        with self._lock:
            return self._tls_attempts

    def _first_bytes(self, data: bytes) -> None:
        if data[:1] == b"\x16":
            with self._lock:
                self._tls_attempts += 1

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections += 1
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for source, sink, first in ((client, upstream, self._first_bytes),
                                        (upstream, client, None)):
                threading.Thread(target=_pump, args=(source, sink, first),
                                 daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket,
          first: Callable[[bytes], None] | None = None) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            if first is not None:
                first(data)
                first = None
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        with contextlib.suppress(OSError):
            source.shutdown(socket.SHUT_RD)


@dataclass
class BenchRegistry:
    registry: RunningRegistry
    issuer: TokenIssuer
    registry_proxy: CountingProxy
    issuer_proxy: CountingProxy
    password: str
    workdir: Path
    ca_path: Path | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.ca_path is not None else "http"

    @property
    def host(self) -> str:
        """What clients name the registry by: its relay, ``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.registry_proxy.port}"

    @property
    def direct_host(self) -> str:
        """The registry itself, without the relay (for timing reads)."""
        return self.registry.host

    @property
    def realm(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.issuer_proxy.port}/token"

    def pings(self) -> int:
        return sum(1 for entry in self.registry.access_log() if entry.path == "/v2/")

    def counts(self) -> dict[str, int]:
        """Pings, token requests and connections (registry, issuer) so far."""
        return {
            "pings": self.pings(),
            "tokens": self.issuer.count(),
            "registry_connections": self.registry_proxy.connections,
            "issuer_connections": self.issuer_proxy.connections,
            "registry_tls_attempts": self.registry_proxy.tls_attempts,
        }


def missing_programs() -> str | None:
    """Why the registry scenarios cannot run here, or None."""
    if shutil.which("docker-registry") is None:
        return "docker-registry is not installed (Debian package docker-registry)"
    return None


@contextlib.contextmanager
def bench_registry(
    *, tls: bool = False, seed: Callable[[str], None] | None = None,
    service: str = SERVICE,
) -> Iterator[BenchRegistry]:
    """A token-auth registry holding the 21 repositories, behind counting relays.

    ``seed`` fills the storage instead, given the base URL of a plain registry on it;
    ``service`` names the registry to its issuer (two registries, two services).

    With ``tls``, the registry and the issuer serve HTTPS with certificates for 127.0.0.1
    from a throw-away CA (``ca_path``); registry-core treats 127.0.0.1 as insecure and does
    not verify them, as the reference does; other clients verify against ``ca_path``.
    """
    with tempfile.TemporaryDirectory(prefix="registry-core-bench-") as name:
        workdir = Path(name)
        storage = workdir / "storage"
        with start_registry(workdir, storage_dir=storage) as seeder:
            if seed is not None:
                seed(seeder.url)
            else:
                for repository in REPOSITORIES:
                    push_image(seeder.url, repository, TAG)
        password = "pw-" + secrets.token_urlsafe(12)
        pki = PKI(workdir / "pki") if tls else None
        server_tls = pki.issue_server(["127.0.0.1"]) if pki is not None else None
        issuer = TokenIssuer(workdir / "issuer", users={USER: password}, host="127.0.0.1",
                             service=service, tls=server_tls)
        issuer.start()
        issuer_proxy = CountingProxy(("127.0.0.1", issuer.port))
        settings = TokenAuthSettings(
            realm=f"{issuer.scheme}://127.0.0.1:{issuer_proxy.port}/token", service=service,
            issuer=issuer.issuer, rootcertbundle=str(issuer.rootcert_path),
        )
        registry = start_registry(workdir, token=settings, storage_dir=storage, tls=server_tls)
        registry_proxy = CountingProxy(("127.0.0.1", registry.port))
        try:
            yield BenchRegistry(registry, issuer, registry_proxy, issuer_proxy, password,
                                workdir, pki.ca_path if pki is not None else None)
        finally:
            registry_proxy.close()
            registry.stop()
            issuer_proxy.close()
            issuer.stop()
