"""A v1 index and registry for the tests, following the published v1 specifications.

No v1 registry runs anywhere any more, so the v1 tests talk to this one. It implements what
"Registry API v1" (``registry_api.md``) and "Docker Hub and the Registry v1"
(``hub_registry_spec.md``) describe, as a faithful other party: it checks what those
documents say a server checks, and nothing about how registry-core happens to behave.

:class:`V1Index` (the Docker Hub side):

* user accounts; ``GET /v1/users/`` is login: 200, 401 for bad credentials, 403 for an
  inactive account;
* ``GET /v1/repositories/<ns>/<repo>/images`` lists image ids and checksums; basic auth is
  needed for a private repository and, when given, must be valid; with
  ``X-Docker-Token: true`` a one-time token is issued (``X-Docker-Token`` and
  ``WWW-Authenticate: Token ...``) with ``X-Docker-Endpoints`` naming the registries;
* ``PUT /v1/repositories/<ns>/<repo>/`` (needs basic auth; the namespace must be the user's)
  allocates the repository and issues a write token; ``PUT .../images`` records the
  checksums at the end of a push and answers 204;
* ``GET /v1/search?q=&n=`` (``n`` from 1 to 100, else 400) finds public repositories, and a
  user's own private ones when the request carries that user's credentials;
* ``GET /v1/_ping`` says it is not standalone.

:class:`V1Registry` (the storage side):

* in index mode it accepts ``Authorization: Token ...`` only once, after asking the index
  whether the token is valid for the repository and access (the index then invalidates it),
  and answers with a session cookie that authorizes the next requests; without either it
  answers ``401`` with ``WWW-Authenticate: Token``;
* standalone it says so in ``X-Docker-Registry-Standalone`` and, with users, wants basic auth
  on every request;
* images: ``PUT json`` (valid JSON whose ``id`` is the image id), ``PUT layer`` (after the
  JSON), ``PUT checksum`` (``X-Docker-Checksum-Payload`` must be ``sha256:`` of the JSON, a
  newline and the layer bytes as received, computed here; ``X-Docker-Checksum`` must be the
  layer's tarsum as this server computes it with Python's tarfile), ``409 {"error": "Image
  already exists"}`` for a finished image; ``GET json`` with ``X-Docker-Size`` and
  ``X-Docker-Checksum-Payload``, ``GET layer`` with ``Accept-Ranges: bytes`` and ``Range``
  (206 with ``Content-Range``, 416 when unsatisfiable), ``GET ancestry`` from the ``parent``
  chain;
* tags: list, get and set (the image must exist).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import re
import secrets
import tarfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.http_stub import Answer, Seen, StubServer
from tests.token_issuer import TokenIssuer, decode_jwt

__all__ = ["Account", "Image", "Repository", "V1Index", "V1Registry", "reference_tarsum"]

_VERSION = "0.6.0"
_REPO = r"(?P<repo>[a-z0-9_]+/[a-zA-Z0-9_.-]+)"
_ID = r"(?P<id>[0-9a-f]{64})"


@dataclass
class Account:
    username: str
    password: str
    active: bool = True


@dataclass
class Image:
    id: str
    json: bytes = b""
    layer: bytes | None = None
    checksum: str = ""
    payload: str = ""
    done: bool = False

    @property
    def parent(self) -> str:
        return str(json.loads(self.json).get("parent") or "")


@dataclass
class Repository:
    name: str
    private: bool = False
    description: str = ""
    stars: int = 0
    official: bool = False
    images: dict[str, str] = field(default_factory=dict)  # id -> checksum, on the index
    tags: dict[str, str] = field(default_factory=dict)  # tag -> id, on the registry


def reference_tarsum(layer: bytes, json_raw: bytes) -> str:
    """Tarsum version 0 of a gzipped layer, as ``tarsum_spec.md`` defines it, computed with
    Python's tarfile (enough for the plain archives the tests push)."""
    sums = []
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer))) as tar:
        for member in tar:
            digest = hashlib.sha256()
            for key, value in (
                ("name", member.name), ("mode", str(member.mode)), ("uid", str(member.uid)),
                ("gid", str(member.gid)), ("size", str(member.size)),
                ("mtime", str(int(member.mtime))), ("typeflag", member.type.decode()),
                ("linkname", member.linkname), ("uname", ""), ("gname", ""),
                ("devmajor", str(member.devmajor)), ("devminor", str(member.devminor)),
            ):
                digest.update((key + value).encode())
            data = tar.extractfile(member) if member.isfile() else None
            if data is not None:
                digest.update(data.read())
            sums.append(digest.hexdigest())
    total = hashlib.sha256(json_raw)
    for item in sorted(sums):
        total.update(item.encode())
    return "tarsum+sha256:" + total.hexdigest()


def _basic(seen: Seen) -> tuple[str, str] | None:
    value = seen.header("Authorization") or ""
    if not value.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def _json(status: int, value: Any, headers: list[tuple[str, str]] | None = None) -> Answer:
    return Answer(status, [("Content-Type", "application/json"),
                           ("X-Docker-Registry-Version", _VERSION), *(headers or [])],
                  json.dumps(value).encode())


class V1Index:
    """The index (Docker Hub) of the v1 protocol; see the module documentation.

    :param v2_tokens: also answer ``GET /v2/`` as a v2 registry would (``401`` with
        ``Docker-Distribution-Api-Version: registry/2.0`` and a ``Bearer`` challenge naming
        this issuer), and take a bearer token from it for ``registry:catalog:search`` on
        ``/v1/search``, as Docker Hub's index did for clients holding an identity token.
    """

    def __init__(self, accounts: list[Account] | None = None, *, tls: Any = None,
                 v2_tokens: TokenIssuer | None = None) -> None:
        self.v2_tokens = v2_tokens
        self.accounts = {account.username: account for account in accounts or []}
        self.repositories: dict[str, Repository] = {}
        self.registries: list[str] = []  # host:port names sent in X-Docker-Endpoints
        self._tokens: dict[str, tuple[str, str]] = {}  # signature -> (repository, access)
        self._lock = threading.Lock()
        self.server = StubServer(self.route, tls=tls)

    # -- accounts and tokens -------------------------------------------------------------

    def _user(self, seen: Seen) -> tuple[str | None, Answer | None]:
        """The authenticated user, or the answer refusing the credentials given."""
        basic = _basic(seen)
        if basic is None:
            return None, None
        account = self.accounts.get(basic[0])
        if account is None or not secrets.compare_digest(account.password, basic[1]):
            return None, _json(401, {"error": "Wrong login/password"})
        if not account.active:
            return None, _json(403, {"error": "Account is not Active"})
        return account.username, None

    def _issue(self, repository: str, access: str) -> list[tuple[str, str]]:
        signature = secrets.token_hex(16)
        with self._lock:
            self._tokens[signature] = (repository, access)
        token = f'signature={signature},repository="{repository}",access={access}'
        return [("X-Docker-Token", token), ("WWW-Authenticate", "Token " + token),
                ("X-Docker-Endpoints", ", ".join(self.registries))]

    def validate_token(self, token: str, repository: str, access: str) -> bool:
        """What a registry asks the index: is this token good for ``repository`` and
        ``access``? A token is good once; the index then invalidates it."""
        match = re.match(r'signature=([0-9a-f]+),repository="([^"]+)",access=(\w+)$', token)
        if match is None:
            return False
        with self._lock:
            granted = self._tokens.pop(match.group(1), None)
        if granted is None or granted[0] != repository:
            return False
        return granted[1] == access or (granted[1] == "write" and access == "read")

    def add_repository(self, repository: Repository) -> None:
        self.repositories[repository.name] = repository

    def start(self) -> V1Index:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    # -- routes ----------------------------------------------------------------------------

    def route(self, seen: Seen) -> Answer:
        path = urlsplit(seen.path).path
        if path == "/v1/_ping":
            return _json(200, True, [("X-Docker-Registry-Standalone", "false")])
        if path in ("/v1/users", "/v1/users/") and seen.method == "GET":
            user, refusal = self._user(seen)
            if refusal is not None:
                return refusal
            if user is None:
                return _json(401, {"error": "Login required"})
            return _json(200, "OK")
        if path == "/v1/search" and seen.method == "GET":
            return self._search(seen)
        if path == "/v2/" and self.v2_tokens is not None:
            issuer = self.v2_tokens
            return _json(401, {"errors": [{"code": "UNAUTHORIZED"}]}, [
                ("Docker-Distribution-Api-Version", "registry/2.0"),
                ("WWW-Authenticate",
                 f'Bearer realm="{issuer.realm}",service="{issuer.service}"')])
        match = re.fullmatch(rf"/v1/repositories/{_REPO}/(?P<what>images)?", path)
        if match is not None:
            if seen.method == "GET" and match.group("what"):
                return self._images(seen, match.group("repo"))
            if seen.method == "PUT":
                return self._push(seen, match.group("repo"), bool(match.group("what")))
        return _json(404, {"error": "Not found"})

    def _images(self, seen: Seen, name: str) -> Answer:
        user, refusal = self._user(seen)
        if refusal is not None:
            return refusal
        repository = self.repositories.get(name)
        if repository is None or (repository.private and user != name.split("/")[0]):
            if repository is not None and user is None:
                return _json(401, {"error": "Requires authorization"})
            return _json(404, {"error": "Repository not found"})
        headers = []
        if seen.header("X-Docker-Token") == "true":
            headers = self._issue(name, "read")
        else:
            headers = [("X-Docker-Endpoints", ", ".join(self.registries))]
        body = [{"id": image, "checksum": checksum} if checksum else {"id": image}
                for image, checksum in repository.images.items()]
        return _json(200, body, headers)

    def _push(self, seen: Seen, name: str, validate: bool) -> Answer:
        user, refusal = self._user(seen)
        if refusal is not None:
            return refusal
        if user is None:
            return _json(401, {"error": "Requires authorization"})
        if name.split("/")[0] != user:
            return _json(403, {"error": "Access denied"})
        try:
            images = json.loads(seen.body)
            assert isinstance(images, list)
            ids = [(str(item["id"]), str(item.get("checksum", ""))) for item in images]
        except (ValueError, AssertionError, KeyError, TypeError):
            return _json(400, {"error": "Invalid data"})
        if not validate:
            repository = self.repositories.setdefault(name, Repository(name))
            for image, _checksum in ids:
                repository.images.setdefault(image, "")
            headers = self._issue(name, "write") if seen.header("X-Docker-Token") == "true" \
                else [("X-Docker-Endpoints", ", ".join(self.registries))]
            return _json(200, "", headers)
        existing = self.repositories.get(name)
        if existing is None:
            return _json(404, {"error": "Repository not found"})
        for image, checksum in ids:
            if not checksum:
                return _json(400, {"error": "Missing checksum"})
            existing.images[image] = checksum
        return Answer(204)

    def _bearer_user(self, seen: Seen) -> tuple[str | None, Answer | None]:
        """The user a v2 bearer token names, if it grants ``registry:catalog:search``."""
        issuer = self.v2_tokens
        token = (seen.header("Authorization") or "")[len("Bearer "):]
        try:
            assert issuer is not None
            _header, claims = decode_jwt(token)
            granted = any(
                entry.get("type") == "registry" and entry.get("name") == "catalog"
                and "search" in entry.get("actions", [])
                for entry in claims.get("access", [])
            )
            assert claims["aud"] == issuer.service and claims["exp"] > time.time() and granted
        except (AssertionError, KeyError, ValueError):
            return None, _json(401, {"error": "Invalid token"})
        return str(claims.get("sub") or "") or None, None

    def _search(self, seen: Seen) -> Answer:
        if (seen.header("Authorization") or "").startswith("Bearer "):
            user, refusal = self._bearer_user(seen)
        else:
            user, refusal = self._user(seen)
        if refusal is not None:
            return refusal
        query = parse_qs(urlsplit(seen.path).query)
        term = query.get("q", [""])[0]
        try:
            n = int(query.get("n", ["25"])[0])
        except ValueError:
            return _json(400, {"error": "Invalid n"})
        if not 1 <= n <= 100:
            return _json(400, {"error": "n must be between 1 and 100"})
        found = [
            repository for repository in self.repositories.values()
            if term in repository.name
            and (not repository.private or repository.name.split("/")[0] == user)
        ]
        results = [
            {"name": r.name.removeprefix("library/"), "description": r.description,
             "star_count": r.stars, "is_official": r.official, "is_automated": False}
            for r in found[:n]
        ]
        return _json(200, {"num_pages": 1, "num_results": len(found), "results": results,
                           "page_size": n, "query": term, "page": 1})


class V1Registry:
    """The registry (storage) of the v1 protocol; see the module documentation.

    :param index: the index whose tokens it accepts; ``None`` for a standalone registry.
    :param accounts: for a standalone registry, the users whose basic auth it wants.
    """

    def __init__(self, index: V1Index | None = None, accounts: list[Account] | None = None,
                 *, tls: Any = None) -> None:
        self.index = index
        self.accounts = {account.username: account for account in accounts or []}
        self.images: dict[str, Image] = {}
        self.tags: dict[str, dict[str, str]] = {}  # repository -> tag -> id
        self._sessions: dict[str, tuple[str, str]] = {}  # cookie -> (repository, access)
        self._lock = threading.Lock()
        self.server = StubServer(self.route, tls=tls)
        if index is not None:
            index.registries.append(self.server.host)

    @property
    def standalone(self) -> bool:
        return self.index is None

    def add_image(self, image: Image, repository: str | None = None) -> None:
        image.done = True
        self.images[image.id] = image
        if repository is not None and self.index is not None:
            self.index.repositories[repository].images[image.id] = image.checksum

    # -- authorization ---------------------------------------------------------------------

    def _authorize(
        self, seen: Seen, repository: str | None, access: str
    ) -> tuple[bool, list[tuple[str, str]]]:
        """Whether the request may go on, and headers to add (a session cookie)."""
        if self.standalone:
            if not self.accounts:
                return True, []
            basic = _basic(seen)
            account = self.accounts.get(basic[0]) if basic else None
            return account is not None and basic is not None and \
                secrets.compare_digest(account.password, basic[1]), []
        cookie = re.search(r"session=([0-9a-f]+)", seen.header("Cookie") or "")
        if cookie is not None:
            with self._lock:
                granted = self._sessions.get(cookie.group(1))
            if granted is not None and (repository is None or granted[0] == repository) and (
                granted[1] == access or granted[1] == "write"
            ):
                return True, []
        authorization = seen.header("Authorization") or ""
        if authorization.startswith("Token "):
            token = authorization[6:]
            match = re.search(r'repository="([^"]+)"', token)
            granted_repo = match.group(1) if match else ""
            if (repository is None or granted_repo == repository) and self.index is not None \
                    and self.index.validate_token(token, granted_repo, access):
                session = secrets.token_hex(16)
                with self._lock:
                    self._sessions[session] = (granted_repo, "write" if access == "write"
                                               else "read")
                return True, [("Set-Cookie", f"session={session}; Path=/; HttpOnly")]
        return False, []

    def _refuse(self) -> Answer:
        header = ("WWW-Authenticate", "Token") if not self.standalone else \
            ("WWW-Authenticate", 'Basic realm="v1"')
        return _json(401, {"error": "Requires authorization"}, [header])

    # -- routes ----------------------------------------------------------------------------

    def route(self, seen: Seen) -> Answer:
        path = unquote(urlsplit(seen.path).path)
        if path == "/v1/_ping":
            return _json(200, True, [("X-Docker-Registry-Standalone",
                                      "true" if self.standalone else "false")])
        match = re.fullmatch(rf"/v1/images/{_ID}/(?P<what>json|layer|ancestry|checksum)", path)
        if match is not None:
            access = "read" if seen.method == "GET" else "write"
            allowed, extra = self._authorize(seen, None, access)
            if not allowed:
                return self._refuse()
            answer = self._image(seen, match.group("id"), match.group("what"))
            answer.headers.extend(extra)
            return answer
        match = re.fullmatch(rf"/v1/repositories/{_REPO}/tags(?:/(?P<tag>[\w][\w.-]*))?", path)
        if match is not None:
            access = "read" if seen.method == "GET" else "write"
            allowed, extra = self._authorize(seen, match.group("repo"), access)
            if not allowed:
                return self._refuse()
            answer = self._tag(seen, match.group("repo"), match.group("tag"))
            answer.headers.extend(extra)
            return answer
        return _json(404, {"error": "Not found"})

    def _image(self, seen: Seen, image_id: str, what: str) -> Answer:
        image = self.images.get(image_id)
        if seen.method == "GET":
            if image is None or not image.done:
                return _json(404, {"error": "Image not found"})
            if what == "json":
                return _json(200, json.loads(image.json), [
                    ("X-Docker-Size", str(len(image.layer or b""))),
                    ("X-Docker-Checksum-Payload", image.payload)])
            if what == "ancestry":
                chain = [image_id]
                while self.images[chain[-1]].parent:
                    chain.append(self.images[chain[-1]].parent)
                return _json(200, chain)
            if what == "layer":
                return _ranged(seen, image.layer or b"")
            return _json(405, {"error": "Method not allowed"})
        if seen.method != "PUT":
            return _json(405, {"error": "Method not allowed"})
        if image is not None and image.done:
            return _json(409, {"error": "Image already exists"})
        if what == "json":
            try:
                data = json.loads(seen.body)
                assert isinstance(data, dict) and data.get("id") == image_id
            except (ValueError, AssertionError):
                return _json(400, {"error": "Invalid JSON"})
            self.images[image_id] = Image(image_id, seen.body)
            return _json(200, "")
        if image is None:
            return _json(404, {"error": "Image not found"})
        if what == "layer":
            if (seen.header("Transfer-Encoding") or "").lower() != "chunked" and \
                    seen.header("Content-Length") is None:
                return _json(411, {"error": "Length required"})
            image.layer = seen.body
            return _json(200, "")
        if what == "checksum":
            if image.layer is None:
                return _json(409, {"error": "Layer not uploaded"})
            payload = "sha256:" + hashlib.sha256(image.json + b"\n" + image.layer).hexdigest()
            checksum = reference_tarsum(image.layer, image.json)
            if seen.header("X-Docker-Checksum-Payload") != payload or \
                    seen.header("X-Docker-Checksum") != checksum:
                return _json(400, {"error": "Checksum mismatch"})
            image.checksum, image.payload, image.done = checksum, payload, True
            return _json(200, "")
        return _json(405, {"error": "Method not allowed"})

    def _tag(self, seen: Seen, repository: str, tag: str | None) -> Answer:
        tags = self.tags.get(repository)
        if seen.method == "GET":
            if tags is None:
                return _json(404, {"error": "Repository not found"})
            if tag is None:
                return _json(200, tags)
            if tag not in tags:
                return _json(404, {"error": "Tag not found"})
            return _json(200, tags[tag])
        if seen.method == "PUT" and tag is not None:
            try:
                image_id = json.loads(seen.body)
                assert isinstance(image_id, str)
            except (ValueError, AssertionError):
                return _json(400, {"error": "Invalid data"})
            if image_id not in self.images or not self.images[image_id].done:
                return _json(404, {"error": "Image not found"})
            self.tags.setdefault(repository, {})[tag] = image_id
            return _json(200, "")
        return _json(405, {"error": "Method not allowed"})

    def start(self) -> V1Registry:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()


def _ranged(seen: Seen, data: bytes) -> Answer:
    """``data``, or the part a ``Range: bytes=a-b`` / ``bytes=a-`` asks for (RFC 7233)."""
    headers = [("Accept-Ranges", "bytes"), ("Content-Type", "application/octet-stream"),
               ("X-Docker-Registry-Version", _VERSION)]
    wanted = seen.header("Range")
    if wanted is None:
        return Answer(200, headers, data)
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
    if match is None:
        return Answer(200, headers, data)
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else len(data) - 1
    end = min(end, len(data) - 1)
    if start >= len(data) or start > end:
        return Answer(416, [*headers, ("Content-Range", f"bytes */{len(data)}")])
    return Answer(206, [*headers, ("Content-Range", f"bytes {start}-{end}/{len(data)}")],
                  data[start:end + 1])
