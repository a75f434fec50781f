"""The v1 session: every method of moby 19.03's ``registry/session.go``.

A :class:`Session` talks to one v1 index (its :class:`~registry_core.v1endpoint.V1Endpoint`)
and to the registries the index names. Its client sends through the v1 auth layer that the
``registry_v1_auth_transport`` hook gives (the built-in
:mod:`registry_core_plugins.v1_token_auth`): basic auth on every request for a standalone
private registry over https, else basic auth on the requests that ask the index for a token
(``X-Docker-Token: true``) and ``Authorization: Token ...`` once the index issued one. The
session keeps cookies, as the reference's cookie jar does.

Request paths, headers, status handling and messages are the reference's. Where this
module does more (bounded reads, ``Accept-Encoding: identity`` for layers, a strict
resumable reader, no endless redirect loop) the docstrings say so.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote_plus

import requests

from .bodies import read_body as read_capped
from .constants import INDEX_SERVER
from .errors import (
    AuthenticationError,
    ImageAlreadyExistsError,
    InvalidArgumentError,
    RegistryError,
    RepositoryNotFoundError,
    TransportError,
    V1ResponseError,
)
from .gocompat import from_bytes, go_quote, to_bytes, url_parse
from .gojson import json_decode, json_kind
from .redact import authorization_secrets, redact
from .reference import path as reference_path
from .resumable import ResponseStream, ResumableLayerReader
from .tarsum import VERSION0, new_tar_sum
from .transport import RegistrySession
from .types import AuthConfig, ImgData, RepositoryData, SearchResults
from .v1wire import (
    MAX_JSON_BODY,
    already_exists,
    build_endpoints_list,
    decode_search_results,
    decode_string_list,
    decode_string_map,
    first_value,
    go_marshal,
    go_string,
    header_values,
    parse_int64,
    read_body,
    read_error_body,
)

if TYPE_CHECKING:
    import io

    from .reference import Named
    from .v1endpoint import V1Endpoint

__all__ = [
    "Session",
    "new_session",
    "authorize_client",
    "build_endpoints_list",
    "decode_search_results",
    "generate_random_id",
    "UNAUTHORIZED_MESSAGE",
    "MAX_JSON_BODY",
]

log = logging.getLogger(__name__)

#: The most of a search answer that is read: at most 100 results of a few hundred bytes
#: each; a larger answer is a :class:`~registry_core.errors.ResponseTooLargeError`.
MAX_SEARCH_BODY = 1 << 20

#: The reference's ``errcode.ErrorCodeUnauthorized`` text.
UNAUTHORIZED_MESSAGE = "unauthorized: authentication required"


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def generate_random_id() -> str:
    """64 random hex digits whose first 12 are not all digits (Go
    ``stringid.GenerateRandomID``)."""
    while True:
        value = secrets.token_hex(32)
        if not value[:12].isdigit():
            return value


def authorize_client(
    client: RegistrySession, auth_config: AuthConfig | None, endpoint: V1Endpoint
) -> None:
    """Put the v1 auth layer and a fresh cookie jar on ``client`` (Go ``authorizeClient``).

    For a private registry over https (not the official index) the endpoint is pinged: if
    it says it is standalone and there are credentials, every request gets basic auth. The
    layer is the ``registry_v1_auth_transport`` hook's answer (the built-in
    :class:`~registry_core_plugins.v1_token_auth.AuthTransport` unless a plugin replaces it);
    without plugins, the built-in one directly.

    :raises TransportError: the ping failed.
    """
    always_set_basic_auth = False
    if str(endpoint) != INDEX_SERVER and endpoint.scheme == "https":
        info = endpoint.ping()
        if info.standalone and auth_config is not None:
            log.debug("Endpoint %s is eligible for private registry. Enabling decorator.",
                      endpoint)
            always_set_basic_auth = True
    base = client.get_adapter("https://")
    if endpoint.hooks is not None:
        adapter = endpoint.hooks.v1_auth_transport(base, auth_config, always_set_basic_auth)
    else:
        from registry_core_plugins.v1_token_auth import auth_transport

        adapter = auth_transport(base, auth_config, always_set_basic_auth)
    client.mount("https://", adapter)
    client.mount("http://", adapter)
    client.cookies = requests.cookies.RequestsCookieJar()


def new_session(
    client: RegistrySession | None, auth_config: AuthConfig | None, endpoint: V1Endpoint
) -> Session:
    """A session on ``endpoint`` (Go ``NewSession``): ``client`` gets the v1 auth layer and
    a cookie jar, as :func:`authorize_client`. With ``None``, a new client of the endpoint
    (:meth:`~registry_core.v1endpoint.V1Endpoint.new_client`): the reference changes the
    client it is given, so two sessions on one client would stack two auth layers.

    :raises TransportError: the endpoint's ping failed.
    """
    if client is None:
        client = endpoint.new_client()
    authorize_client(client, auth_config, endpoint)
    return Session(client, auth_config, endpoint)


class Session:
    """A v1 session (Go ``registry.Session``). Build it with :func:`new_session`; the
    constructor takes a client that is already authorized.

    Every method raises :class:`~registry_core.errors.TransportError` when a request cannot
    be sent or answered, unless it says otherwise.
    """

    def __init__(
        self, client: RegistrySession, auth_config: AuthConfig | None, endpoint: V1Endpoint
    ) -> None:
        self.client = client
        self.auth_config = auth_config
        self.index_endpoint = endpoint
        self._id = generate_random_id()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self._id[:12]}, index={str(self.index_endpoint)!r})"

    def id(self) -> str:
        """The session's random id (64 hex digits)."""
        return self._id

    def _quote_body(self, response: requests.Response) -> str:
        """The error body, Go-quoted for a message, with every credential this session sent
        (or holds) redacted: a hostile server may echo them."""
        return self._redact(go_quote(read_error_body(response)), response)

    def _redact(self, text: str, response: requests.Response) -> str:
        config = self.auth_config
        secrets_: list[str] = []
        if config is not None:
            secrets_ += [config.password, config.identity_token, config.registry_token]
            if config.password:
                secrets_.append(f"{config.username}:{config.password}")
        request = getattr(response, "request", None)
        if request is not None:
            secrets_ += authorization_secrets(request.headers.get("Authorization"))
        return redact(text, secrets_)

    def close(self) -> None:
        self.client.close()

    # -- pulling -------------------------------------------------------------------------------

    def get_remote_history(self, img_id: str, registry: str) -> list[str]:
        """The image's ancestry, itself first: ``GET <registry>images/<id>/ancestry``.

        :raises AuthenticationError: 401.
        :raises V1ResponseError: another status but 200.
        """
        response = self.client.get(f"{registry}images/{img_id}/ancestry", stream=True)
        if response.status_code != 200:
            response.close()
            if response.status_code == 401:
                raise AuthenticationError(UNAUTHORIZED_MESSAGE)
            raise V1ResponseError(
                f"Server error: {response.status_code} trying to fetch remote history for "
                f"{img_id}",
                response.status_code,
            )
        try:
            history = decode_string_list(read_body(response, MAX_JSON_BODY))
        except InvalidArgumentError as exc:
            raise RegistryError(f"Error while reading the http response: {exc}") from None
        log.debug("Ancestry: %s", history)
        return history

    def lookup_remote_image(self, img_id: str, registry: str) -> None:
        """Whether the image exists: ``GET <registry>images/<id>/json`` answers 200.

        :raises V1ResponseError: any other status (``HTTP code <n>``).
        """
        response = self.client.get(f"{registry}images/{img_id}/json", stream=True)
        response.close()
        if response.status_code != 200:
            raise V1ResponseError(f"HTTP code {response.status_code}", response.status_code)

    def get_remote_image_json(self, img_id: str, registry: str) -> tuple[bytes, int]:
        """The image JSON and the layer size from ``X-Docker-Size`` (-1 without it).

        :raises TransportError: ``Failed to download json: ...``.
        :raises V1ResponseError: a status other than 200.
        :raises RegistryError: ``X-Docker-Size`` is not an integer.
        """
        try:
            response = self.client.get(f"{registry}images/{img_id}/json", stream=True)
        except TransportError as exc:
            raise TransportError(f"Failed to download json: {exc}") from None
        if response.status_code != 200:
            response.close()
            raise V1ResponseError(f"HTTP code {response.status_code}", response.status_code)
        size = -1
        header = response.headers.get("X-Docker-Size", "")
        if header:
            parsed = parse_int64(header)
            if parsed is None:
                response.close()
                raise RegistryError(
                    f"strconv.ParseInt: parsing {go_quote(header)}: invalid syntax"
                )
            size = parsed
        return read_body(response, MAX_JSON_BODY), size

    def get_remote_image_layer(
        self, img_id: str, registry: str, img_size: int
    ) -> io.RawIOBase:
        """A stream of the layer: ``GET <registry>images/<id>/layer``.

        When the server sends ``Accept-Ranges: bytes`` and ``img_size`` is above 0 the stream
        is a :class:`~registry_core.resumable.ResumableLayerReader`, which resumes a broken
        download; otherwise a plain stream. Beyond the reference, the layer is asked for with
        ``Accept-Encoding: identity``, so that byte ranges count the bytes sent.

        :raises V1ResponseError: ``Server error: Status <n> while fetching image layer
            (<id>)`` (``Status 0`` when the request failed).
        """
        url = f"{registry}images/{img_id}/layer"
        try:
            response = self.client.get(
                url, headers={"Accept-Encoding": "identity"}, stream=True
            )
        except TransportError as exc:
            log.debug("Error contacting registry %s: %s", registry, exc)
            raise V1ResponseError(
                f"Server error: Status 0 while fetching image layer ({img_id})"
            ) from None
        if response.status_code != 200:
            response.close()
            raise V1ResponseError(
                f"Server error: Status {response.status_code} while fetching image layer "
                f"({img_id})",
                response.status_code,
            )
        if response.headers.get("Accept-Ranges") == "bytes" and img_size > 0:
            log.debug("server supports resume")
            return ResumableLayerReader(self.client, url, img_size, response)
        log.debug("server doesn't support resume")
        return ResponseStream(response, img_size)

    def _repository_path(self, repository_ref: Named) -> str:
        repository = reference_path(repository_ref)
        if "/" not in repository:
            repository = "library/" + repository
        return repository

    def _first_answer(self, registries: Iterable[str], suffix: str) -> bytes:
        """Ask each registry in turn; the first 200's body. A transport error or a 404
        ends the search at once; other statuses move to the next registry."""
        for host in registries:
            endpoint = f"{host}{suffix}"
            response = self.client.get(endpoint, stream=True)
            log.debug("Got status code %d from %s", response.status_code, endpoint)
            if response.status_code == 404:
                response.close()
                raise RepositoryNotFoundError()
            if response.status_code != 200:
                response.close()
                continue
            return read_body(response, MAX_JSON_BODY)
        raise RegistryError("Could not reach any registry endpoint")

    def get_remote_tag(
        self, registries: Iterable[str], repository_ref: Named, asked_tag: str
    ) -> str:
        """The image id of one tag: ``GET <registry>repositories/<path>/tags/<tag>``
        (``library/`` added to a path without ``/``), from the first registry that answers.

        :raises RepositoryNotFoundError: a registry answered 404.
        :raises RegistryError: ``Could not reach any registry endpoint``, or a body that is
            not a JSON string.
        """
        path = self._repository_path(repository_ref)
        body = self._first_answer(registries, f"repositories/{path}/tags/{asked_tag}")
        try:
            return go_string(json_decode(body))
        except InvalidArgumentError as exc:
            raise RegistryError(str(exc)) from None

    def get_remote_tags(self, registries: Iterable[str], repository_ref: Named) -> dict[str, str]:
        """Every tag of the repository, tag to image id: ``GET
        <registry>repositories/<path>/tags``; registries tried as :meth:`get_remote_tag`."""
        path = self._repository_path(repository_ref)
        body = self._first_answer(registries, f"repositories/{path}/tags")
        try:
            return decode_string_map(body)
        except InvalidArgumentError as exc:
            raise RegistryError(str(exc)) from None

    def get_repository_data(self, name: Named) -> RepositoryData:
        """The repository's images and registries: ``GET <index>repositories/<path>/images``
        with ``X-Docker-Token: true``, so the index issues a token.

        The registries are the ``X-Docker-Endpoints`` hosts in the index's scheme, or the
        index's own host when it sends none.

        :raises AuthenticationError: 401.
        :raises V1ResponseError: another status but 200.
        :raises TransportError: ``network timed out while trying to connect to ...`` or
            ``Error while pulling image: ...``.
        """
        target = f"{self.index_endpoint}repositories/{reference_path(name)}/images"
        log.debug("[registry] Calling GET %s", target)
        try:
            response = self.client.get(target, headers={"X-Docker-Token": "true"}, stream=True)
        except TransportError as exc:
            if "timed out" in str(exc):
                raise TransportError(
                    f"network timed out while trying to connect to {target}. You may want to "
                    "check your internet connection or if you are behind a proxy"
                ) from None
            raise TransportError(f"Error while pulling image: {exc}") from None
        status = response.status_code
        if status == 401:
            response.close()
            raise AuthenticationError(UNAUTHORIZED_MESSAGE)
        if status == 404:
            response.close()
            raise V1ResponseError(f"HTTP code: {status}", status)
        if status != 200:
            raise V1ResponseError(
                f"Error: Status {status} trying to pull repository {reference_path(name)}: "
                f"{self._quote_body(response)}",
                status,
            )
        if first_value(response, "X-Docker-Endpoints"):
            endpoints = build_endpoints_list(
                header_values(response, "X-Docker-Endpoints"), str(self.index_endpoint)
            )
        else:
            host = from_bytes(url_parse(to_bytes(target)).host)
            endpoints = [f"{self.index_endpoint.scheme}://{host}/v1/"]
        try:
            value = json_decode(read_body(response, MAX_JSON_BODY))
        except InvalidArgumentError as exc:
            raise RegistryError(str(exc)) from None
        if value is not None and not isinstance(value, list):
            raise RegistryError(
                f"json: cannot unmarshal {json_kind(value)} into Go value of type "
                "[]*registry.ImgData"
            )
        images: dict[str, ImgData] = {}
        for element in value or []:
            if isinstance(element, dict):
                data = ImgData.from_json(element)
                images[data.id] = data
        return RepositoryData(img_list=images, endpoints=endpoints)

    # -- pushing -------------------------------------------------------------------------------

    def push_image_checksum_registry(self, img_data: ImgData, registry: str) -> None:
        """``PUT <registry>images/<id>/checksum`` with ``X-Docker-Checksum`` and
        ``X-Docker-Checksum-Payload``; cookies the registry sets are kept.

        :raises ImageAlreadyExistsError: the registry says ``Image already exists``.
        :raises V1ResponseError: another status but 200.
        :raises TransportError: ``Failed to upload metadata: ...``.
        """
        url = f"{registry}images/{img_data.id}/checksum"
        log.debug("[registry] Calling PUT %s", url)
        try:
            response = self.client.put(
                url,
                headers={
                    "X-Docker-Checksum": img_data.checksum,
                    "X-Docker-Checksum-Payload": img_data.checksum_payload,
                },
                stream=True,
            )
        except TransportError as exc:
            raise TransportError(f"Failed to upload metadata: {exc}") from None
        self._check_metadata_upload(response)

    def push_image_json_registry(self, img_data: ImgData, json_raw: bytes, registry: str) -> None:
        """``PUT <registry>images/<id>/json`` with the image JSON.

        :raises ImageAlreadyExistsError: the registry says ``Image already exists``.
        :raises V1ResponseError: another status but 200 (for a 401 over plain http, ``HTTP
            code 401, Docker will not send auth headers over HTTP.``).
        :raises TransportError: ``Failed to upload metadata: ...``.
        """
        url = f"{registry}images/{img_data.id}/json"
        log.debug("[registry] Calling PUT %s", url)
        try:
            response = self.client.put(
                url, data=json_raw, headers={"Content-type": "application/json"}, stream=True
            )
        except TransportError as exc:
            raise TransportError(f"Failed to upload metadata: {exc}") from None
        status = response.status_code
        if status == 401 and registry.startswith("http://"):
            response.close()
            raise V1ResponseError(
                "HTTP code 401, Docker will not send auth headers over HTTP.", status
            )
        self._check_metadata_upload(response)

    def _check_metadata_upload(self, response: requests.Response) -> None:
        """The reference's check of an image's checksum or JSON upload: ``Image already
        exists`` is :class:`ImageAlreadyExistsError`, another status but 200 a
        :class:`V1ResponseError` quoting the body."""
        status = response.status_code
        if status != 200:
            exists, body = already_exists(read_error_body(response))
            if exists:
                raise ImageAlreadyExistsError()
            raise V1ResponseError(
                f"HTTP code {status} while uploading metadata: "
                f"{self._redact(go_quote(body), response)}",
                status,
            )
        response.close()

    def push_image_layer_registry(
        self, img_id: str, layer: _Reader, registry: str, json_raw: bytes
    ) -> tuple[str, str]:
        """Upload a layer (a tar stream): ``PUT <registry>images/<id>/layer``, chunked.

        What is sent is tarsum version 0's gzipped re-encoding of the tar, as the
        reference's ``NewTarSum(layer, false, Version0)``. Returns ``(checksum,
        checksum_payload)``: the tarsum (``tarsum+sha256:...``, with ``json_raw`` as its
        extra) and ``sha256:`` of ``json_raw``, a newline and the bytes sent, both computed
        while streaming. ``layer`` is closed after the upload when it has ``close()``.

        :raises V1ResponseError: a status other than 200.
        :raises TransportError: ``Failed to upload layer: ...``, also when the layer is not a
            tar archive tarsum can read.
        """
        url = f"{registry}images/{img_id}/layer"
        log.debug("[registry] Calling PUT %s", url)
        tarsum = new_tar_sum(layer, False, VERSION0)
        payload = hashlib.sha256(json_raw + b"\n")

        def body() -> Iterator[bytes]:
            for chunk in tarsum:
                payload.update(chunk)
                yield chunk

        try:
            response = self.client.put(
                url,
                data=body(),
                headers={"Content-Type": "application/octet-stream"},
                stream=True,
            )
        except RegistryError as exc:
            raise TransportError(f"Failed to upload layer: {exc}") from None
        closer = getattr(layer, "close", None)
        if callable(closer):
            closer()
        if response.status_code != 200:
            raise V1ResponseError(
                f"Received HTTP code {response.status_code} while uploading layer: "
                f"{self._quote_body(response)}",
                response.status_code,
            )
        response.close()
        return tarsum.sum(json_raw), "sha256:" + payload.hexdigest()

    def push_registry_tag(self, remote: Named, revision: str, tag: str, registry: str) -> None:
        """``PUT <registry>repositories/<path>/tags/<tag>`` with the image id as a JSON
        string.

        :raises V1ResponseError: a status other than 200 or 201.
        """
        path = f"repositories/{reference_path(remote)}/tags/{tag}"
        response = self.client.put(
            registry + path,
            data=f'"{revision}"'.encode(),
            headers={"Content-type": "application/json"},
            stream=True,
        )
        response.close()
        if response.status_code not in (200, 201):
            raise V1ResponseError(
                f"Internal server error: {response.status_code} trying to push tag {tag} on "
                f"{reference_path(remote)}",
                response.status_code,
            )

    def push_image_json_index(
        self,
        remote: Named,
        img_list: Iterable[ImgData],
        validate: bool,
        regs: Iterable[str] | None,
    ) -> RepositoryData:
        """Tell the index about a push: ``PUT <index>repositories/<path>/`` with the image
        list (``validate=False``, before the upload), or ``.../images`` with the images that
        have checksums and ``X-Docker-Endpoints: <regs>`` (``validate=True``, after it).

        The request carries ``X-Docker-Token: true``: the index's token is held by the v1
        auth layer for the registries, and never logged. Without validation, returns the
        registries the index names; with it, an empty :class:`RepositoryData`.

        Redirects are followed by the session with its credential rules (the reference's
        client follows them too; its own loop over 3xx answers, which never ends for a
        redirect without ``Location``, is not kept: a 3xx left over is an error).

        :raises AuthenticationError: 401.
        :raises V1ResponseError: an unexpected status (not 200/201 without validation, not
            204 with it).
        :raises RegistryError: ``Index response didn't contain any endpoints``.
        """
        images = list(img_list)
        if validate:
            images = [image for image in images if image.checksum]
        body = go_marshal([image.to_json() for image in images])
        suffix = "images" if validate else ""
        url = f"{self.index_endpoint}repositories/{reference_path(remote)}/{suffix}"
        log.debug("[registry] PUT %s", url)
        headers = {"Content-type": "application/json", "X-Docker-Token": "true"}
        if validate and regs:
            # Go sends one header line per registry; one line of comma-separated values
            # means the same in HTTP, and the index splits on commas.
            headers["X-Docker-Endpoints"] = ", ".join(regs)
        response = self.client.put(url, data=body, headers=headers, stream=True)
        status = response.status_code
        if status == 401:
            response.close()
            raise AuthenticationError(UNAUTHORIZED_MESSAGE)
        path = reference_path(remote)
        if not validate:
            if status not in (200, 201):
                raise V1ResponseError(
                    f"Error: Status {status} trying to push repository {path}: "
                    f"{self._quote_body(response)}",
                    status,
                )
            response.close()
            if not first_value(response, "X-Docker-Endpoints"):
                raise RegistryError("Index response didn't contain any endpoints")
            endpoints = build_endpoints_list(
                header_values(response, "X-Docker-Endpoints"), str(self.index_endpoint)
            )
            return RepositoryData(endpoints=endpoints)
        if status != 204:
            raise V1ResponseError(
                f"Error: Status {status} trying to push checksums {path}: "
                f"{self._quote_body(response)}",
                status,
            )
        response.close()
        return RepositoryData()

    # -- search --------------------------------------------------------------------------------

    def search_repositories(self, term: str, limit: int) -> SearchResults:
        """``GET <index>search?q=<term>&n=<limit>`` with ``X-Docker-Token: true`` (so a
        logged-in session sends its credentials).

        :raises InvalidArgumentError: ``Limit <n> is outside the range of [1, 100]``.
        :raises V1ResponseError: ``Unexpected status code <n>``.
        :raises RegistryError: ``error decoding registry search results: ...``.
        :raises ResponseTooLargeError: the answer is larger than :data:`MAX_SEARCH_BODY`
            (beyond the reference, which reads it whole).
        """
        if limit < 1 or limit > 100:
            raise InvalidArgumentError(f"Limit {limit} is outside the range of [1, 100]")
        log.debug("Index server: %s", self.index_endpoint)
        url = f"{self.index_endpoint}search?q={quote_plus(term, safe='')}&n={limit}"
        response = self.client.get(url, headers={"X-Docker-Token": "true"}, stream=True)
        if response.status_code != 200:
            response.close()
            raise V1ResponseError(
                f"Unexpected status code {response.status_code}", response.status_code
            )
        try:
            body = read_capped(response, MAX_SEARCH_BODY)
        finally:
            response.close()
        return decode_search_results(body)
