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
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tests.http_stub import Answer, Seen, StubServer
from tests.tls_helpers import make_ca

__all__ = [
    "Grant",
    "GrantCallable",
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

_FORM = "application/x-www-form-urlencoded"


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
        self._refresh_tokens: dict[str, str] = {}
        # Made by start(), kept after stop() so that what it recorded stays readable.
        self._server: StubServer | None = None
        self._serving = False

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
        if not self._serving:
            self._server = StubServer(self._route, bind=self.host, tls=self.tls).start()
            self._serving = True
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._serving and self._server is not None:
            self._server.stop()
        self._serving = False

    def __enter__(self) -> TokenIssuer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._serving or self._server is None:
            raise RuntimeError("token issuer is not running")
        return self._server.port

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
    def requests(self) -> list[Seen]:
        """Every request received so far, oldest first (a copy); ``status`` is what the
        issuer answered, ``basic`` the decoded credentials, ``scopes`` what was asked for."""
        return self._server.seen if self._server is not None else []

    def clear_requests(self) -> None:
        if self._server is not None:
            self._server.clear()

    def count(self, method: str | None = None) -> int:
        """How many requests (of ``method``, if given) the issuer has answered."""
        return sum(1 for r in self.requests if method is None or r.method == method)

    @property
    def handshake_errors(self) -> int:
        """Connections that failed before a request was read (e.g. a rejected certificate)."""
        return len(self._server.handshake_errors) if self._server is not None else 0

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
        signer = make_ca("registry-core token signer", key=self._key)
        signer.write_cert(self.rootcert_path)

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

    def _route(self, seen: Seen) -> Answer:
        status, payload, extra_headers = self._answer(seen, urllib.parse.urlsplit(seen.path).path)
        headers = [("Content-Type", "application/json"), *extra_headers.items()]
        return Answer(status, headers, json.dumps(payload).encode("utf-8"))

    def _answer(self, request: Seen, path: str) -> tuple[int, dict[str, Any], dict[str, str]]:
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

    def _answer_get(self, request: Seen) -> tuple[int, dict[str, Any], dict[str, str]]:
        if not self._service_ok(request.query.get("service", [])):
            return HTTPStatus.BAD_REQUEST, {"details": "unknown service"}, {}
        account: str | None = None
        if request.authorization is not None:
            credentials = request.basic
            if credentials is None or not self._check_password(*credentials):
                return self._unauthorized()
            account = credentials[0]
        offline = request.query.get("offline_token", ["false"])[0].lower() == "true"
        refresh = None
        if offline and account is not None and self.issue_refresh_tokens:
            refresh = self._new_refresh_token(account)
        return HTTPStatus.OK, self._token_body(account, request.scopes, refresh), {}

    def _answer_post(self, request: Seen) -> tuple[int, dict[str, Any], dict[str, str]]:
        content_type = request.header("Content-Type") or ""
        fields = request.form if content_type.startswith(_FORM) else {}
        form = {key: values[0] for key, values in fields.items()}
        grant_type = form.get("grant_type", "")
        if not form.get("client_id"):
            return HTTPStatus.BAD_REQUEST, {"error": "invalid_request",
                                            "error_description": "client_id is required"}, {}
        if not self._service_ok(fields.get("service", [])):
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

