"""A v1 registry or index endpoint (moby 19.03 ``registry/endpoint_v1.go``).

:func:`new_v1_endpoint` turns an index into the address of its v1 API, as the reference
does: ``https://index.docker.io/v1/`` for the official index, the index name otherwise;
``https://`` when no scheme is given; a trailing ``/v1`` removed and ``/v2`` refused. It then
validates the endpoint with a ping: https first, always; if that fails, a secure index is an
error (with the reference's advice about ``--insecure-registry`` and certs.d) and an insecure
one is tried over plain http.

The endpoint's client sends ``User-Agent`` and the meta headers on every request, then the
plugins' request modifiers for each host, and sends through the ``registry_send_request``
hooks, like every other client of registry-core. Its TLS configuration is the index's: no
verification for an insecure index, else what the ``registry_configure_tls`` plugins add
(the built-in one reads certs.d, as the reference's ``newTLSConfig`` does).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import requests

from .bodies import read_body
from .config import get_auth_config_key
from .constants import INDEX_SERVER
from .errors import InvalidArgumentError, RegistryError, TransportError
from .gocompat import GoURL, from_bytes, to_bytes, url_parse
from .gojson import JSONObject, json_field, json_unmarshal
from .tlsconfig import TLSConfig
from .transport import RegistrySession, headers, http_client, new_transport
from .types import IndexInfo, PingResult

if TYPE_CHECKING:
    from .manager import Hooks

__all__ = ["V1Endpoint", "new_v1_endpoint", "new_v1_endpoint_from_str", "trim_v1_address"]

log = logging.getLogger(__name__)

MetaHeaders = Mapping[str, str | Sequence[str]]

#: The most of a ``_ping`` answer that is read (the reference reads all of it).
MAX_PING_BODY = 1 << 20


class V1Endpoint:
    """A v1 endpoint (Go ``V1Endpoint``): its URL without the ``/v1/`` suffix, whether it is
    secure (TLS verified), and the client that talks to it.

    :param url: the root URL, such as ``https://registry.example.com`` (a ``/v1`` suffix is
        not removed here; see :func:`new_v1_endpoint_from_str`).
    :param tls_config: the TLS configuration; ``None`` means the default (verified).
    :param user_agent: sent as ``User-Agent`` (none if empty).
    :param meta_headers: extra headers sent on every request.
    :param hooks: the plugins (request modifiers and ``registry_send_request``); also what a
        :class:`~registry_core.v1session.Session` asks for the v1 auth layer.
    """

    def __init__(
        self,
        url: str | GoURL,
        tls_config: TLSConfig | None = None,
        user_agent: str = "",
        meta_headers: MetaHeaders | None = None,
        *,
        hooks: Hooks | None = None,
    ) -> None:
        self._url = url if isinstance(url, GoURL) else url_parse(to_bytes(url))
        self.tls_config = tls_config.copy() if tls_config is not None else TLSConfig()
        self.is_secure = not self.tls_config.insecure_skip_verify
        self.hooks = hooks
        self._transport = new_transport(self.tls_config)
        self._modifiers = headers(user_agent, meta_headers)
        #: The endpoint's own client (pings); sessions get their own from :meth:`new_client`.
        self.client: RegistrySession = self.new_client()

    def new_client(self) -> RegistrySession:
        """A new client for this endpoint: its transport (connection pools shared), its
        ``User-Agent`` and meta headers, the plugins' modifiers and senders; no auth yet."""
        hooks = self.hooks
        return http_client(
            self._transport,
            self._modifiers,
            plugin_hooks=hooks,
            host_modifiers=hooks.request_modifiers if hooks is not None else None,
        )

    @property
    def url(self) -> str:
        """The root URL, without ``/v1/`` (Go ``URL.String()``)."""
        return self._url.string_text()

    @property
    def scheme(self) -> str:
        return from_bytes(self._url.scheme)

    @scheme.setter
    def scheme(self, value: str) -> None:
        self._url.scheme = to_bytes(value)

    @property
    def host(self) -> str:
        return from_bytes(self._url.host)

    def __str__(self) -> str:
        """The v1 root: ``<url>/v1/`` (Go ``String()``)."""
        return self.url + "/v1/"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, is_secure={self.is_secure!r})"

    def path(self, path: str) -> str:
        """``<url>/v1/<path>`` (Go ``Path``)."""
        return self.url + "/v1/" + path

    def ping(self) -> PingResult:
        """``GET <url>/v1/_ping``, read as the reference reads it (Go ``Ping``).

        Any status is accepted. The JSON body comes first, with ``standalone`` true unless
        it says otherwise (a body that is not JSON is ignored); then a non-empty
        ``X-Docker-Registry-Version`` header sets the version, and a non-empty
        ``X-Docker-Registry-Standalone`` sets standalone: ``true`` (any case) or ``1`` is
        true, any other value false. The official index is not asked: it is not standalone.

        :raises TransportError: the request could not be sent or its answer read.
        """
        log.debug("attempting v1 ping for registry endpoint %s", self)
        if str(self) == INDEX_SERVER:
            return PingResult(standalone=False)
        url = self.path("_ping")
        response = self.client.get(url, stream=True)
        try:
            body = read_body(response, MAX_PING_BODY, truncate=True)
        except TransportError as exc:
            raise TransportError(f"error while reading the http response: {exc}") from None
        finally:
            response.close()
        info = PingResult(standalone=True)
        _read_ping_json(body, info)
        version = _first_header(response, "X-Docker-Registry-Version")
        if version:
            log.debug("Registry version header: '%s'", version)
            info.version = version
        standalone = _first_header(response, "X-Docker-Registry-Standalone")
        if standalone.lower() == "true" or standalone == "1":
            info.standalone = True
        elif standalone:
            info.standalone = False
        log.debug("PingResult.Version: %r, PingResult.Standalone: %s", info.version,
                  info.standalone)
        return info

    def close(self) -> None:
        self.client.close()


def _first_header(response: requests.Response, name: str) -> str:
    """Go's ``Header.Get``: the first value of ``name``, not the values joined."""
    raw_headers = getattr(response.raw, "headers", None)
    getlist = getattr(raw_headers, "getlist", None)
    if callable(getlist):
        values = getlist(name)
        return str(values[0]) if values else ""
    return response.headers.get(name, "")


def _read_ping_json(body: bytes, info: PingResult) -> None:
    """Decode ``body`` into ``info`` as Go's ``json.Unmarshal`` would: fields of the wrong
    type are skipped, a body that is not a JSON object changes nothing."""
    try:
        data = json_unmarshal(body)
    except InvalidArgumentError as exc:
        log.debug("Error unmarshaling the _ping PingResult: %s", exc)
        return
    if not isinstance(data, JSONObject):
        return
    for key, value in data.pairs:
        name = json_field(str(key), ["version", "standalone"])
        if name == "version" and isinstance(value, str):
            info.version = value
        elif name == "standalone" and isinstance(value, bool):
            info.standalone = value


def trim_v1_address(address: str) -> str:
    """Remove a trailing ``/`` and then a last path element ``v1`` (Go ``trimV1Address``).

    :raises InvalidArgumentError: the last element names another API version
        (``unsupported V1 version path v2``).
    """
    if address.endswith("/"):
        address = address[:-1]
    chunks = address.split("/")
    last = chunks[-1]
    if last == "v1":
        return "/".join(chunks[:-1])
    if last == "v2":
        raise InvalidArgumentError(f"unsupported V1 version path {last}")
    return address


def new_v1_endpoint_from_str(
    address: str,
    tls_config: TLSConfig | None,
    user_agent: str,
    meta_headers: MetaHeaders | None,
    *,
    hooks: Hooks | None = None,
) -> V1Endpoint:
    """An endpoint for ``address`` without pinging it (Go ``newV1EndpointFromStr``).

    :raises InvalidArgumentError: the address names another API version, or does not parse.
    """
    if not address.startswith(("http://", "https://")):
        address = "https://" + address
    address = trim_v1_address(address)
    url = url_parse(to_bytes(address))
    return V1Endpoint(url, tls_config, user_agent, meta_headers, hooks=hooks)


def index_tls_config(index: IndexInfo, hooks: Hooks | None) -> TLSConfig:
    """The reference's ``newTLSConfig(index.Name, index.Secure)``: verification off for an
    insecure index; for a secure one, what the TLS plugins (certs.d) add."""
    tls_config = TLSConfig(insecure_skip_verify=not index.secure)
    if hooks is not None:
        hooks.configure_tls(index.name, index.secure, tls_config)
    return tls_config


def new_v1_endpoint(
    index: IndexInfo,
    user_agent: str,
    meta_headers: MetaHeaders | None,
    *,
    hooks: Hooks | None = None,
    tls_config: TLSConfig | None = None,
) -> V1Endpoint:
    """The validated v1 endpoint of ``index`` (Go ``NewV1Endpoint``).

    :param hooks: the plugins; by default those of
        :func:`registry_core.manager.get_plugin_manager` (so certs.d is read as the
        reference reads it).
    :param tls_config: use this TLS configuration instead of the index's.
    :raises InvalidArgumentError: the index's address names another API version.
    :raises RegistryError: the ping failed (``invalid registry endpoint ...``), over https
        for a secure index, over both schemes for an insecure one.
    """
    if hooks is None:
        from .manager import Hooks, get_plugin_manager

        hooks = Hooks(get_plugin_manager())
    if tls_config is None:
        tls_config = index_tls_config(index, hooks)
    endpoint = new_v1_endpoint_from_str(
        get_auth_config_key(index), tls_config, user_agent, meta_headers, hooks=hooks
    )
    validate_endpoint(endpoint)
    return endpoint


def validate_endpoint(endpoint: V1Endpoint) -> None:
    """Ping over https, and for an insecure endpoint over http after that (Go
    ``validateEndpoint``); the endpoint keeps the scheme that answered.

    :raises RegistryError: with the reference's messages.
    """
    log.debug("pinging registry endpoint %s", endpoint)
    endpoint.scheme = "https"
    try:
        endpoint.ping()
        return
    except RegistryError as exc:
        first = exc
    host = endpoint.host
    if endpoint.is_secure:
        raise RegistryError(
            f"invalid registry endpoint {endpoint}: {first}. If this private registry "
            f"supports only HTTP or HTTPS with an unknown CA certificate, please add "
            f"`--insecure-registry {host}` to the daemon's arguments. In the case of HTTPS, "
            f"if you have access to the registry's CA certificate, no need for the flag; "
            f"simply place the CA certificate at /etc/docker/certs.d/{host}/ca.crt"
        ) from first
    log.debug("Error from registry %r marked as insecure: %s. Insecurely falling back to HTTP",
              str(endpoint), first)
    endpoint.scheme = "http"
    try:
        endpoint.ping()
    except RegistryError as second:
        raise RegistryError(
            f'invalid registry endpoint "{endpoint}". HTTPS attempt: {first}. '
            f"HTTP attempt: {second}"
        ) from second
