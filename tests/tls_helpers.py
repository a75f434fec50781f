"""Test helpers: throw-away certificate authorities, and loopback HTTP(S) servers and proxies
that record what they receive.

Everything listens on loopback only (``127.0.0.1`` or ``::1``). Typical use::

    ca = make_ca()
    server_cert = issue_cert(ca, ["127.0.0.1"])
    with RecordingServer(tls=server_context(server_cert)) as server:
        ...  # request server.url + "/v2/"
        assert server.requests[0].path == "/v2/"

Keys are P-256 unless asked otherwise: generating them costs microseconds, unlike RSA.
"""

from __future__ import annotations

import contextlib
import datetime
import http.server
import ipaddress
import select
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "Issued",
    "CertificateAuthority",
    "make_ca",
    "issue_cert",
    "write_pem",
    "server_context",
    "RecordedRequest",
    "Reply",
    "RecordingServer",
    "RecordingProxy",
    "silent_listener",
    "free_port",
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
    common_name: str = "registry-core test CA", *, key_type: str = "ec"
) -> CertificateAuthority:
    """A new self-signed CA, valid from yesterday for 30 days."""
    key = _new_key(key_type)
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


# -- servers --------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One request a :class:`RecordingServer` or :class:`RecordingProxy` received."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes
    client_address: tuple[Any, ...]
    #: The client certificate's subject common name, when one was presented.
    client_cert_cn: str | None = None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]


@dataclass
class Reply:
    """What a handler answers: status, headers, body."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


Handler = Callable[[RecordedRequest], Reply]


def _default_handler(request: RecordedRequest) -> Reply:
    return Reply()


def _read_body(handler: http.server.BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep quiet
        pass

    def _record(self) -> RecordedRequest:
        cn = None
        if isinstance(self.connection, ssl.SSLSocket):
            peer = self.connection.getpeercert()
            if peer:
                for rdn in peer.get("subject", ()):
                    for attribute in rdn:
                        if attribute[0] == "commonName":
                            cn = str(attribute[1])
        recorded = RecordedRequest(
            method=self.command,
            path=self.path,
            headers=list(self.headers.items()),
            body=_read_body(self),
            client_address=tuple(self.client_address),
            client_cert_cn=cn,
        )
        self.server.owner._append(recorded)
        return recorded

    def _answer(self) -> None:
        recorded = self._record()
        reply = self.server.owner.handler(recorded)
        self.send_response(reply.status)
        names = {name.lower() for name in reply.headers}
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    def do_CONNECT(self) -> None:  # noqa: N802
        recorded = self._record()
        upstream = self.server.owner.connect_upstream
        if upstream is None:
            reply = self.server.owner.handler(recorded)
            self.send_response(reply.status if reply.status != 200 else 502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            target = socket.create_connection(upstream, timeout=5)
        except OSError:
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        _pipe(self.connection, target)


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    sockets = [client, upstream]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 5)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        return
    finally:
        upstream.close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: RecordingServer

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS is set up here, in the connection's own thread, so that a client that never
        # finishes its handshake blocks only itself.
        request.settimeout(10)
        context = self.owner.tls
        if context is not None:
            try:
                request = context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.owner._handshake_failed(exc)
                request.close()
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that goes away mid-request is not the server's problem


class _Server6(_Server):
    address_family = socket.AF_INET6


class RecordingServer:
    """A threaded HTTP(S) server on loopback that records every request it receives.

    :param handler: answers each request (default: 200 ``ok``); it runs in the server's
        threads.
    :param host: ``127.0.0.1`` (default) or ``::1``.
    :param tls: a server context (:func:`server_context`) to serve https.
    """

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.handler: Handler = handler or _default_handler
        self.tls = tls
        self.host = host
        self.connect_upstream: tuple[str, int] | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self.handshake_errors: list[str] = []
        server_class = _Server6 if ":" in host else _Server
        self._server = server_class((host, 0), _RecordingHandler)
        self._server.owner = self
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """``scheme://host:port``, no trailing slash."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the requests received so far, in order."""
        with self._lock:
            return list(self._requests)

    def _append(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _handshake_failed(self, exc: BaseException) -> None:
        with self._lock:
            self.handshake_errors.append(str(exc))

    def start(self) -> RecordingServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> RecordingServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class RecordingProxy(RecordingServer):
    """A loopback HTTP proxy that records requests.

    Absolute-form requests (``GET http://host/path``) are answered by ``handler`` itself,
    never forwarded. ``CONNECT`` requests are recorded and, when ``upstream`` is given,
    tunnelled to that loopback address whatever host they name (so a test can reach a TLS
    server under a name that does not resolve); without ``upstream`` they are refused.
    With ``tls``, the proxy itself is reached over TLS (an ``https://`` proxy URL).
    """

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        upstream: tuple[str, int] | None = None,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(handler, host=host, tls=tls)
        self.connect_upstream = upstream


@contextlib.contextmanager
def silent_listener(host: str = "127.0.0.1") -> Iterator[tuple[str, int]]:
    """A context manager giving ``(host, port)`` of a socket that listens but never accepts
    or answers: connections complete (the kernel queues them), then hear nothing. For
    timeout tests."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, 0))
        sock.listen(16)
        yield host, sock.getsockname()[1]
    finally:
        sock.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound, then released): connecting to it is refused."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bundle(*pems: Iterable[str] | str) -> str:
    """Concatenate PEM texts (or iterables of them) into one bundle text."""
    parts: list[str] = []
    for item in pems:
        parts.extend([item] if isinstance(item, str) else list(item))
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts)
