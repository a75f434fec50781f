"""Property tests: every parser, fed arbitrary input, answers or raises a typed error
(a :class:`~registry_core.errors.RegistryError`), never anything else.

Each property is bounded (``max_examples``, no deadline) so the suite stays fast; the
strategies mix random text with fragments of the grammar each parser reads, so examples
get past the first character: references, host:port, IPs and CIDRs, URLs and mirrors,
options, ``WWW-Authenticate``, JSON and daemon.json, certs.d, the TOML files (containerd's
``hosts.toml``, containers' ``registries.conf``) and every ``Content-Range`` check of the
blob and layer streams.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from registry_core.certs import host_certs_dir, read_certs_directory
from registry_core.challenge import parse_auth_headers
from registry_core.config import (
    ServiceOptions,
    mirror_endpoint_url,
    new_service_config,
    validate_index_name,
    validate_mirror,
)
from registry_core.content.blobs import check_range_response, parse_content_range
from registry_core.errors import RegistryError
from registry_core.gocompat import parse_cidr, parse_ip, split_host_port, to_bytes, url_parse
from registry_core.gojson import json_decode, json_unmarshal
from registry_core.hostsconfig import configure_hosts
from registry_core.reference import parse_any_reference, parse_normalized_named
from registry_core.registriesconf import find_registry
from registry_core.resumable import accepts_layer_range
from registry_core.service import DefaultService
from registry_core.tlsconfig import TLSConfig
from registry_core.types import AuthConfig

# Hypothesis keeps a cache (constants/) even without an example database, written while
# pytest collects, before any fixture: in the temporary directory, not in the checkout.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / f"registry-core-hypothesis-{os.getuid()}")

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the checkout: runs are seeded afresh
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
@example(host="a" * 300, content=b"")  # a name longer than the file system takes
def test_certs_directories(tmp_path_factory: pytest.TempPathFactory, host: str,
                           content: bytes) -> None:
    root = tmp_path_factory.mktemp("certs")
    try:
        directory = Path(host_certs_dir(host, root))
    except RegistryError:
        return
    if os.path.dirname(directory) == str(root):
        try:  # exists() too raises for a name the file system refuses (ENAMETOOLONG)
            fresh = not directory.exists()
            if fresh:
                directory.mkdir()
        except (OSError, ValueError):  # a name the file system refuses
            return
        if fresh:
            (directory / "ca.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\n" + content)
    typed_or_value(read_certs_directory, TLSConfig(), directory)


# -- TOML configuration files ----------------------------------------------------------------

_TOML_PIECES = st.sampled_from([
    "\n", " ", "=", "[", "]", "[[", "]]", "{", "}", ",", ".", '"', "'", '"""', "\\", "#",
    "true", "false", "1", "-1", "1e999", "0x10", "1979-05-27", "inf", "nan",
    # hosts.toml
    "server", "capabilities", '["pull", "resolve", "push"]', '["pull"]', "ca", "client",
    "skip_verify", "override_path", "header", '[host."https://mirror:5000"]',
    '[host."http://[::1/"]', '[host.""]', "[header]", '"x-a" = "b"', '"/etc/passwd"',
    '"ca.crt"', '["a.crt", "b.key"]', '[["c.crt", "c.key"]]', '"https://registry:5000/v2"',
    # registries.conf
    "unqualified-search-registries", "short-name-mode", '"enforcing"', "[[registry]]",
    "[[registry.mirror]]", "prefix", "location", "insecure", "blocked",
    "mirror-by-digest-only", "pull-from-mirror", '"digest-only"', "[aliases]",
    '"*.example.com"', '"example.com/ns"', '"docker.io/library/busybox"', "[registries.search]",
    "[registries.insecure]", "[registries.block]", "registries", '["quay.io"]',
    "credential-helpers",
    "\x00", "\ud800", "é", "\r",
])
_TOML_STRING = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20),  # TOML has no surrogates
    st.sampled_from(["https://mirror:5000", "http://[::1", "registry:5000", "/etc/passwd",
                     "ca.crt", "", "docker.io", "*.example.com", "example.com/ns", "pull",
                     "resolve", "push", "enforcing", "digest-only", "a/../../b"]),
).map(lambda text: json.dumps(text, ensure_ascii=False))  # no surrogate pairs: not TOML
_TOML_VALUE = st.recursive(
    st.one_of(_TOML_STRING, st.integers(-10, 10**20).map(str),
              st.booleans().map(lambda b: str(b).lower()), st.just("1.5")),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(_TOML_STRING, inner, max_size=2).map(
            lambda table: "{" + ", ".join(f"{k} = {v}" for k, v in table.items()) + "}"),
    ),
    max_leaves=6,
)
_HOSTS_KEYS = st.sampled_from(["server", "capabilities", "ca", "client", "skip_verify",
                               "override_path", "path", "x"])
_REGISTRIES_KEYS = st.sampled_from([
    "unqualified-search-registries", "short-name-mode", "prefix", "location", "insecure",
    "blocked", "mirror-by-digest-only", "pull-from-mirror", "credential-helpers", "registries",
])


def _toml_lines(keys: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(st.tuples(keys, _TOML_VALUE), max_size=4,
                    unique_by=lambda kv: kv[0]).map(
        lambda pairs: "\n".join(f"{key} = {value}" for key, value in pairs))


def _toml_document(keys: st.SearchStrategy[str],
                   headers: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Well-formed TOML more often than not, so that the readers' checks get exercised."""
    section = st.tuples(headers, _toml_lines(keys)).map(lambda hs: f"{hs[0]}\n{hs[1]}")
    return st.tuples(_toml_lines(keys), st.lists(section, max_size=4)).map(
        lambda doc: "\n".join([doc[0], *doc[1]]) + "\n")


TOML = st.one_of(
    st.text(_ANY_CHAR, max_size=60),
    st.lists(st.one_of(_TOML_PIECES, st.text(_ANY_CHAR, max_size=3)), max_size=40).map("".join),
)
HOSTS_TOML = st.one_of(TOML, _toml_document(_HOSTS_KEYS, st.one_of(
    _TOML_STRING.map(lambda url: f"[host.{url}]"),
    _TOML_STRING.map(lambda url: f"[host.{url}.header]"),
    st.just("[header]"),
)))
REGISTRIES_CONF = st.one_of(TOML, _toml_document(_REGISTRIES_KEYS, st.sampled_from([
    "[[registry]]", "[[registry.mirror]]", "[aliases]", "[registries.search]",
    "[registries.insecure]", "[registries.block]", "[registry]",
])))


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8", "surrogatepass"))


@BOUNDED
@given(HOSTS_TOML, st.sampled_from(["docker.io", "registry:5000", "localhost", "[::1]:5000"]),
       st.booleans())
def test_hosts_toml_files(tmp_path_factory: pytest.TempPathFactory, text: str, host: str,
                          strict: bool) -> None:
    root = tmp_path_factory.mktemp("hosts")
    directory = root / host
    directory.mkdir()
    _write(directory / "hosts.toml", text)
    typed_or_value(lambda: configure_hosts(host, root, strict=strict))


@BOUNDED
@given(REGISTRIES_CONF, st.lists(REGISTRIES_CONF, max_size=2), st.one_of(TEXT, st.sampled_from([
    "docker.io/library/busybox:latest", "example.com/ns/app", "quay.io", "registry:5000/a"])))
def test_registries_conf_files(tmp_path_factory: pytest.TempPathFactory, text: str,
                               drop_ins: list[str], reference: str) -> None:
    root = tmp_path_factory.mktemp("registries")
    _write(root / "registries.conf", text)
    conf_dir = root / "registries.conf.d"
    conf_dir.mkdir()
    for number, drop_in in enumerate(drop_ins):
        _write(conf_dir / f"{number}.conf", drop_in)
    typed_or_value(lambda: find_registry(reference, root / "registries.conf", conf_dir))


# -- Content-Range ---------------------------------------------------------------------------

_RANGE_PIECES = st.sampled_from([
    "bytes", "bytes ", " ", "-", "/", "*", "0", "1", "5", "100", "99", "18446744073709551616",
    "9" * 30, "9" * 5000, "\t", "\r\n", "BYTES", "+1", "-1", "١", "\x00", "\ud800",
])
CONTENT_RANGE = st.one_of(
    st.text(_ANY_CHAR, max_size=30),
    st.lists(_RANGE_PIECES, max_size=12).map("".join),
    st.builds(lambda a, b, c: f"bytes {a}-{b}/{c}", st.integers(-5, 2**70),
              st.integers(-5, 2**70), st.one_of(st.integers(-5, 2**70), st.just("*"))),
)


def _answer(status: int, content_range: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers["Content-Range"] = content_range
    response.url = "http://127.0.0.1:1/v2/a/blobs/sha256:" + "a" * 64
    response.raw = io.BytesIO(b"")
    return response


@BOUNDED
@given(CONTENT_RANGE, st.integers(0, 2**64), st.one_of(st.none(), st.integers(0, 2**64)),
       st.sampled_from([200, 206, 416]))
def test_content_range_of_blobs(content_range: str, offset: int, size: int | None,
                                status: int) -> None:
    parsed = parse_content_range(content_range)
    if parsed is not None:
        first, last, total = parsed
        assert first <= last and (total is None or last < total)
    def accepts() -> bool:
        check_range_response(_answer(status, content_range), offset, "fetching blob", size)
        return True

    accepted = typed_or_value(accepts)
    if accepted:  # only a 206 starting at the offset, to the blob's end
        assert status == 206 and parsed is not None and parsed[0] == offset


@BOUNDED
@given(CONTENT_RANGE, st.integers(0, 2**64), st.integers(1, 2**64))
def test_content_range_of_layers(content_range: str, position: int, total: int) -> None:
    accepted = accepts_layer_range(content_range, position, total)
    assert accepted is False or content_range.strip().lower().startswith("bytes")


@pytest.mark.parametrize("header", ["bytes 5-9/10", "Bytes 5-9/10", "BYTES  5-9/*"])
def test_blob_and_layer_resumes_read_content_range_alike(header: str) -> None:
    # The range unit is case-insensitive in HTTP; a blob resume and a layer resume accept the
    # same answers, through the one parser.
    assert parse_content_range(header) == (5, 9, None if header.endswith("*") else 10)
    assert accepts_layer_range(header, 5, 10)
