"""A repository on a registry: manifests, blobs, uploads, tags, through the service's endpoints.

:func:`open_repository` (and :meth:`DefaultService.repository
<registry_core.service.DefaultService.repository>`) binds a :class:`Repository` to the
first endpoint that answers a ping. Sessions come from
:func:`registry_core.client.open_session`, one per endpoint, opened when first needed and
kept: TLS, plugins, credentials and tokens (one per scope, renewed inside) are the
session's business.

Reading falls back along the pull endpoints (mirrors first) as the engine's puller does
(moby's ``continueOnError``): a ping or transport error, an unexpected answer,
``UNAUTHORIZED``, ``MANIFEST_UNKNOWN``, ``NAME_UNKNOWN``, and from a mirror any registry
error, move on to the next endpoint; any other error stops. A repository opened for push
uses the push endpoints only (never a mirror) and does not move on once bound.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar
from urllib.parse import urlencode, urljoin

import requests

from ..client import RepositorySession, open_session
from ..endpoint_session import endpoint_repository_info
from ..errors import AllEndpointsFailedError, InvalidArgumentError, RegistryError, TransportError
from ..reference import Named, parse_normalized_named
from ..transport import redact_url
from ..types import APIEndpoint, APIVersion, RepositoryInfo
from .blobs import DEFAULT_CHUNK_SIZE as READ_CHUNK_SIZE
from .blobs import BlobReader, check_range_response
from .digests import check_digest, check_reference, compute_digest, is_digest
from .endpoints import OneEndpoint, continue_on_error
from .errors import (
    BlobUnknownError,
    DigestMismatchError,
    MountDeclinedError,
    response_error,
    unexpected,
)
from .listing import list_pages
from .manifest import DEFAULT_ACCEPT, DEFAULT_MAX_MANIFEST_SIZE, Descriptor, Manifest
from .manifest_fetch import read_bounded, verified_manifest
from .upload import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MONOLITHIC_MAX,
    Readable,
    UploadTarget,
    cancel_upload,
    start_upload,
    upload_blob,
)

if TYPE_CHECKING:
    from ..service import DefaultService

__all__ = ["REQUEST_TIMEOUT", "Repository", "open_repository"]

log = logging.getLogger(__name__)

#: Seconds to wait for each answer (connecting and between bytes of a body).
REQUEST_TIMEOUT = 60.0

T = TypeVar("T")


def _repository_info(service: DefaultService, name: str | Named) -> RepositoryInfo:
    named = parse_normalized_named(name) if isinstance(name, str) else name
    return service.resolve_repository(named)


def open_repository(
    service: DefaultService,
    name: str | Named,
    actions: Sequence[str] = ("pull",),
    **options: Any,
) -> Repository:
    """A :class:`Repository` bound to the first endpoint of ``name`` that answers.

    :param name: a reference string (``registry.example.com/team/app``; a tag or digest in
        it is ignored) or a :class:`~registry_core.reference.Named`.
    :param actions: ``("pull",)`` reads through the pull endpoints, mirrors first; with
        ``"push"`` only the push endpoints are used.
    :param options: keyword arguments of :class:`Repository`.
    :raises InvalidArgumentError: a bad name or actions.
    :raises TransportError: no endpoint answered.
    """
    if isinstance(actions, str):
        raise InvalidArgumentError(f"actions must be a sequence of actions, not {actions!r}")
    info = _repository_info(service, name)
    hostname = info.index.name
    pushing = "push" in actions
    lookup = service.lookup_push_endpoints if pushing else service.lookup_pull_endpoints
    found = lookup(hostname, info.name)
    endpoints = [e for e in found if e.version == APIVersion.V2]
    if not endpoints:
        raise RegistryError(f"no v2 endpoint to reach {hostname}")
    repository = Repository(service, info, tuple(actions), endpoints, fallback=not pushing,
                            **options)
    try:
        repository.bind()
    except BaseException:
        repository.close()
        raise
    return repository


class Repository:
    """One repository on one registry, for reading and (when opened for push) writing.

    Made by :func:`open_repository`. Safe to share between threads. Close it (or use it as
    a context manager) to close its connections.

    :ivar info: the resolved :class:`~registry_core.types.RepositoryInfo`.
    :ivar path: the repository's path on the registry (``library/ubuntu``).
    :ivar endpoint: the endpoint the last successful operation used.
    :param fallback: whether reads move on along ``endpoints`` (:func:`continue_on_error`);
        :func:`open_repository` turns it off for push.
    :param max_manifest_size: manifests larger than this are refused (4 MiB by default).
    :param monolithic_max: uploads of known size and digest up to this go in one request.
    :param chunk_size: the most bytes per ``PATCH`` of a chunked upload.
    :param max_resumes: how many times in a row a broken blob read is resumed.
    :param trusted_realms: see :func:`registry_core.client.open_session`.
    """

    def __init__(
        self,
        service: DefaultService,
        info: RepositoryInfo,
        actions: Sequence[str],
        endpoints: Sequence[APIEndpoint],
        *,
        fallback: bool = True,
        max_manifest_size: int = DEFAULT_MAX_MANIFEST_SIZE,
        monolithic_max: int = DEFAULT_MONOLITHIC_MAX,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_resumes: int = 5,
        trusted_realms: Iterable[str] = (),
    ) -> None:
        self.service = service
        self.info = info
        self.path = info.name.path
        self.actions = tuple(actions)
        self.endpoints = list(endpoints)
        self.endpoint = self.endpoints[0]
        self.fallback = fallback
        self.max_manifest_size = max_manifest_size
        self.monolithic_max = monolithic_max
        self.chunk_size = chunk_size
        self.max_resumes = max_resumes
        self.trusted_realms = tuple(trusted_realms)
        self._sessions: dict[int, RepositorySession] = {}
        self._dead: dict[int, TransportError] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Repository {self.info.name.name} via {redact_url(self.endpoint.url)}>"

    @property
    def name(self) -> str:
        """The full repository name (``docker.io/library/ubuntu``)."""
        return self.info.name.name

    # -- sessions and fallback -----------------------------------------------------------

    def _session(self, index: int) -> RepositorySession:
        with self._lock:
            session = self._sessions.get(index)
            if session is not None:
                return session
            dead = self._dead.get(index)
            if dead is not None:
                raise dead
            endpoint = self.endpoints[index]
            try:
                session = open_session(
                    OneEndpoint(self.service, endpoint), self.info, self.actions,
                    trusted_realms=self.trusted_realms,
                    user_agent=self.service.user_agent,
                    meta_headers=self.service.meta_headers,
                )
            except TransportError as exc:
                self._dead[index] = exc
                raise
            self._sessions[index] = session
            return session

    def bind(self) -> None:
        """Open a session on the first endpoint that answers a ping.

        :raises AllEndpointsFailedError: none answered: the last one's error, then, when
            there were several, what each answered (as
            :func:`registry_core.client.open_session`).
        """
        failed: list[tuple[str, bool, RegistryError]] = []
        for index, endpoint in enumerate(self.endpoints):
            try:
                self._session(index)
            except TransportError as exc:
                log.info("endpoint %s did not answer: %s", redact_url(endpoint.url), exc)
                failed.append((redact_url(endpoint.url), endpoint.mirror, exc))
                continue
            self.endpoint = endpoint
            return
        if not failed:
            raise RegistryError(f"no v2 endpoint to reach {self.info.index.name}")
        raise AllEndpointsFailedError(failed) from failed[-1][2]

    def _run(self, operation: Callable[[RepositorySession], T], what: str) -> T:
        """Run ``operation`` on the endpoints in order, moving on as :func:`continue_on_error`
        allows (a push repository stays on the endpoint it is bound to)."""
        indexes = (
            list(range(len(self.endpoints)))
            if self.fallback
            else [self.endpoints.index(self.endpoint)]
        )
        last: BaseException | None = None
        for position, index in enumerate(indexes):
            endpoint = self.endpoints[index]
            is_last = position == len(indexes) - 1
            try:
                result = operation(self._session(index))
            except RegistryError as exc:
                if is_last or not continue_on_error(exc, endpoint.mirror):
                    raise
                log.info("%s from %s failed, trying the next endpoint: %s", what,
                         redact_url(endpoint.url), exc)
                last = exc
                continue
            self.endpoint = endpoint
            return result
        assert last is not None  # pragma: no cover - the loop returns or raises
        raise last

    def _path_on(self, session: RepositorySession) -> str:
        """The repository's path on the session's endpoint: registries.conf may rewrite it."""
        if session.endpoint is None:
            return self.path
        return endpoint_repository_info(session.endpoint, self.info).name.path

    def _url(self, session: RepositorySession, suffix: str) -> str:
        return f"{session.base_url}/v2/{self._path_on(session)}/{suffix}"

    def _target(self) -> UploadTarget:
        if "push" not in self.actions:
            raise InvalidArgumentError(
                f"{self.name} was opened for {','.join(self.actions)}; open it with "
                "actions=('pull', 'push') to write"
            )
        session = self._session(self.endpoints.index(self.endpoint))
        return UploadTarget(session, f"{session.base_url}/v2/{self._path_on(session)}", self.name)

    def close(self) -> None:
        """Close every session."""
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            session.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- manifests -----------------------------------------------------------------------

    def get_manifest(
        self, reference: str, accept: Sequence[str] | None = None
    ) -> Manifest:
        """The manifest under a tag or digest, with its bytes exactly as served.

        :param accept: the media types to accept; by default Docker schema 2, manifest
            lists, OCI manifests and OCI indexes.
        :raises ManifestUnknownError: no such manifest (on any endpoint).
        :raises DigestMismatchError: the content does not have the digest asked for, or
            the one the registry announced.
        :raises ContentTooLargeError: it is larger than ``max_manifest_size``.
        """
        reference = check_reference(reference)
        accept_header = ", ".join(accept or DEFAULT_ACCEPT)
        what = f"fetching manifest {self.path}{'@' if is_digest(reference) else ':'}{reference}"

        def fetch(session: RepositorySession) -> Manifest:
            response = session.get(
                self._url(session, f"manifests/{reference}"),
                headers={"Accept": accept_header}, stream=True, timeout=REQUEST_TIMEOUT,
            )
            if response.status_code != 200:
                raise response_error(response, what, not_found="MANIFEST_UNKNOWN")
            content = read_bounded(response, self.max_manifest_size, what)
            return verified_manifest(response, content, reference, what)

        return self._run(fetch, what)

    def head_manifest(self, reference: str, accept: Sequence[str] | None = None) -> Descriptor:
        """The media type, digest and size of a manifest, without its content.

        :raises ManifestUnknownError: no such manifest.
        """
        reference = check_reference(reference)
        accept_header = ", ".join(accept or DEFAULT_ACCEPT)
        what = f"checking manifest {self.path}{'@' if is_digest(reference) else ':'}{reference}"

        def head(session: RepositorySession) -> Descriptor:
            response = session.head(
                self._url(session, f"manifests/{reference}"),
                headers={"Accept": accept_header}, timeout=REQUEST_TIMEOUT,
            )
            response.close()
            if response.status_code != 200:
                raise response_error(response, what, not_found="MANIFEST_UNKNOWN")
            digest = response.headers.get("Docker-Content-Digest", "").strip()
            length = response.headers.get("Content-Length", "")
            try:
                digest = str(check_digest(digest or reference))
            except InvalidArgumentError:
                raise unexpected(response, what, "no usable Docker-Content-Digest") from None
            if is_digest(reference) and digest != reference:
                raise unexpected(response, what, f"the registry announced digest {digest}")
            media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
            return Descriptor(media_type, digest, int(length) if length.isdigit() else 0)

        return self._run(head, what)

    def put_manifest(self, content: bytes, media_type: str, reference: str | None = None) -> str:
        """Push a manifest under a tag (or its digest, when ``reference`` is ``None``); its
        digest. The blobs and manifests it points at must be there already.

        :raises DigestMismatchError: ``reference`` is a digest the content does not have,
            or the registry announced another digest.
        """
        digest = str(compute_digest(bytes(content)))
        if reference is None:
            reference = digest
        reference = check_reference(reference)
        if is_digest(reference) and compute_digest(content, reference.partition(":")[0]) \
                != reference:
            raise DigestMismatchError(
                f"pushing manifest {self.path}@{reference}: the content's digest is {digest}",
                expected=reference, actual=digest,
            )
        target = self._target()
        what = f"pushing manifest {self.path}{'@' if is_digest(reference) else ':'}{reference}"
        response = target.session.put(
            target.url(f"manifests/{reference}"), data=bytes(content),
            headers={"Content-Type": media_type}, timeout=REQUEST_TIMEOUT,
        )
        if response.status_code != 201:
            raise response_error(response, what, not_found="NAME_UNKNOWN")
        response.close()
        announced = response.headers.get("Docker-Content-Digest", "").strip()
        if announced and announced != digest and not (
            is_digest(reference) and announced == reference
        ):
            raise DigestMismatchError(
                f"{what}: the registry says it stored {announced}, the content is {digest}",
                expected=digest, actual=announced,
            )
        return digest if not is_digest(reference) else reference

    def delete_manifest(self, digest: str) -> None:
        """Delete a manifest by digest (the registry must allow deletes).

        :raises ManifestUnknownError: no such manifest.
        """
        digest = str(check_digest(digest))
        target = self._target()
        what = f"deleting manifest {self.path}@{digest}"
        response = target.session.delete(target.url(f"manifests/{digest}"),
                                         timeout=REQUEST_TIMEOUT)
        if response.status_code not in (200, 202):
            raise response_error(response, what, not_found="MANIFEST_UNKNOWN")
        response.close()

    # -- blobs ---------------------------------------------------------------------------

    def stat_blob(self, digest: str) -> Descriptor:
        """The size of a blob the repository has.

        :raises BlobUnknownError: it has none with that digest.
        """
        digest = str(check_digest(digest))
        what = f"checking blob {self.path}@{digest}"

        def head(session: RepositorySession) -> Descriptor:
            response = session.head(self._url(session, f"blobs/{digest}"),
                                    timeout=REQUEST_TIMEOUT)
            response.close()
            if response.status_code != 200:
                raise response_error(response, what, not_found="BLOB_UNKNOWN")
            length = response.headers.get("Content-Length", "")
            if not length.isdigit():
                raise unexpected(response, what, "no Content-Length")
            media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
            return Descriptor(media_type or "application/octet-stream", digest, int(length))

        return self._run(head, what)

    def has_blob(self, digest: str) -> bool:
        """Whether the repository has the blob (a :meth:`stat_blob` that answers yes or no)."""
        try:
            self.stat_blob(digest)
        except BlobUnknownError:
            return False
        return True

    def open_blob(self, digest: str, size: int | None = None) -> BlobReader:
        """A stream of the blob, verified as it is read, resumed when the connection breaks.

        Storage redirects are followed; the registry's ``Authorization`` never goes to
        another host. Use it as a context manager.

        :param size: the size the blob must have, when known (a descriptor's).
        :raises BlobUnknownError: the repository has no such blob.
        :raises DigestMismatchError: (from a read, at the end) the content is not the
            blob asked for.
        """
        digest = str(check_digest(digest))
        what = f"fetching blob {self.path}@{digest}"

        def open_on(session: RepositorySession) -> BlobReader:
            url = self._url(session, f"blobs/{digest}")

            def opener(offset: int) -> requests.Response:
                headers = {"Range": f"bytes={offset}-"} if offset else {}
                response = session.get(url, headers=headers, stream=True,
                                       timeout=REQUEST_TIMEOUT)
                if offset == 0:
                    if response.status_code != 200:
                        raise response_error(response, what, not_found="BLOB_UNKNOWN")
                    return response
                if response.status_code == 416:
                    # Nothing from here on: the registry's blob is shorter than expected.
                    response.close()
                    raise DigestMismatchError(
                        f"{what}: the registry's blob ends at byte {offset}, short of its "
                        "announced size", expected=digest,
                    )
                if response.status_code not in (200, 206):
                    raise response_error(response, what, not_found="BLOB_UNKNOWN")
                check_range_response(response, offset, what)
                return response

            return BlobReader(opener, digest, size, first=opener(0),
                              max_resumes=self.max_resumes, chunk_size=READ_CHUNK_SIZE)

        return self._run(open_on, what)

    def upload_blob(
        self,
        data: bytes | bytearray | memoryview | BinaryIO | Readable,
        digest: str | None = None,
        size: int | None = None,
    ) -> Descriptor:
        """Push a blob from bytes or a binary file object (read from where it stands).

        Monolithic (``POST`` then one ``PUT``) when the size is known, the digest is known
        (or the data is bytes) and the size is at most ``monolithic_max``; else chunked
        (``PATCH`` bodies of ``chunk_size``, then ``PUT ?digest=``). Streams either way.

        :returns: the blob's descriptor (``application/octet-stream``).
        :raises DigestMismatchError: the content does not have ``digest``.
        """
        return upload_blob(self._target(), data, digest, size,
                           monolithic_max=self.monolithic_max, chunk_size=self.chunk_size)

    def mount_blob(
        self,
        digest: str,
        from_repository: str | Repository,
        *,
        source: Repository | None = None,
        size: int | None = None,
    ) -> bool:
        """Mount a blob from another repository of the same registry; ``True`` if mounted.

        ``from_repository`` is a :class:`Repository` or the path of one on this registry
        (``team/base``).

        When the registry declines (it answers by opening an upload instead), the blob is
        streamed from ``source`` into that upload and ``False`` is returned; without a
        ``source`` the upload is cancelled and :class:`MountDeclinedError` raised. The token
        asked for covers pull on ``from_repository`` too, as the engine asks for it.
        """
        digest = str(check_digest(digest))
        from_path = (
            from_repository.path if isinstance(from_repository, Repository) else from_repository
        )
        if not from_path or "?" in from_path or "#" in from_path:
            raise InvalidArgumentError(f"invalid repository to mount from: {from_path!r}")
        target = self._target()
        what = f"mounting blob {digest} from {from_path} into {self.path}"
        response = start_upload(target, urlencode({"mount": digest, "from": from_path}))
        if response.status_code == 201:
            response.close()
            log.debug("mounted %s from %s into %s", digest, from_path, self.path)
            return True
        if response.status_code != 202:
            raise response_error(response, what, not_found="NAME_UNKNOWN")
        response.close()
        location = response.headers.get("Location")
        if not location:
            raise unexpected(response, what, "the answer has no Location")
        location = urljoin(response.url, location)
        if source is None:
            cancel_upload(target, location)
            raise MountDeclinedError(f"{what}: the registry declined", status=202)
        with source.open_blob(digest, size) as reader:
            upload_blob(target, reader, digest, reader.size, location=location,
                        monolithic_max=self.monolithic_max, chunk_size=self.chunk_size)
        return False

    # -- listings ------------------------------------------------------------------------

    def tags(self, n: int | None = None, last: str | None = None) -> list[str]:
        """The repository's tags after ``last``, asking for pages of ``n``, following every
        ``Link: rel="next"`` page on the same origin.

        :raises NameUnknownError: the registry does not know the repository.
        """
        what = f"listing tags of {self.path}"
        return self._run(
            lambda session: list_pages(session, self._url(session, "tags/list"), "tags",
                                       n, last, what, REQUEST_TIMEOUT),
            what,
        )

    def catalog(self, n: int | None = None, last: str | None = None) -> list[str]:
        """The registry's repositories (``GET /v2/_catalog``), paged as :meth:`tags`.

        The token scope ``registry:catalog:*`` is asked for when the registry's challenge
        names it.
        """
        what = "listing the catalog"
        return self._run(
            lambda session: list_pages(session, f"{session.base_url}/v2/_catalog",
                                       "repositories", n, last, what, REQUEST_TIMEOUT),
            what,
        )
