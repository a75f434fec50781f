"""A token issuer for the real Distribution registry, written for the tests.

It follows the registry's token specification (``GET /token``) and its OAuth2 flow
(``POST /token`` with ``grant_type=password`` or ``refresh_token``) closely enough that the
real ``docker-registry`` accepts the JWTs it signs, and it records every request it receives
so tests can count token fetches and check that no credential went where it should not.

Everything a negative test needs is a plain attribute that can be changed while the server
runs (``fail_status``, ``token_field``, ``expires_in``, ``issue_refresh_tokens``,
``support_oauth``, ``rotate_refresh_tokens``).

Why our own issuer rather than a packaged one: Debian has none that runs without a database,
and an in-process issuer lets a test see exactly which requests a client made.
"""

from __future__ import annotations

import base64
import datetime
import fnmatch
import hashlib
import hmac
import json
import secrets
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

__all__ = [
    "Grant",
    "GrantCallable",
    "RecordedRequest",
    "TokenAuthSettings",
    "TokenIssuer",
    "decode_jwt",
    "libtrust_key_id",
    "parse_scope",
]

#: ``(type, name_pattern, actions)``: ``name_pattern`` is an :mod:`fnmatch` pattern
#: (``"team/*"``), ``actions`` the actions granted; ``"*"`` grants whatever was asked.
Grant = tuple[str, str, Sequence[str]]

#: ``(account, type, name, requested_actions) -> granted_actions``; ``account`` is ``None``
#: for an anonymous request.
GrantCallable = Callable[[str | None, str, str, list[str]], Sequence[str]]

TokenField = Literal["token", "access_token", "both", "none"]


@dataclass(frozen=True)
class TokenAuthSettings:
    """What the registry's ``auth.token`` section needs to trust a :class:`TokenIssuer`."""

    realm: str
    service: str
    issuer: str
    rootcertbundle: str

    def as_config(self) -> dict[str, str]:
        """The ``auth.token`` mapping of the registry's configuration file."""
        return {
            "realm": self.realm,
            "service": self.service,
            "issuer": self.issuer,
            "rootcertbundle": self.rootcertbundle,
        }


@dataclass(frozen=True)
class RecordedRequest:
    """One request the issuer received, kept whole so tests can look for leaked secrets.

    ``query`` and ``form`` keep every value of repeated parameters (``scope`` repeats on GET).
    ``basic_auth`` is the decoded ``Authorization: Basic`` pair, if any. ``status`` is what
    the issuer answered.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    basic_auth: tuple[str, str] | None
    status: int = 0

    @property
    def scopes(self) -> list[str]:
        """The scopes asked for, from the query (GET) or the space-joined form field (POST)."""
        values = self.query.get("scope", []) + self.form.get("scope", [])
        return [scope for value in values for scope in value.split(" ") if scope]

    def contains(self, secret: str) -> bool:
        """Whether ``secret`` appears anywhere in the request as sent or decoded.

        Checks the raw path, header values, the body, and the decoded basic-auth pair, so
        a credential canary is found whichever way a client sent it.
        """
        haystacks = [self.path, self.body.decode("latin-1")]
        haystacks += list(self.headers.values())
        haystacks += [value for values in self.query.values() for value in values]
        haystacks += [value for values in self.form.values() for value in values]
        if self.basic_auth is not None:
            haystacks += list(self.basic_auth)
        return any(secret in haystack for haystack in haystacks)


def libtrust_key_id(public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> str:
    """The key id the registry computes for a trusted root certificate's key.

    libtrust: SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32 without
    padding, in twelve groups of four joined by ``:``. The registry looks a JWT's ``kid`` up
    in this form, so a token without ``x5c`` is accepted only if the ids agree.
    """
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode("ascii").rstrip("=")
    return ":".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(header, claims)`` of a compact JWT, without checking the signature.

    For tests that want to see which scopes a client asked for, or that the issuer's own
    output has the shape the registry expects.
    """
    header, claims, _signature = token.split(".")
    return json.loads(_b64url_decode(header)), json.loads(_b64url_decode(claims))


def parse_scope(scope: str) -> tuple[str, str, list[str]] | None:
    """``type:name:actions`` as ``(type, name, actions)``; ``None`` if it is not one.

    The name may itself contain ``:`` (a registry host with a port), so the type is split
    off at the first colon and the actions at the last, as the registry's own parser does.
    """
    first = scope.find(":")
    last = scope.rfind(":")
    if first <= 0 or last == first:
        return None
    actions = [action for action in scope[last + 1 :].split(",") if action]
    return scope[:first], scope[first + 1 : last], actions


def _rfc3339(moment: float) -> str:
    stamp = datetime.datetime.fromtimestamp(moment, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], issuer: TokenIssuer, family: int) -> None:
        self.address_family = family
        self.issuer = issuer
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that rejects our certificate aborts the handshake; that is a test's
        # expected outcome, not something to print a traceback for.
        self.issuer._record_error()


class _Handler(BaseHTTPRequestHandler):
    # Without this every small TLS response waits for a delayed ACK (FACTS.md).
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the issuer records requests itself."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.issuer._handle(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.issuer._handle(self, "POST")

    def do_PUT(self) -> None:  # noqa: N802
        self.server.issuer._handle(self, "PUT")

    def do_HEAD(self) -> None:  # noqa: N802
        self.server.issuer._handle(self, "HEAD")


class TokenIssuer:
    """A threaded HTTP(S) token server on loopback that the real registry trusts.

    :param workdir: where the signing key's certificate (:attr:`rootcert_path`) is written.
    :param users: ``{username: password}`` accepted by basic auth (GET) and by
        ``grant_type=password`` (POST).
    :param grants: what each user may do: ``{user: [(type, name_pattern, actions), ...]}``
        or a :data:`GrantCallable`. ``None`` grants a valid user every action it asks for.
    :param anonymous_grants: what a request without credentials gets (default nothing: it
        still receives a token, with an empty ``access``, as Docker Hub does).
    :param service: the ``aud`` of issued tokens and the registry's ``auth.token.service``.
    :param issuer: the ``iss`` of issued tokens.
    :param host: the loopback address to bind (``"127.0.0.1"`` or ``"::1"``).
    :param public_host: the name put in :attr:`realm` (e.g. ``"registry-core.test"``);
        defaults to ``host``.
    :param tls: ``(cert_path, key_path)`` to serve HTTPS; ``None`` serves plain HTTP.
    :param algorithm: ``"ES256"`` or ``"RS256"`` (the registry rejects PS256).

    Knobs (plain attributes, may be changed while serving):

    - ``issue_refresh_tokens``: hand out refresh tokens on ``GET ...&offline_token=true`` and
      on ``POST grant_type=password&access_type=offline``; a ``grant_type=refresh_token``
      POST answers with the same refresh token (a new one if ``rotate_refresh_tokens``).
    - ``expires_in``: lifetime of issued tokens in seconds (also the ``exp`` claim).
    - ``token_field``: which JSON fields carry the token: ``"token"``, ``"access_token"``,
      ``"both"`` (default) or ``"none"``.
    - ``fail_status``: answer every request with this status and an error body.
    - ``support_oauth``: when false, ``POST /token`` answers 404, as token servers without
      OAuth2 do (clients then fall back to GET).
    """

    def __init__(
        self,
        workdir: Path,
        *,
        users: Mapping[str, str] | None = None,
        grants: Mapping[str, Sequence[Grant]] | GrantCallable | None = None,
        anonymous_grants: Sequence[Grant] = (),
        service: str = "registry-core.test",
        issuer: str = "registry-core-test-issuer",
        host: str = "127.0.0.1",
        public_host: str | None = None,
        tls: tuple[Path | str, Path | str] | None = None,
        algorithm: Literal["ES256", "RS256"] = "ES256",
    ) -> None:
        self.workdir = Path(workdir)
        self.users: dict[str, str] = dict(users or {})
        self.grants = grants
        self.anonymous_grants = list(anonymous_grants)
        self.service = service
        self.issuer = issuer
        self.host = host
        self.public_host = public_host or host
        self.tls = tls
        self.algorithm = algorithm

        self.issue_refresh_tokens = True
        self.rotate_refresh_tokens = False
        self.expires_in = 300
        self.token_field: TokenField = "both"
        self.fail_status: int | None = None
        self.support_oauth = True

        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._refresh_tokens: dict[str, str] = {}
        self._errors = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

        self._key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
        if algorithm == "ES256":
            self._key = ec.generate_private_key(ec.SECP256R1())
        elif algorithm == "RS256":
            self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            raise ValueError(f"unsupported signing algorithm {algorithm!r}")
        self.key_id = libtrust_key_id(self._key.public_key())
        self.rootcert_path = self.workdir / "token-signing.crt"
        self._write_root_cert()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> TokenIssuer:
        """Bind a free port and serve in a daemon thread."""
        if self._server is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server = _Server((self.host, 0), self, family)
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
            # Handshake in the handler thread, so one stuck client cannot block accept().
            server.socket = context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> TokenIssuer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("token issuer is not running")
        return int(self._server.server_address[1])

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    @property
    def url(self) -> str:
        """``scheme://public_host:port`` (IPv6 literals bracketed)."""
        host = f"[{self.public_host}]" if ":" in self.public_host else self.public_host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def realm(self) -> str:
        """The token endpoint, as the registry's challenge will name it."""
        return f"{self.url}/token"

    @property
    def settings(self) -> TokenAuthSettings:
        """What :func:`tests.registry_fixtures.start_registry` needs as ``token=``."""
        return TokenAuthSettings(
            realm=self.realm,
            service=self.service,
            issuer=self.issuer,
            rootcertbundle=str(self.rootcert_path),
        )

    # -- recording ---------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def count(self, method: str | None = None) -> int:
        """How many requests (of ``method``, if given) the issuer has answered."""
        return sum(1 for r in self.requests if method is None or r.method == method)

    @property
    def handshake_errors(self) -> int:
        """Connections that failed before a request was read (e.g. a rejected certificate)."""
        with self._lock:
            return self._errors

    def _record_error(self) -> None:
        with self._lock:
            self._errors += 1

    # -- tokens ------------------------------------------------------------------------

    def mint(
        self,
        account: str | None,
        access: Sequence[Mapping[str, Any]],
        *,
        expires_in: int | None = None,
        audience: str | None = None,
        issuer: str | None = None,
        not_before: int | None = None,
    ) -> str:
        """Sign a JWT directly, for tests that need one the endpoint would not hand out.

        ``access`` is the registry's ``[{"type", "name", "actions"}]``. ``expires_in`` may be
        negative for an expired token (the registry allows 60 s leeway, so go well past it).
        """
        now = int(time.time())
        lifetime = self.expires_in if expires_in is None else expires_in
        claims = {
            "iss": self.issuer if issuer is None else issuer,
            "sub": account or "",
            "aud": self.service if audience is None else audience,
            "exp": now + lifetime,
            "nbf": now if not_before is None else not_before,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": [dict(entry) for entry in access],
        }
        header = {"typ": "JWT", "alg": self.algorithm, "kid": self.key_id}
        signing_input = (
            _b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64url(json.dumps(claims, separators=(",", ":")).encode())
        ).encode("ascii")
        return signing_input.decode("ascii") + "." + _b64url(self._sign(signing_input))

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            # JWS wants r || s, fixed width, not the DER that cryptography returns.
            r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def _write_root_cert(self) -> None:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "registry-core token signer")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.rootcert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def _granted(self, account: str | None, scopes: list[str]) -> list[dict[str, Any]]:
        access: list[dict[str, Any]] = []
        for scope in scopes:
            parsed = parse_scope(scope)
            if parsed is None:
                continue
            kind, name, requested = parsed
            allowed = self._allowed(account, kind, name, requested)
            actions = [action for action in requested if action in allowed or "*" in allowed]
            if actions:
                access.append({"type": kind, "name": name, "actions": actions})
        return access

    def _allowed(self, account: str | None, kind: str, name: str, requested: list[str]) -> set[str]:
        if callable(self.grants):
            return set(self.grants(account, kind, name, list(requested)))
        if account is None:
            rules: Sequence[Grant] = self.anonymous_grants
        elif self.grants is None:
            return {"*"}
        else:
            rules = self.grants.get(account, ())
        allowed: set[str] = set()
        for rule_type, pattern, actions in rules:
            if rule_type == kind and fnmatch.fnmatchcase(name, pattern):
                allowed.update(actions)
        return allowed

    def _check_password(self, username: str, password: str) -> bool:
        expected = self.users.get(username)
        return expected is not None and hmac.compare_digest(
            expected.encode("utf-8"), password.encode("utf-8")
        )

    def _new_refresh_token(self, account: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh_tokens[token] = account
        return token

    def refresh_token_owner(self, token: str) -> str | None:
        """The account a refresh token was issued to (``None`` if unknown or revoked)."""
        with self._lock:
            return self._refresh_tokens.get(token)

    def revoke_refresh_tokens(self) -> None:
        """Forget every refresh token, so the next refresh grant fails with 401."""
        with self._lock:
            self._refresh_tokens.clear()

    # -- HTTP --------------------------------------------------------------------------

    def _handle(self, handler: _Handler, method: str) -> None:
        split = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        form: dict[str, list[str]] = {}
        content_type = handler.headers.get("Content-Type", "")
        if method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        request = RecordedRequest(
            method=method,
            path=handler.path,
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            form=form,
            headers=dict(handler.headers.items()),
            body=body,
            basic_auth=_basic_auth(handler.headers.get("Authorization")),
        )
        status, payload, extra_headers = self._answer(request, split.path)
        recorded = replace(request, status=status)
        with self._lock:
            self._requests.append(recorded)
        data = json.dumps(payload).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in extra_headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if method != "HEAD":
            handler.wfile.write(data)

    def _answer(
        self, request: RecordedRequest, path: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.fail_status is not None:
            return self.fail_status, {"details": "token issuer told to fail"}, {}
        if path != "/token":
            return HTTPStatus.NOT_FOUND, {"details": "not found"}, {}
        if request.method == "GET":
            return self._answer_get(request)
        if request.method == "POST":
            if not self.support_oauth:
                return HTTPStatus.NOT_FOUND, {"details": "not found"}, {}
            return self._answer_post(request)
        return HTTPStatus.METHOD_NOT_ALLOWED, {"details": "method not allowed"}, {}

    def _unauthorized(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        # Docker Hub's wording and body shape; the Go client reads ``details``.
        challenge = {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return HTTPStatus.UNAUTHORIZED, {"details": "incorrect username or password"}, challenge

    def _service_ok(self, values: list[str]) -> bool:
        return not values or values[0] == self.service

    def _answer_get(self, request: RecordedRequest) -> tuple[int, dict[str, Any], dict[str, str]]:
        if not self._service_ok(request.query.get("service", [])):
            return HTTPStatus.BAD_REQUEST, {"details": "unknown service"}, {}
        account: str | None = None
        if any(name.lower() == "authorization" for name in request.headers):
            if request.basic_auth is None or not self._check_password(*request.basic_auth):
                return self._unauthorized()
            account = request.basic_auth[0]
        offline = request.query.get("offline_token", ["false"])[0].lower() == "true"
        refresh = None
        if offline and account is not None and self.issue_refresh_tokens:
            refresh = self._new_refresh_token(account)
        return HTTPStatus.OK, self._token_body(account, request.scopes, refresh), {}

    def _answer_post(self, request: RecordedRequest) -> tuple[int, dict[str, Any], dict[str, str]]:
        form = {key: values[0] for key, values in request.form.items()}
        grant_type = form.get("grant_type", "")
        if not form.get("client_id"):
            return HTTPStatus.BAD_REQUEST, {"error": "invalid_request",
                                            "error_description": "client_id is required"}, {}
        if not self._service_ok(request.form.get("service", [])):
            return HTTPStatus.BAD_REQUEST, {"details": "unknown service"}, {}
        refresh: str | None = None
        if grant_type == "password":
            username, password = form.get("username", ""), form.get("password", "")
            if not self._check_password(username, password):
                return self._unauthorized()
            account = username
            if form.get("access_type") == "offline" and self.issue_refresh_tokens:
                refresh = self._new_refresh_token(account)
        elif grant_type == "refresh_token":
            presented = form.get("refresh_token", "")
            owner = self.refresh_token_owner(presented)
            if owner is None:
                return self._unauthorized()
            account = owner
            if self.issue_refresh_tokens:
                rotate = self.rotate_refresh_tokens
                refresh = self._new_refresh_token(owner) if rotate else presented
        else:
            return HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"}, {}
        body = self._token_body(account, request.scopes, refresh)
        body["scope"] = " ".join(request.scopes)
        return HTTPStatus.OK, body, {}

    def _token_body(
        self, account: str | None, scopes: list[str], refresh: str | None
    ) -> dict[str, Any]:
        token = self.mint(account, self._granted(account, scopes))
        body: dict[str, Any] = {"expires_in": self.expires_in, "issued_at": _rfc3339(time.time())}
        if self.token_field in ("token", "both"):
            body["token"] = token
        if self.token_field in ("access_token", "both"):
            body["access_token"] = token
        if refresh is not None:
            body["refresh_token"] = refresh
        return body


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None

