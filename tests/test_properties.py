"""Property tests: every parser, fed arbitrary input, answers or raises a typed error
(a :class:`~registry_core.errors.RegistryError`), never anything else.

Each property is bounded (``max_examples``, no deadline) so the suite stays fast; the
strategies mix random text with fragments of the grammar each parser reads, so examples
get past the first character. Not covered yet: ``Content-Range`` (no parser in the library
yet) and TOML files (``registries.conf``/``hosts.toml`` land with the interop issue).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry_core.certs import host_certs_dir, read_certs_directory
from registry_core.challenge import parse_auth_headers
from registry_core.config import (
    ServiceOptions,
    mirror_endpoint_url,
    new_service_config,
    validate_index_name,
    validate_mirror,
)
from registry_core.errors import RegistryError
from registry_core.gocompat import parse_cidr, parse_ip, split_host_port, to_bytes, url_parse
from registry_core.gojson import json_decode, json_unmarshal
from registry_core.reference import parse_any_reference, parse_normalized_named
from registry_core.service import DefaultService
from registry_core.tlsconfig import TLSConfig
from registry_core.types import AuthConfig

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text that includes what breaks naive code: surrogates, NUL, CR/LF, non-Latin-1.
_ANY_CHAR = st.characters(codec=None, exclude_categories=())
_PIECES = st.sampled_from([
    "/", ":", "@", "[", "]", "::1", "%", "%25", "..", "http://", "https://", "docker.io",
    "localhost", ":5000", "127.0.0.1", "library/", "sha256:", "a" * 64, "@sha256:", "\x00",
    "\r\n", "\ud800", "é", "Ω", " ", "?", "#", "-", "_", ".", "0/8", "/33", "ff::", "1.2.3.4",
    "user:pass@", "%zz", "\u212a", "\u017f",
])
TEXT = st.one_of(
    st.text(_ANY_CHAR, max_size=40),
    st.lists(st.one_of(_PIECES, st.text(_ANY_CHAR, max_size=4)), max_size=10).map("".join),
)


def typed_or_value(call, *args):
    try:
        return call(*args)
    except RegistryError:
        return None


@BOUNDED
@given(TEXT)
def test_references(text: str) -> None:
    typed_or_value(parse_normalized_named, text)
    typed_or_value(parse_any_reference, text)


@BOUNDED
@given(TEXT)
def test_host_port_ip_and_cidr(text: str) -> None:
    # These return None for "not one"; they must not raise at all.
    split_host_port(text)
    parse_ip(text)
    parse_cidr(text)
    typed_or_value(validate_index_name, text)


@BOUNDED
@given(TEXT)
def test_urls(text: str) -> None:
    typed_or_value(url_parse, to_bytes(text))
    typed_or_value(validate_mirror, text)
    typed_or_value(mirror_endpoint_url, text)


@BOUNDED
@given(st.lists(TEXT, max_size=4), st.lists(TEXT, max_size=4), st.lists(TEXT, max_size=4))
def test_options_and_endpoint_lookups(mirrors: list[str], insecure: list[str],
                                      allow: list[str]) -> None:
    try:
        options = ServiceOptions(mirrors=mirrors, insecure_registries=insecure,
                                 allow_nondistributable_artifacts=allow)
        new_service_config(options)
    except RegistryError:
        return


@BOUNDED
@given(TEXT)
def test_endpoint_lookups_and_tls_for_any_host(text: str) -> None:
    service = DefaultService(lookup_ip=lambda host: [])
    typed_or_value(service.lookup_pull_endpoints, text)
    typed_or_value(service.lookup_push_endpoints, text)


@BOUNDED
@given(st.lists(st.one_of(
    TEXT,
    st.lists(st.sampled_from(['Bearer ', 'Basic ', 'realm=', '"', '\\', ',', 'service=',
                              'scope="a b"', 'error="insufficient_scope"', ' ', '=', 'x']),
             max_size=20).map("".join),
), max_size=4))
def test_www_authenticate(headers: list[str]) -> None:
    challenges = parse_auth_headers(headers)  # lenient: never raises
    for challenge in challenges:
        assert isinstance(challenge.scheme, str)


_JSON_PIECES = st.sampled_from([
    "{", "}", "[", "]", ",", ":", '"', "\\", "\\u", "d800", "true", "null", "1e400", "-0",
    "1.5e3", " ", "\n", '"registry-mirrors"', '"insecure-registries"', "\xff", "\x00",
])


@BOUNDED
@given(st.one_of(
    st.binary(max_size=60),
    st.lists(_JSON_PIECES, max_size=30).map(lambda parts: "".join(parts).encode("utf-8",
                                                                              "surrogatepass")),
))
def test_json_documents(data: bytes) -> None:
    typed_or_value(json_decode, data)
    typed_or_value(json_unmarshal, data)


@BOUNDED
@given(st.lists(_JSON_PIECES, max_size=30).map("".join))
def test_daemon_json_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("daemon") / "daemon.json"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    typed_or_value(ServiceOptions.from_daemon_config_file, path)


@BOUNDED
@given(st.dictionaries(
    st.sampled_from(["username", "password", "auth", "identitytoken", "registrytoken",
                     "serveraddress", "Password", "x"]),
    st.one_of(TEXT, st.integers(), st.none(), st.booleans()), max_size=5))
def test_auth_configs(data: dict[str, object]) -> None:
    typed_or_value(AuthConfig.from_json, data)


@BOUNDED
@given(TEXT, st.binary(max_size=300))
def test_certs_directories(tmp_path_factory: pytest.TempPathFactory, host: str,
                           content: bytes) -> None:
    root = tmp_path_factory.mktemp("certs")
    try:
        directory = Path(host_certs_dir(host, root))
    except RegistryError:
        return
    if os.path.dirname(directory) == str(root) and not directory.exists():
        try:
            directory.mkdir()
        except (OSError, ValueError):  # a name the file system refuses
            return
        (directory / "ca.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\n" + content)
    typed_or_value(read_certs_directory, TLSConfig(), directory)
