"""Pytest plugin: the real Distribution registry (Debian ``docker-registry``) for auth tests.

Register it with ``pytest_plugins = ["tests.registry_fixtures"]``. It provides

- :class:`PKI` and the session fixture ``pki``: certificate authorities and leaf certificates
  as files;
- :func:`start_registry` / :class:`RunningRegistry`: one ``docker-registry serve`` process
  with its own JSON configuration, optional TLS, htpasswd, token auth and client-certificate
  checks, and an access log parsed into ``(method, path, status)`` so tests can count
  requests;
- :func:`push_image`: content upload over the registry API, to populate a storage directory
  that other (authenticated) instances then serve;
- the fixtures ``plain_registry``, ``tls_basic_registry``, ``token_registry`` and
  ``mtls_registry``, each yielding a :class:`RegistryEnv`;
- ``secure_hostname`` (:data:`SECURE_HOSTNAME` resolves to ``::1`` in the test process),
  ``loopback_resolver`` (map more names) and ``secure_hostname_child_env`` (the same for a
  child Python, such as the ``registry-core`` command run as a program).

Every program is found through :func:`tests.programs.require_program`: without
``docker-registry`` a test that needs one is skipped, naming the package (failed with
``CI=true``).

Why TLS registries listen on ``[::1]`` under :data:`SECURE_HOSTNAME`: the reference treats
every 127.0.0.0/8 address and ``localhost`` as insecure (it skips verification and ignores
certs.d), so real verification can only be exercised on a name that resolves to ``::1``
alone (see FACTS.md). The name resolves so in the test process only
(:mod:`tests.loopback_names`); ``/etc/hosts`` is never touched.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import io
import ipaddress
import json
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tarfile
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import requests

from tests.http_stub import free_port
from tests.loopback_names import LoopbackResolver, child_environment, resolver
from tests.programs import require_program
from tests.tls_helpers import Issued, issue_cert, make_ca
from tests.token_issuer import TokenAuthSettings, TokenIssuer

__all__ = [
    "CERTS_DIR_ENV",
    "MANIFEST_V2",
    "SECURE_HOSTNAME",
    "SEED_REPOSITORY",
    "SEED_TAGS",
    "PKI",
    "AccessLogEntry",
    "RegistryEnv",
    "RegistryStartError",
    "RunningRegistry",
    "TokenAuthSettings",
    "certs_dir_for",
    "push_image",
    "start_registry",
]

#: A name the :func:`secure_hostname` fixture resolves to ``::1`` alone, inside the test
#: process only, so the reference treats it as a secure registry and verifies its certificate.
SECURE_HOSTNAME = "registry-core.test"

#: The environment variable the library's certs.d lookup is pointed at in tests.
CERTS_DIR_ENV = "REGISTRY_CORE_CERTS_DIR"

#: The content every fixture registry serves: ``team/app:1.0`` and ``team/app:2.0``.
SEED_REPOSITORY = "team/app"
SEED_TAGS = ("1.0", "2.0")

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
_CONFIG_V1 = "application/vnd.docker.container.image.v1+json"
_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

#: Requests the fixtures make themselves (readiness, log sync) carry this user agent and
#: are left out of :meth:`RunningRegistry.access_log`.
_PROBE_AGENT = "registry-fixtures-probe"
_SYNC_PREFIX = "/__registry_fixtures_sync__/"
_START_TIMEOUT = 20.0
_SYNC_TIMEOUT = 10.0


class RegistryStartError(RuntimeError):
    """``docker-registry`` did not come up; the message carries its log."""


# -- certificates ------------------------------------------------------------------------


class PKI:
    """Two throw-away certificate authorities and the leaves they sign, as PEM files.

    ``ca_path`` signs server certificates (what a client trusts, certs.d's ``ca.crt``);
    ``client_ca_path`` signs client certificates (what an mTLS registry's
    ``http.tls.clientcas`` trusts). Two CAs, so a test cannot pass by confusing them.
    Built on :mod:`tests.tls_helpers`.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._server_ca = make_ca("registry-core test server CA")
        self._client_ca = make_ca("registry-core test client CA")
        self.ca_cert_pem: str = self._server_ca.cert_pem
        self.client_ca_cert_pem: str = self._client_ca.cert_pem
        self.ca_path = self._server_ca.write_cert(self.directory / "ca.crt")
        self.client_ca_path = self._client_ca.write_cert(self.directory / "client-ca.crt")
        self._serial = 0

    def issue_server(self, names: list[str]) -> tuple[Path, Path]:
        """A server certificate for DNS names and/or IP literals; ``(cert_path, key_path)``."""
        return self._write(names[0], issue_cert(self._server_ca, names))

    def issue_client(self, common_name: str) -> tuple[Path, Path]:
        """A client certificate signed by the client CA; ``(cert_path, key_path)``."""
        issued = issue_cert(self._client_ca, [], client=True, common_name=common_name)
        return self._write(common_name, issued)

    def _write(self, stem: str, issued: Issued) -> tuple[Path, Path]:
        self._serial += 1
        safe = re.sub(r"[^A-Za-z0-9.-]+", "_", stem)[:40] or "leaf"
        return issued.write(self.directory, f"{self._serial:03d}-{safe}")


# -- names and ports ---------------------------------------------------------------------


def _bind_address(host: str) -> str:
    """The loopback address to listen on for a host clients will use.

    A name other than ``localhost`` must be one the test mapped to loopback in this process
    (:func:`secure_hostname`, :func:`loopback_resolver`): the tests never depend on what
    ``/etc/hosts`` or DNS say about it.
    """
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(host))
    if host == "localhost":
        return "127.0.0.1"
    resolve = socket.getaddrinfo
    address = resolve.address_for(host) if isinstance(resolve, LoopbackResolver) else None
    if address is None:
        raise RegistryStartError(
            f"{host} is not mapped to loopback in this test process: request the "
            f"secure_hostname fixture (or loopback_resolver.add({host!r})); tests never edit "
            "/etc/hosts"
        )
    return address


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def certs_dir_for(root: Path, host: str, ca_path: Path | None = None,
                  client: tuple[Path, Path] | None = None) -> Path:
    """Lay out ``root/<host>/`` as certs.d: ``ca.crt``, and ``client.cert``/``client.key``.

    ``host`` is ``name:port`` as the client will look it up. Returns ``root``.
    """
    target = root / host
    target.mkdir(parents=True, exist_ok=True)
    if ca_path is not None:
        shutil.copyfile(ca_path, target / "ca.crt")
    if client is not None:
        shutil.copyfile(client[0], target / "client.cert")
        shutil.copyfile(client[1], target / "client.key")
        (target / "client.key").chmod(0o600)
    return root


# -- the registry process ----------------------------------------------------------------


class AccessLogEntry(NamedTuple):
    """One request the registry served. Compares equal to a plain ``(method, path, status)``."""

    method: str
    path: str
    status: int


# Gorilla's combined log format: host ident user [time] "METHOD URI PROTO" status size
# "referer" "agent"; quoted fields escape '"' and '\'.
_ACCESS_LINE = re.compile(
    r'^\S+ \S+ \S+ \[[^\]]*\] "(?P<method>\S+) (?P<uri>\S+) [^"]*" (?P<status>\d{3}) \S+ '
    r'"(?:[^"\\]|\\.)*" "(?P<agent>(?:[^"\\]|\\.)*)"\s*$'
)


@dataclass
class RunningRegistry:
    """One ``docker-registry serve`` process.

    Attributes: ``host`` (``"127.0.0.1:PORT"`` or ``"registry-core.test:PORT"``, what a
    client puts in a reference), ``url`` (scheme + host), ``bind`` (the loopback address it
    listens on), ``port``, ``scheme``, ``storage_dir``, ``config_path``, ``config`` (the
    dict written), ``log_path`` (the registry's own log, stderr) and ``access_log_path``
    (its access log, stdout). Use it as a context manager or call :meth:`stop`.
    """

    workdir: Path
    hostname: str
    bind: str
    port: int
    scheme: str
    storage_dir: Path
    config_path: Path
    config: dict[str, Any]
    log_path: Path
    access_log_path: Path
    probe_cert: tuple[Path, Path] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        return f"{_bracket(self.hostname)}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def __enter__(self) -> RunningRegistry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Terminate, wait, kill if it will not go (idempotent)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def logs(self) -> str:
        """Both logs, for error messages."""
        parts = []
        for path in (self.log_path, self.access_log_path):
            with contextlib.suppress(OSError):
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')}")
        return "\n".join(parts)

    # -- probes --------------------------------------------------------------------------

    def _probe(self, path: str) -> int | None:
        """GET ``path`` on the bind address, not verifying TLS; the status, or ``None``.

        ``None`` means nobody is listening yet. A TLS failure means a listener that wants a
        client certificate we do not have: it is up, which is all a probe asks; 0 then.
        """
        connection: http.client.HTTPConnection
        if self.scheme == "https":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            if self.probe_cert is not None:
                context.load_cert_chain(str(self.probe_cert[0]), str(self.probe_cert[1]))
            connection = http.client.HTTPSConnection(
                self.bind, self.port, timeout=5, context=context
            )
        else:
            connection = http.client.HTTPConnection(self.bind, self.port, timeout=5)
        try:
            connection.request("GET", path, headers={"User-Agent": _PROBE_AGENT})
            response = connection.getresponse()
            response.read()
            return response.status
        except ssl.SSLError:
            return 0
        except (ConnectionError, OSError):
            return None
        finally:
            connection.close()

    def wait_ready(self, timeout: float = _START_TIMEOUT) -> None:
        """Poll ``GET /v2/`` until the registry answers; raise with its log if it cannot."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RegistryStartError(
                    f"docker-registry exited with {self.process.returncode}\n{self.logs()}"
                )
            if self._probe("/v2/") is not None:
                return
            if time.monotonic() > deadline:
                raise RegistryStartError(
                    f"docker-registry did not answer within {timeout:.0f}s\n{self.logs()}"
                )
            time.sleep(0.02)

    # -- access log ----------------------------------------------------------------------

    def _sync_access_log(self) -> None:
        """Make sure every request already answered is in the access log.

        The log line is written by a wrapper after the handler returns, so a test reading
        the file right after a response could miss the last line. A marker request sent
        now is logged after those, so once it shows up the earlier ones are there too.
        Skipped when the registry demands a client certificate we were not given.
        """
        if self.scheme == "https" and "clientcas" in self.config["http"]["tls"] \
                and self.probe_cert is None:
            return
        marker = secrets.token_hex(8)
        self._probe(_SYNC_PREFIX + marker)
        deadline = time.monotonic() + _SYNC_TIMEOUT
        while marker not in self.access_log_path.read_text(errors="replace"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"access log sync marker never appeared\n{self.logs()}")
            time.sleep(0.01)

    def access_log(
        self, *, since: int = 0, with_query: bool = False, sync: bool = True
    ) -> list[AccessLogEntry]:
        """The requests the registry served, oldest first, without the fixtures' own.

        ``path`` is without the query string unless ``with_query``. ``since`` drops the
        first entries, so ``n = len(reg.access_log())`` before an action and
        ``reg.access_log(since=n)`` after it yields just what the action caused.
        """
        if sync:
            self._sync_access_log()
        entries: list[AccessLogEntry] = []
        for line in self.access_log_path.read_text(errors="replace").splitlines():
            match = _ACCESS_LINE.match(line)
            if match is None or match["agent"] == _PROBE_AGENT:
                continue
            uri = match["uri"]
            path = uri if with_query else urllib.parse.urlsplit(uri).path
            entries.append(AccessLogEntry(match["method"], path, int(match["status"])))
        return entries[since:]

    def count(self, method: str | None = None, path: str | None = None,
              status: int | None = None) -> int:
        """How many logged requests match all the given fields."""
        return sum(
            1
            for entry in self.access_log()
            if (method is None or entry.method == method)
            and (path is None or entry.path == path)
            and (status is None or entry.status == status)
        )


def _bcrypt_line(user: str, password: str) -> str:
    try:
        import bcrypt
    except ImportError:
        result = subprocess.run(
            [require_program("htpasswd"), "-nbB", "-C", "4", user, password],
            check=True, capture_output=True, text=True,
        )
        return result.stdout.strip()
    hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=4)).decode("ascii")
    return f"{user}:{hashed}"


def _registry_config(
    workdir: Path,
    *,
    bind: str,
    port: int,
    storage_dir: Path,
    tls: tuple[Path | str, Path | str] | None,
    htpasswd: Mapping[str, str] | None,
    token: TokenAuthSettings | None,
    client_ca: Path | str | None,
) -> dict[str, Any]:
    http_section: dict[str, Any] = {
        "addr": f"{_bracket(bind)}:{port}",
        "secret": secrets.token_hex(16),
        "headers": {"X-Content-Type-Options": ["nosniff"]},
    }
    if tls is not None:
        http_section["tls"] = {"certificate": str(tls[0]), "key": str(tls[1])}
        if client_ca is not None:
            http_section["tls"]["clientcas"] = [str(client_ca)]
    elif client_ca is not None:
        raise ValueError("client_ca needs tls")
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "info", "formatter": "text", "accesslog": {"disabled": False}},
        "storage": {
            "filesystem": {"rootdirectory": str(storage_dir)},
            "delete": {"enabled": True},
            # Several instances may share this directory; none should purge the others'
            # uploads behind their backs.
            "maintenance": {"uploadpurging": {"enabled": False}},
        },
        "http": http_section,
    }
    if htpasswd is not None and token is not None:
        raise ValueError("the registry takes one auth method: htpasswd or token, not both")
    if htpasswd is not None:
        path = workdir / "htpasswd"
        path.write_text("".join(_bcrypt_line(u, p) + "\n" for u, p in htpasswd.items()))
        config["auth"] = {"htpasswd": {"realm": "registry-core-test", "path": str(path)}}
    if token is not None:
        config["auth"] = {"token": token.as_config()}
    return config


def start_registry(
    tmp_path: Path,
    *,
    host: str = "127.0.0.1",
    tls: tuple[Path | str, Path | str] | None = None,
    htpasswd: Mapping[str, str] | None = None,
    token: TokenAuthSettings | None = None,
    client_ca: Path | str | None = None,
    storage_dir: Path | str | None = None,
    probe_cert: tuple[Path, Path] | None = None,
) -> RunningRegistry:
    """Start ``docker-registry serve`` and wait until ``GET /v2/`` answers.

    :param tmp_path: a directory for the config, logs, htpasswd and (by default) storage;
        a fresh subdirectory is made in it, so one ``tmp_path`` can host several.
    :param host: what clients use: an IP literal (``"127.0.0.1"``, ``"::1"``) or a name. A
        name is served on the loopback address the test mapped it to (request the
        :func:`secure_hostname` fixture for :data:`SECURE_HOSTNAME`).
    :param tls: ``(cert_path, key_path)`` to serve HTTPS.
    :param htpasswd: ``{user: password}``, hashed with bcrypt cost 4 (the registry hashes
        every request's password, and cost 10 would make each one take ~50 ms).
    :param token: token auth against a :class:`~tests.token_issuer.TokenIssuer`.
    :param client_ca: a CA bundle; clients must then present a certificate it signed.
    :param storage_dir: share storage with other instances; default: private.
    :param probe_cert: a client certificate for the fixtures' own probes when
        ``client_ca`` is set (without one, readiness is judged by the TLS listener alone
        and :meth:`RunningRegistry.access_log` cannot sync).
    """
    bind = _bind_address(host)
    program = require_program("docker-registry")
    hostname = host if not _is_ip(host) else bind
    workdir = _fresh_dir(Path(tmp_path))
    storage = Path(storage_dir) if storage_dir is not None else workdir / "storage"
    storage.mkdir(parents=True, exist_ok=True)

    last_error: RegistryStartError | None = None
    for _attempt in range(3):
        port = free_port(bind)
        config = _registry_config(
            workdir, bind=bind, port=port, storage_dir=storage, tls=tls,
            htpasswd=htpasswd, token=token, client_ca=client_ca,
        )
        config_path = workdir / "config.json"
        config_path.write_text(json.dumps(config, indent=2))
        registry = RunningRegistry(
            workdir=workdir, hostname=hostname, bind=bind, port=port,
            scheme="https" if tls is not None else "http", storage_dir=storage,
            config_path=config_path, config=config, log_path=workdir / "registry.log",
            access_log_path=workdir / "access.log", probe_cert=probe_cert,
        )
        with registry.log_path.open("wb") as err, registry.access_log_path.open("wb") as out:
            registry.process = subprocess.Popen(
                [program, "serve", str(config_path)],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            )
        try:
            registry.wait_ready()
        except RegistryStartError as error:
            registry.stop()
            last_error = error
            if "address already in use" in str(error):
                continue  # lost the race for the port: try another
            raise
        return registry
    assert last_error is not None
    raise last_error


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _fresh_dir(parent: Path) -> Path:
    """A new ``registry-N`` directory under ``parent``, so one tmp_path can host several."""
    parent.mkdir(parents=True, exist_ok=True)
    for number in range(1000):
        candidate = parent / f"registry-{number}"
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise RuntimeError(f"no free registry directory under {parent}")


# -- content -----------------------------------------------------------------------------


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer_for(name: str, tag: str) -> tuple[bytes, bytes]:
    """A small, deterministic gzipped tar layer and its uncompressed tar."""
    content = f"{name}:{tag}\n".encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(content)
        info.mtime = 0
        archive.addfile(info, io.BytesIO(content))
    tar_bytes = raw.getvalue()
    return gzip.compress(tar_bytes, mtime=0), tar_bytes


def _upload_blob(session: requests.Session, base_url: str, name: str, data: bytes) -> str:
    digest = _digest(data)
    started = session.post(f"{base_url}/v2/{name}/blobs/uploads/")
    if started.status_code != 202:
        raise RuntimeError(f"blob upload start: {started.status_code} {started.text}")
    location = urllib.parse.urljoin(base_url + "/", started.headers["Location"])
    separator = "&" if "?" in location else "?"
    finished = session.put(
        f"{location}{separator}digest={digest}",
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    if finished.status_code != 201:
        raise RuntimeError(f"blob upload finish: {finished.status_code} {finished.text}")
    return digest


def push_image(
    base_url: str, name: str, tag: str, *, session: requests.Session | None = None
) -> str:
    """Upload a config blob and a layer (POST + monolithic PUT), then PUT a schema2 manifest.

    Content is derived from ``name:tag`` only, so the same image pushed twice has the same
    digest. ``session`` carries any auth or TLS settings; by default a plain session that
    ignores proxy and CA environment variables. Returns the manifest digest.
    """
    own = session is None
    http = session if session is not None else requests.Session()
    if own:
        http.trust_env = False
    try:
        base_url = base_url.rstrip("/")
        layer, tar_bytes = _layer_for(name, tag)
        image_config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "config": {"Labels": {"registry-core.test": f"{name}:{tag}"}},
                "rootfs": {"type": "layers", "diff_ids": [_digest(tar_bytes)]},
            },
            sort_keys=True,
        ).encode()
        config_digest = _upload_blob(http, base_url, name, image_config)
        layer_digest = _upload_blob(http, base_url, name, layer)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_V2,
                "config": {"mediaType": _CONFIG_V1, "size": len(image_config),
                           "digest": config_digest},
                "layers": [{"mediaType": _LAYER_GZIP, "size": len(layer),
                            "digest": layer_digest}],
            },
            indent=3,
        ).encode()
        response = http.put(
            f"{base_url}/v2/{name}/manifests/{tag}",
            data=manifest,
            headers={"Content-Type": MANIFEST_V2},
        )
        if response.status_code != 201:
            raise RuntimeError(f"manifest put: {response.status_code} {response.text}")
        digest = _digest(manifest)
        served = response.headers.get("Docker-Content-Digest")
        if served != digest:
            raise RuntimeError(f"registry says manifest is {served}, we computed {digest}")
        return digest
    finally:
        if own:
            http.close()


# -- fixtures ----------------------------------------------------------------------------


@dataclass
class RegistryEnv:
    """What a registry fixture yields.

    :ivar registry: the :class:`RunningRegistry` (``.host``, ``.url``, ``.access_log()``).
    :ivar repository: ``"team/app"``; ``tags`` maps ``"1.0"``/``"2.0"`` to manifest digests.
    :ivar ca_path: the CA that signed the server certificate (``None`` for plain HTTP).
    :ivar certs_dir: a certs.d root laid out as ``<certs_dir>/<host:port>/ca.crt`` (and
        ``client.cert``/``client.key`` for mTLS); point the library at it with
        :attr:`environ` (``REGISTRY_CORE_CERTS_DIR``). ``None`` for plain HTTP.
    :ivar username: the one valid user (``"alice"``), ``password`` a random one per fixture
        (unique, so tests can use it as a canary); ``None`` when there is no auth.
    :ivar issuer: the :class:`~tests.token_issuer.TokenIssuer` (token registry only).
    :ivar client_cert: ``(cert_path, key_path)`` the mTLS registry accepts.
    :ivar pki: the :class:`PKI` that issued everything, to mint more certificates.
    """

    registry: RunningRegistry
    repository: str = SEED_REPOSITORY
    tags: dict[str, str] = field(default_factory=dict)
    ca_path: Path | None = None
    certs_dir: Path | None = None
    username: str | None = None
    password: str | None = None
    issuer: TokenIssuer | None = None
    client_cert: tuple[Path, Path] | None = None
    pki: PKI | None = None

    @property
    def host(self) -> str:
        return self.registry.host

    @property
    def url(self) -> str:
        return self.registry.url

    @property
    def environ(self) -> dict[str, str]:
        """Environment for the library under test (``monkeypatch.setenv`` each item)."""
        return {CERTS_DIR_ENV: str(self.certs_dir)} if self.certs_dir is not None else {}

    def session(self, *, auth: bool = False) -> requests.Session:
        """A requests session that trusts :attr:`ca_path` and ignores the environment.

        ``trust_env`` is off because this machine exports ``REQUESTS_CA_BUNDLE``, which
        would otherwise replace ``verify``. With ``auth``, basic credentials are attached.
        """
        http = requests.Session()
        http.trust_env = False
        http.verify = str(self.ca_path) if self.ca_path is not None else True
        if self.client_cert is not None:
            http.cert = (str(self.client_cert[0]), str(self.client_cert[1]))
        if auth and self.username is not None and self.password is not None:
            http.auth = (self.username, self.password)
        return http


@pytest.fixture
def loopback_resolver(monkeypatch: pytest.MonkeyPatch) -> LoopbackResolver:
    """``socket.getaddrinfo`` for this test, answering for the names added to it.

    ``loopback_resolver.add("name.test")`` makes ``name.test`` resolve to ``::1`` (or the
    loopback address given) in this process until the test ends; every other name goes to
    the system resolver as before.
    """
    current = socket.getaddrinfo
    if isinstance(current, LoopbackResolver):
        return current  # already patched for this test (another fixture asked first)
    patched = resolver({})
    monkeypatch.setattr(socket, "getaddrinfo", patched)
    return patched


@pytest.fixture
def secure_hostname(loopback_resolver: LoopbackResolver) -> str:
    """:data:`SECURE_HOSTNAME`, resolving to ``::1`` alone in this process for this test."""
    loopback_resolver.add(SECURE_HOSTNAME, "::1")
    return SECURE_HOSTNAME


@pytest.fixture
def secure_hostname_child_env(tmp_path: Path, loopback_resolver: LoopbackResolver,
                              secure_hostname: str) -> dict[str, str]:
    """Environment for a child Python in which the names mapped for this test resolve the
    same way (``sitecustomize.py`` in a temp directory, first on ``PYTHONPATH``)."""
    return child_environment(tmp_path / "loopback-names", loopback_resolver.names)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    """One set of CAs for the whole run."""
    return PKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def _seeded_storage(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Storage holding ``team/app:1.0`` and ``:2.0``, pushed once per run.

    Each fixture registry gets a copy, so a test that pushes or deletes cannot change what
    another test sees.
    """
    root = tmp_path_factory.mktemp("seed")
    with start_registry(root, storage_dir=root / "storage") as seeder:
        tags = {tag: push_image(seeder.url, SEED_REPOSITORY, tag) for tag in SEED_TAGS}
    return root / "storage", tags


def _storage_copy(seed: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    target = tmp_path / "storage"
    shutil.copytree(seed[0], target)
    return target


@pytest.fixture
def plain_registry(
    tmp_path: Path, _seeded_storage: tuple[Path, dict[str, str]]
) -> Iterator[RegistryEnv]:
    """HTTP on 127.0.0.1, no auth, serving ``team/app:1.0`` and ``:2.0``."""
    storage = _storage_copy(_seeded_storage, tmp_path)
    with start_registry(tmp_path, storage_dir=storage) as registry:
        yield RegistryEnv(registry=registry, tags=dict(_seeded_storage[1]))


@pytest.fixture
def tls_basic_registry(
    tmp_path: Path, pki: PKI, _seeded_storage: tuple[Path, dict[str, str]], secure_hostname: str
) -> Iterator[RegistryEnv]:
    """HTTPS on ``[::1]`` as ``registry-core.test:PORT``, htpasswd user ``alice``.

    The password is random per test. ``certs_dir/<host:port>/ca.crt`` trusts the server.
    """
    password = "pw-" + secrets.token_urlsafe(12)
    storage = _storage_copy(_seeded_storage, tmp_path)
    tls = pki.issue_server([SECURE_HOSTNAME])
    with start_registry(tmp_path, host=SECURE_HOSTNAME, tls=tls, htpasswd={"alice": password},
                        storage_dir=storage) as registry:
        certs_dir = certs_dir_for(tmp_path / "certs.d", registry.host, pki.ca_path)
        yield RegistryEnv(registry=registry, tags=dict(_seeded_storage[1]), ca_path=pki.ca_path,
                          certs_dir=certs_dir, username="alice", password=password, pki=pki)


@pytest.fixture
def token_registry(
    tmp_path: Path, pki: PKI, _seeded_storage: tuple[Path, dict[str, str]], secure_hostname: str
) -> Iterator[RegistryEnv]:
    """HTTPS on ``[::1]`` as ``registry-core.test:PORT`` with token auth.

    The issuer serves HTTPS on ``[::1]`` under the same name, another port (realm
    ``https://registry-core.test:IPORT/token``), with a certificate from the same CA, so
    the registry's certs.d ``ca.crt`` also trusts it. User ``alice``, random password;
    ``alice`` may do anything; anonymous gets nothing.
    """
    password = "pw-" + secrets.token_urlsafe(12)
    storage = _storage_copy(_seeded_storage, tmp_path)
    tls = pki.issue_server([SECURE_HOSTNAME])
    issuer = TokenIssuer(
        tmp_path / "issuer", users={"alice": password}, host="::1",
        public_host=SECURE_HOSTNAME, tls=tls, service=SECURE_HOSTNAME,
    )
    with issuer, start_registry(tmp_path, host=SECURE_HOSTNAME, tls=tls,
                                token=issuer.settings, storage_dir=storage) as registry:
        certs_dir = certs_dir_for(tmp_path / "certs.d", registry.host, pki.ca_path)
        yield RegistryEnv(registry=registry, tags=dict(_seeded_storage[1]), ca_path=pki.ca_path,
                          certs_dir=certs_dir, username="alice", password=password,
                          issuer=issuer, pki=pki)


@pytest.fixture
def mtls_registry(
    tmp_path: Path, pki: PKI, _seeded_storage: tuple[Path, dict[str, str]], secure_hostname: str
) -> Iterator[RegistryEnv]:
    """HTTPS on ``[::1]`` as ``registry-core.test:PORT`` demanding a client certificate.

    ``certs_dir/<host:port>/`` holds ``ca.crt``, ``client.cert`` and ``client.key``; the
    same pair is :attr:`RegistryEnv.client_cert`. No other auth.
    """
    storage = _storage_copy(_seeded_storage, tmp_path)
    tls = pki.issue_server([SECURE_HOSTNAME])
    client = pki.issue_client("registry-core-test-client")
    probe = pki.issue_client(_PROBE_AGENT)
    with start_registry(tmp_path, host=SECURE_HOSTNAME, tls=tls, client_ca=pki.client_ca_path,
                        storage_dir=storage, probe_cert=probe) as registry:
        certs_dir = certs_dir_for(tmp_path / "certs.d", registry.host, pki.ca_path, client)
        yield RegistryEnv(registry=registry, tags=dict(_seeded_storage[1]), ca_path=pki.ca_path,
                          certs_dir=certs_dir, client_cert=client, pki=pki)
