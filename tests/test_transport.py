"""The transport and the client, against real loopback servers: TLS decided by TLSConfig only
(whatever REQUESTS_CA_BUNDLE says), client certificates, keep-alive, timeouts, proxies by Go's
rules, the redirect header policy, request modifiers on every hop, and the send hook."""

from __future__ import annotations

import base64
import io
import warnings
from importlib.util import find_spec
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.exceptions import InsecureRequestWarning

from registry_core.errors import CertificateError, TransportError
from registry_core.hookspecs import hookimpl
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.tlsconfig import TLSConfig
from registry_core.transport import (
    DIAL_TIMEOUT,
    MAX_REDIRECTS,
    READ_TIMEOUT,
    HeaderRequestModifier,
    ProxyConfig,
    RedirectedRequest,
    RegistrySession,
    RegistryTransport,
    headers,
    http_client,
    new_transport,
    redact_url,
    redirect_headers,
    redirect_keeps_credentials,
    redirected_from,
    referer_for,
    trusted_location,
)
from tests.http_stub import Answer, Seen, StubServer, free_port, silent_listener
from tests.recording_plugins import Teapot
from tests.tls_helpers import issue_cert, make_ca, server_context, write_pem

PROXY_VARIABLES = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy",
    "ALL_PROXY", "all_proxy", "REQUEST_METHOD",
)


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def other_ca():
    return make_ca("some other CA")


@pytest.fixture(scope="module")
def server_tls(ca, tmp_path_factory):
    cert = issue_cert(ca, ["127.0.0.1", "::1", "registry.test"])
    return server_context(cert, tmp_dir=tmp_path_factory.mktemp("server"))


@pytest.fixture
def tls_server(server_tls):
    with StubServer(tls=server_tls) as server:
        yield server


@pytest.fixture
def http_server():
    with StubServer() as server:
        yield server


def trusting(*cas) -> TLSConfig:
    config = TLSConfig()
    for authority in cas:
        config.add_root_ca(authority.cert_pem)
    return config


# -- request modifiers ----------------------------------------------------------------------


def test_headers_follow_the_reference():
    def header_modifiers(*args: Any) -> list[HeaderRequestModifier]:
        modifiers = headers(*args)
        assert all(isinstance(m, HeaderRequestModifier) for m in modifiers)
        return cast(list[HeaderRequestModifier], modifiers)

    assert headers("", None) == []
    (user_agent,) = header_modifiers("docker/19.03", None)
    assert user_agent.headers == {"User-Agent": ["docker/19.03"]}
    (meta,) = header_modifiers("", {})  # an empty map still makes a modifier, as in Go
    assert meta.headers == {}
    both = header_modifiers("ua", {"X-Meta-A": ["1", "2"]})
    assert [m.headers for m in both] == [{"User-Agent": ["ua"]}, {"X-Meta-A": ["1", "2"]}]


def test_header_modifier_appends_to_existing_values():
    request = requests.Request("GET", "http://example.test/", headers={"X-A": "old"}).prepare()
    HeaderRequestModifier({"X-A": ["one", "two"], "X-B": "single", "X-C": []}).modify_request(
        request
    )
    assert request.headers["X-A"] == "old, one, two"
    assert request.headers["X-B"] == "single"
    assert "X-C" not in request.headers


def test_modifiers_reach_the_server_and_leave_the_callers_request_alone(http_server):
    session = http_client(new_transport(), headers("registry-core/1.0", {"X-Meta-Team": ["a"]}))
    prepared = session.prepare_request(requests.Request("GET", http_server.url + "/v2/"))
    before = dict(prepared.headers)
    assert session.send(prepared).status_code == 200
    (seen,) = http_server.seen
    assert seen.header_values("User-Agent") == ["registry-core/1.0"]  # not python-requests'
    assert seen.header("X-Meta-Team") == "a"
    assert dict(prepared.headers) == before


# -- TLS: the TLSConfig decides, the environment neither replaces nor widens it ----------------


@pytest.fixture
def bundles(ca, other_ca, tmp_path):
    """CA bundles to point REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE at."""
    return {
        "ours": str(write_pem(tmp_path / "ours.pem", ca.cert_pem)),
        "other": str(write_pem(tmp_path / "other.pem", other_ca.cert_pem)),
    }


def _set_bundle(monkeypatch, path: str) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", path)
    monkeypatch.setenv("CURL_CA_BUNDLE", path)


def test_configured_ca_verifies_although_the_env_bundle_lacks_it(
    tls_server, ca, bundles, monkeypatch
):
    _set_bundle(monkeypatch, bundles["other"])
    session = http_client(new_transport(trusting(ca)))
    assert session.get(tls_server.url + "/v2/").status_code == 200
    # requests' own verify arguments change nothing either
    assert session.get(tls_server.url + "/v2/", verify=bundles["other"]).status_code == 200


def test_env_bundle_holding_the_ca_does_not_widen_the_system_roots(
    tls_server, bundles, monkeypatch
):
    _set_bundle(monkeypatch, bundles["ours"])
    session = http_client(new_transport(TLSConfig()))
    with pytest.raises(TransportError, match="certificate verify failed"):
        session.get(tls_server.url + "/v2/")
    with pytest.raises(TransportError, match="certificate verify failed"):
        session.get(tls_server.url + "/v2/", verify=bundles["ours"])
    with pytest.raises(TransportError, match="certificate verify failed"):
        session.get(tls_server.url + "/v2/", verify=False)
    assert tls_server.seen == []


def test_env_bundle_does_not_add_to_configured_cas(tls_server, other_ca, bundles, monkeypatch):
    _set_bundle(monkeypatch, bundles["ours"])
    session = http_client(new_transport(trusting(other_ca)))
    with pytest.raises(TransportError, match="certificate verify failed"):
        session.get(tls_server.url + "/v2/")


def test_plain_requests_session_would_have_been_fooled(tls_server, bundles, monkeypatch):
    """The hazard the guard exists for: requests merges REQUESTS_CA_BUNDLE into verify."""
    _set_bundle(monkeypatch, bundles["ours"])
    assert requests.Session().get(tls_server.url + "/v2/").status_code == 200


def test_host_name_is_verified(ca, tmp_path):
    named_only = server_context(issue_cert(ca, ["registry.test"]), tmp_dir=tmp_path)
    with StubServer(tls=named_only) as server:
        session = http_client(new_transport(trusting(ca)))
        with pytest.raises(TransportError, match="TLS error: .*(IP address mismatch|hostname)"):
            session.get(server.url + "/v2/")


def test_insecure_skip_verify_accepts_an_unknown_ca_quietly(tls_server):
    session = http_client(new_transport(TLSConfig(insecure_skip_verify=True)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert session.get(tls_server.url + "/v2/").status_code == 200
    assert not [w for w in caught if issubclass(w.category, InsecureRequestWarning)]


def test_ipv6_loopback(ca, server_tls):
    with StubServer(tls=server_tls, bind="::1") as server:
        assert server.url.startswith("https://[::1]:")
        session = http_client(new_transport(trusting(ca)))
        assert session.get(server.url + "/v2/").status_code == 200


def test_bad_tls_material_fails_when_the_transport_is_made():
    with pytest.raises(CertificateError):
        new_transport(TLSConfig(root_cas=["garbage"]))


@pytest.fixture(scope="module")
def client_ca():
    return make_ca("client CA")


@pytest.fixture
def mtls_server(ca, client_ca, tmp_path):
    context = server_context(issue_cert(ca, ["127.0.0.1"]), client_ca=client_ca, tmp_dir=tmp_path)
    with StubServer(tls=context) as server:
        yield server


def test_client_certificate_is_presented(mtls_server, ca, client_ca, tmp_path):
    cert_path, key_path = issue_cert(client_ca, ["ci-client"], client=True).write(
        tmp_path, "client"
    )
    config = trusting(ca)
    config.add_client_certificate(str(cert_path), str(key_path))
    assert http_client(new_transport(config)).get(mtls_server.url + "/v2/").status_code == 200
    assert [r.client_cert_cn for r in mtls_server.seen] == ["ci-client"]


def test_server_requiring_a_client_certificate_refuses_us_without_one(mtls_server, ca):
    with pytest.raises(TransportError):
        http_client(new_transport(trusting(ca))).get(mtls_server.url + "/v2/")
    assert mtls_server.seen == []


# -- connections, timeouts, errors ----------------------------------------------------------


def test_connections_are_kept_alive(http_server):
    session = http_client(new_transport())
    session.get(http_server.url + "/a")
    session.get(http_server.url + "/b")
    first, second = http_server.seen
    assert first.client_address == second.client_address


def test_default_timeouts_are_applied_and_explicit_ones_kept(http_server, monkeypatch):
    seen = []
    original = HTTPAdapter.send

    def spy(self, request, **kwargs):
        seen.append(kwargs["timeout"])
        return original(self, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", spy)
    session = http_client(new_transport())
    session.get(http_server.url + "/")
    session.get(http_server.url + "/", timeout=5)
    assert seen == [(DIAL_TIMEOUT, READ_TIMEOUT), 5]
    assert (DIAL_TIMEOUT, READ_TIMEOUT) == (30.0, 60.0)


def test_refused_connection_is_a_transport_error():
    port = free_port()
    with pytest.raises(TransportError) as caught:
        http_client(new_transport()).get(f"http://127.0.0.1:{port}/v2/")
    message = str(caught.value)
    assert message.startswith(f'Get "http://127.0.0.1:{port}/v2/": connection failed: ')
    assert "refused" in message


def test_error_messages_carry_no_credentials_or_query():
    port = free_port()
    with pytest.raises(TransportError) as caught:
        http_client(new_transport()).get(
            f"http://user:hunter2pw@127.0.0.1:{port}/v2/blob?X-Signature=secret"
        )
    message = str(caught.value)
    assert "hunter2pw" not in message and "secret" not in message
    assert f'"http://***@127.0.0.1:{port}/v2/blob?..."' in message


def test_read_timeout():
    with silent_listener() as (host, port):
        session = http_client(RegistryTransport(read_timeout=0.2))
        with pytest.raises(TransportError, match="read timed out"):
            session.get(f"http://{host}:{port}/v2/")


def test_tls_handshake_timeout():
    with silent_listener() as (host, port):
        session = http_client(RegistryTransport(tls_handshake_timeout=0.2))
        with pytest.raises(TransportError, match=r"TLS handshake timed out after 0\.2 s"):
            session.get(f"https://{host}:{port}/v2/")


# -- proxy selection: Go's rules --------------------------------------------------------------


def test_proxy_config_reads_upper_case_first():
    config = ProxyConfig.from_environment(
        {"HTTP_PROXY": "upper:1", "http_proxy": "lower:1", "https_proxy": "lower:2",
         "no_proxy": "a", "all_proxy": "socks5://s", "REQUEST_METHOD": "GET"}
    )
    assert config == ProxyConfig("upper:1", "lower:2", "a", "socks5://s", cgi=True)


@pytest.mark.parametrize(
    ("url", "no_proxy", "expected"),
    [
        ("http://registry.test/v2/", "", "http://hp:1"),
        ("https://registry.test/v2/", "", "http://sp:2"),
        ("ftp://registry.test/", "", None),
        ("http://localhost:5000/", "", None),
        ("http://127.0.0.5:5000/", "", None),
        ("http://[::1]:5000/", "", None),
        ("http://[::ffff:127.0.0.1]/", "", None),
        ("http://registry.test/", "*", None),
        ("http://registry.test/", "registry.test", None),
        ("http://a.registry.test/", "registry.test", None),
        ("http://xregistry.test/", "registry.test", "http://hp:1"),
        ("http://registry.test/", ".registry.test", "http://hp:1"),
        ("http://a.registry.test/", ".registry.test", None),
        ("http://a.registry.test/", "*.registry.test", None),
        ("http://REGISTRY.test/", "registry.TEST", None),
        ("http://registry.test:8080/", "registry.test:8080", None),
        ("http://registry.test:8081/", "registry.test:8080", "http://hp:1"),
        ("http://registry.test/", "registry.test:80", None),
        ("http://10.1.2.3/", "10.0.0.0/8", None),
        ("http://10.1.2.3/", "10.1.2.3", None),
        ("http://10.1.2.3:5000/", "10.1.2.3:5000", None),
        ("http://10.1.2.4/", "10.1.2.3", "http://hp:1"),
        ("http://[2001:db8::1]/", "2001:db8::/32", None),
        ("http://registry.test/", " other.test , registry.test ", None),
    ],
)
def test_scheme_proxy_selection(url, no_proxy, expected):
    config = ProxyConfig(http_proxy="hp:1", https_proxy="sp:2", no_proxy=no_proxy)
    assert config.proxy_for_url(url) == expected


def test_https_does_not_fall_back_to_http_proxy():
    assert ProxyConfig(http_proxy="http://hp:1").proxy_for_url("https://registry.test/") is None


def test_socks5_scheme_proxy_resolves_remotely():
    config = ProxyConfig(https_proxy="socks5://s:1080")
    assert config.proxy_for_url("https://registry.test/") == "socks5h://s:1080"


@pytest.mark.parametrize(
    ("url", "no_proxy", "expected"),
    [
        ("https://registry.test/", "", "socks5h://s:1080"),
        ("https://127.0.0.1:5000/", "", "socks5h://s:1080"),  # loopback is not exempt here
        ("https://127.0.0.1:5000/", "127.0.0.1", None),
        ("https://127.0.0.1:5000/", "127.0.0.0/8", None),
        ("https://registry.test/", "registry.test", None),
        ("https://a.registry.test/", "registry.test", "socks5h://s:1080"),  # exact host only
        ("https://a.registry.test/", "*.registry.test", None),
        ("https://registry.test/", "*.registry.test", None),
        ("https://registry.test/", "*", "socks5h://s:1080"),  # Go's PerHost has no wildcard
        ("https://REGISTRY.test/", "registry.test", "socks5h://s:1080"),  # nor folds case
    ],
)
def test_all_proxy_selection(url, no_proxy, expected):
    config = ProxyConfig(all_proxy="socks5://s", no_proxy=no_proxy)
    assert config.proxy_for_url(url) == expected


def test_all_proxy_only_when_no_scheme_proxy_applies():
    config = ProxyConfig(http_proxy="http://hp:1", all_proxy="socks5://s:9")
    assert config.proxy_for_url("http://registry.test/") == "http://hp:1"
    assert config.proxy_for_url("http://localhost/") == "socks5h://s:9"
    assert config.proxy_for_url("https://registry.test/") == "socks5h://s:9"


@pytest.mark.parametrize("value", ["http://proxy:3128", "proxy:3128", "https://proxy"])
def test_all_proxy_other_than_socks5_is_ignored(value):
    assert ProxyConfig(all_proxy=value).proxy_for_url("https://registry.test/") is None


def test_http_proxy_is_refused_in_a_cgi_environment():
    config = ProxyConfig(http_proxy="http://hp:1", cgi=True)
    with pytest.raises(TransportError, match="refusing to use HTTP_PROXY value in CGI"):
        config.proxy_for_url("http://registry.test/")
    with pytest.raises(TransportError):  # Go checks before the loopback exemption
        config.proxy_for_url("http://localhost/")
    assert config.proxy_for_url("https://registry.test/") is None


# -- proxies, end to end --------------------------------------------------------------------


@pytest.fixture
def proxy():
    with StubServer(lambda r: Answer(body=b"from proxy")) as server:
        yield server


def test_http_proxy_from_the_environment_with_credentials(proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://user:s3cret@{proxy.host}")
    monkeypatch.setenv("NO_PROXY", "other.test")
    session = http_client(new_transport(), headers("registry-core/1.0", None))
    response = session.get("http://registry.test:5000/v2/")
    assert response.text == "from proxy"
    (seen,) = proxy.seen
    assert seen.method == "GET" and seen.path == "http://registry.test:5000/v2/"
    assert seen.header("Proxy-Authorization") == "Basic " + base64.b64encode(
        b"user:s3cret"
    ).decode()
    assert seen.header("User-Agent") == "registry-core/1.0"


def test_https_proxy_tunnels_and_tls_is_verified_end_to_end(ca, server_tls, monkeypatch):
    with StubServer(tls=server_tls) as registry, StubServer(
        upstream=("127.0.0.1", registry.port)
    ) as tunnel:
        monkeypatch.setenv("HTTPS_PROXY", tunnel.url)
        response = http_client(new_transport(trusting(ca))).get(
            f"https://registry.test:{registry.port}/v2/"
        )
        assert response.status_code == 200
        assert [(r.method, r.path) for r in tunnel.seen] == [
            ("CONNECT", f"registry.test:{registry.port}")
        ]
        assert registry.seen[0].header("Host") == f"registry.test:{registry.port}"
        # and without the CA, the tunnelled TLS is refused
        with pytest.raises(TransportError, match="certificate verify failed"):
            http_client(new_transport(TLSConfig())).get(
                f"https://registry.test:{registry.port}/v2/"
            )


def test_https_proxy_is_verified_with_the_same_tls_configuration(ca, server_tls):
    with StubServer(tls=server_tls) as registry, StubServer(
        upstream=("127.0.0.1", registry.port), tls=server_tls
    ) as tunnel:
        target = f"https://registry.test:{registry.port}/v2/"
        config = ProxyConfig(https_proxy=tunnel.url)
        assert tunnel.url.startswith("https://")
        session = http_client(RegistryTransport(trusting(ca), proxy_config=config))
        assert session.get(target).status_code == 200  # TLS to the proxy, TLS inside it
        with pytest.raises(TransportError, match=r"proxy error: .*certificate verify failed"):
            http_client(RegistryTransport(TLSConfig(), proxy_config=config)).get(target)


def test_loopback_is_never_sent_to_the_scheme_proxy(proxy, http_server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    assert http_client(new_transport()).get(http_server.url + "/v2/").text == "ok"
    assert proxy.seen == [] and len(http_server.seen) == 1


def test_environment_is_read_when_the_transport_is_made(proxy, monkeypatch):
    transport = new_transport()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    assert transport.proxy_for("http://registry.test/") is None
    assert new_transport().proxy_for("http://registry.test/") == proxy.url


def test_explicit_session_proxies_are_used(proxy):
    session = http_client(new_transport())
    session.proxies = {"http": proxy.url}
    assert session.get("http://registry.test/v2/").text == "from proxy"


@pytest.mark.skipif(find_spec("socks") is not None, reason="PySocks is installed")
def test_socks_all_proxy_without_pysocks_is_a_clear_error(http_server, monkeypatch):
    monkeypatch.setenv("ALL_PROXY", "socks5://user:s3cret@127.0.0.1:1080")
    with pytest.raises(TransportError) as caught:
        http_client(new_transport()).get(http_server.url + "/v2/")
    message = str(caught.value)
    assert message.startswith(f'Get "{http_server.url}/v2/": the SOCKS proxy ')
    assert "socks5h://***@127.0.0.1:1080" in message and "PySocks" in message
    assert "s3cret" not in message
    assert http_server.seen == []


def test_no_proxy_exempts_a_host_from_all_proxy(http_server, monkeypatch):
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert http_client(new_transport()).get(http_server.url + "/v2/").status_code == 200


def test_non_socks_all_proxy_is_ignored_as_the_reference_does(proxy, http_server, monkeypatch):
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    assert http_client(new_transport()).get(http_server.url + "/v2/").text == "ok"
    assert proxy.seen == []


def test_unreachable_proxy_error_redacts_its_credentials(monkeypatch):
    port = free_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://user:s3cret@127.0.0.1:{port}")
    with pytest.raises(TransportError) as caught:
        http_client(new_transport()).get("http://registry.test/v2/")
    message = str(caught.value)
    assert "s3cret" not in message
    assert f"(proxy http://***@127.0.0.1:{port})" in message
    assert "proxy error" in message


# -- the redirect policy --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://docker.io/v2/", True),
        ("https://docker.com/", True),
        ("https://registry-1.docker.io/v2/", True),
        ("https://production.cloudflare.docker.com/blob", True),
        ("https://docker.io:443/", True),
        ("https://user:pw@docker.io/", True),
        ("http://docker.io/", False),
        ("https://evildocker.io/", False),
        ("https://docker.io.evil.test/", False),
        ("https://docker.org/", False),
        ("https://127.0.0.1/", False),
    ],
)
def test_trusted_location(url, trusted):
    assert trusted_location(url) is trusted


@pytest.mark.parametrize(
    ("original", "previous", "target", "keeps"),
    [
        # both trusted: everything follows, across hosts
        ("https://index.docker.io/v1/", "https://index.docker.io/v1/",
         "https://production.cloudflare.docker.com/x", True),
        # an untrusted original never makes a trusted target keep them
        ("https://registry.test/", "https://registry.test/", "https://docker.io/", False),
        ("https://docker.io/", "https://docker.io/", "https://registry.test/", False),
        # Go's client: the same host:port, or a subdomain of the previous hop
        ("https://registry.test/a", "https://registry.test/a", "https://registry.test/b", True),
        ("https://registry.test/", "https://registry.test/", "https://registry.test:443/", True),
        ("https://registry.test/", "https://registry.test/", "https://cdn.registry.test/", True),
        ("https://cdn.registry.test/", "https://cdn.registry.test/",
         "https://registry.test/", False),
        ("http://127.0.0.1:5000/", "http://127.0.0.1:5000/", "http://127.0.0.1:5001/", False),
        ("https://evil.test/", "https://evil.test/", "https://notevil.test/", False),
        # beyond the reference: never from https to http
        ("https://registry.test:5000/", "https://registry.test:5000/",
         "http://registry.test:5000/", False),
        ("http://registry.test:5000/", "http://registry.test:5000/",
         "https://registry.test:5000/", True),
    ],
)
def test_redirect_keeps_credentials(original, previous, target, keeps):
    assert redirect_keeps_credentials(original, previous, target) is keeps


@pytest.mark.parametrize(
    ("original", "previous", "target", "keeps"),
    [
        # Go's client rule alone would keep them (same host, subdomain), but an earlier hop
        # already went without them: they stay dropped (Go's CVE-2024-45336 fix).
        ("https://registry.test/", "https://evil.test/1", "https://evil.test/2", False),
        ("https://registry.test/", "https://evil.test/1", "https://a.evil.test/2", False),
        ("https://registry.test/", "https://evil.test/1", "https://registry.test/v2/", False),
        # the reference's trusted rule gives a trusted target every header of a trusted
        # original, whatever the hops between did
        ("https://registry-1.docker.io/v2/", "https://evil.test/1",
         "https://auth.docker.io/token", True),
        ("https://registry.test/", "https://evil.test/1", "https://auth.docker.io/", False),
        ("https://docker.io/", "https://evil.test/1", "http://auth.docker.io/", False),
    ],
)
def test_credentials_once_dropped_stay_dropped(original, previous, target, keeps):
    assert redirect_keeps_credentials(original, previous, target, dropped_before=True) is keeps
    assert redirect_headers(
        SECRET_HEADERS, original_url=original, previous_url=previous, target_url=target,
        dropped_before=True,
    ).get("Authorization") == (SECRET_HEADERS["Authorization"] if keeps else None)


def test_redirect_headers_drop_only_credentials():
    original = {
        "Authorization": "Bearer t", "Proxy-Authorization": "Basic p", "Cookie": "c=1",
        "Cookie2": "x", "WWW-Authenticate": "w", "Accept": "a", "X-Custom": "1",
    }
    kept = redirect_headers(
        original, original_url="http://a.test/", previous_url="http://a.test/",
        target_url="http://b.test/",
    )
    assert dict(kept) == {"Accept": "a", "X-Custom": "1"}
    same = redirect_headers(
        original, original_url="http://a.test/", previous_url="http://a.test/",
        target_url="http://a.test/other",
    )
    assert dict(same) == original


def test_referer_for():
    assert referer_for("https://u:p@a.test/x?q=1#frag", "https://b.test/") == "https://a.test/x?q=1"
    assert referer_for("http://a.test/", "https://b.test/") == "http://a.test/"
    assert referer_for("https://a.test/", "http://b.test/") is None


def test_redact_url():
    assert redact_url("https://u:p@a.test:5/p?token=x#f") == "https://***@a.test:5/p?..."
    assert redact_url("https://a.test/p") == "https://a.test/p"


# -- redirects, end to end ------------------------------------------------------------------

SECRET_HEADERS = {
    "Authorization": "Bearer secret-token",
    "Proxy-Authorization": "Basic cHJveHk6cHc=",
    "Cookie": "session=secret",
}


def redirecting(routes: dict[str, tuple[int, str]]):
    """A route answering each path in ``routes`` with (status, Location); else 200."""

    def handle(request: Seen) -> Answer:
        path = urlsplit(request.path).path
        if path in routes:
            status, location = routes[path]
            return Answer(status, [("Location", location)], b"moved")
        return Answer(body=b"arrived " + request.method.encode() + b" " + request.body)

    return handle


@pytest.fixture
def pair():
    with StubServer() as first, StubServer() as second:
        yield first, second


def test_untrusted_redirect_drops_credentials_keeps_the_rest(pair):
    first, second = pair
    first.route = redirecting({"/start": (302, second.url + "/landing")})
    session = http_client(new_transport(), headers("registry-core/1.0", {"X-Meta": ["m"]}))
    response = session.get(
        first.url + "/start", headers={**SECRET_HEADERS, "X-Custom": "kept", "Accept": "a/b"}
    )
    assert response.text == "ok" and response.url == second.url + "/landing"
    assert [r.status_code for r in response.history] == [302]
    (origin,) = first.seen
    assert origin.header("Authorization") == "Bearer secret-token"
    (landing,) = second.seen
    for name in SECRET_HEADERS:
        assert landing.header(name) is None, name
    assert landing.header("X-Custom") == "kept" and landing.header("Accept") == "a/b"
    assert landing.header("Referer") == first.url + "/start"
    # modifiers ran on both hops, once each
    assert origin.header_values("User-Agent") == landing.header_values("User-Agent") == [
        "registry-core/1.0"
    ]
    assert origin.header("X-Meta") == landing.header("X-Meta") == "m"


def test_redirect_to_the_same_host_keeps_credentials(http_server):
    http_server.route = redirecting({"/start": (301, "/landing")})
    http_client(new_transport()).get(http_server.url + "/start", headers=SECRET_HEADERS)
    landing = http_server.seen[1]
    assert landing.path == "/landing"
    assert landing.header("Authorization") == "Bearer secret-token"
    assert landing.header("Cookie") == "session=secret"


class HostAuth(requests.auth.AuthBase):
    """An authorizer that adds credentials for one host only, and records its calls."""

    def __init__(self, netloc: str) -> None:
        self.netloc = netloc
        self.calls: list[tuple[str | None, str | None]] = []

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self.calls.append((request.url, request.headers.get("Authorization")))
        if urlsplit(request.url).netloc == self.netloc:
            request.headers["Authorization"] = "Bearer for-" + self.netloc
        return request


def test_authorizer_decides_for_each_hop(pair):
    first, second = pair
    first.route = redirecting({"/start": (302, second.url + "/bounce")})
    second.route = redirecting({"/bounce": (307, first.url + "/end")})
    auth = HostAuth(first.host)
    session = http_client(new_transport(), auth=auth)
    assert session.get(first.url + "/start").status_code == 200
    assert [r.header("Authorization") for r in first.seen] == [
        f"Bearer for-{first.host}"
    ] * 2
    assert second.seen[0].header("Authorization") is None
    # each hop reached the authorizer stripped of the previous hop's credentials
    assert [call[1] for call in auth.calls] == [None, None, None]
    assert [urlsplit(call[0]).path for call in auth.calls] == ["/start", "/bounce", "/end"]


def test_request_auth_replaces_the_session_authorizer(http_server):
    session = http_client(new_transport(), auth=HostAuth(http_server.host))
    session.get(http_server.url + "/", auth=("user", "pw"))
    expected = "Basic " + base64.b64encode(b"user:pw").decode()
    assert http_server.seen[0].header("Authorization") == expected


def test_post_becomes_get_on_302_and_307_resends_the_body(http_server):
    http_server.route = redirecting({"/found": (302, "/done"), "/temp": (307, "/done")})
    session = http_client(new_transport())
    assert session.post(http_server.url + "/found", data=b"payload").text == "arrived GET "
    assert session.post(http_server.url + "/temp", data=b"payload").text == (
        "arrived POST payload"
    )
    assert session.head(http_server.url + "/found", allow_redirects=True).status_code == 200
    methods = [(r.method, r.path) for r in http_server.seen]
    assert methods == [
        ("POST", "/found"), ("GET", "/done"),
        ("POST", "/temp"), ("POST", "/done"),
        ("HEAD", "/found"), ("HEAD", "/done"),
    ]
    assert http_server.seen[1].header("Content-Length") in (None, "0")


def test_307_rewinds_a_file_body(http_server):
    http_server.route = redirecting({"/temp": (307, "/done")})
    response = http_client(new_transport()).put(
        http_server.url + "/temp", data=io.BytesIO(b"from a file")
    )
    assert response.text == "arrived PUT from a file"
    assert [r.body for r in http_server.seen] == [b"from a file"] * 2


def test_307_with_a_body_that_cannot_be_resent_returns_the_redirect(http_server):
    http_server.route = redirecting({"/temp": (307, "/done")})
    body = (chunk for chunk in [b"a", b"b"])
    response = http_client(new_transport()).post(http_server.url + "/temp", data=body)
    assert response.status_code == 307
    assert [r.path for r in http_server.seen] == ["/temp"]


class _Unseekable(io.BytesIO):
    """A file whose position is known but that cannot go back (a pipe, a socket)."""

    def seek(self, *args: object) -> int:
        raise OSError("not seekable")


def test_307_with_a_file_that_cannot_seek_returns_the_redirect(http_server):
    http_server.route = redirecting({"/temp": (307, "/done")})
    response = http_client(new_transport()).put(
        http_server.url + "/temp", data=_Unseekable(b"from a pipe")
    )
    assert response.status_code == 307
    assert [r.path for r in http_server.seen] == ["/temp"]


def test_redirects_are_capped_at_ten(http_server):
    http_server.route = redirecting({"/loop": (302, "/loop")})
    with pytest.raises(TransportError, match=f"stopped after {MAX_REDIRECTS} redirects"):
        http_client(new_transport()).get(http_server.url + "/loop")
    assert len(http_server.seen) == MAX_REDIRECTS == 10


def test_redirects_can_be_left_to_the_caller(http_server):
    http_server.route = redirecting({"/start": (302, "/landing")})
    response = http_client(new_transport()).get(http_server.url + "/start", allow_redirects=False)
    assert response.status_code == 302
    assert len(http_server.seen) == 1


def test_scheme_relative_location(pair):
    first, second = pair
    first.route = redirecting({"/start": (302, f"//{second.host}/landing")})
    assert http_client(new_transport()).get(first.url + "/start").text == "ok"
    assert second.seen[0].path == "/landing"


def test_location_that_does_not_parse_is_a_transport_error(http_server):
    http_server.route = redirecting({"/start": (302, "http://127.0.0.1:99999999/")})
    with pytest.raises(TransportError, match="failed to parse Location header"):
        http_client(new_transport()).get(http_server.url + "/start")


def test_https_to_http_redirect_sends_no_referer_and_no_credentials(tls_server, http_server, ca):
    tls_server.route = redirecting({"/start": (302, http_server.url + "/landing")})
    http_client(new_transport(trusting(ca))).get(
        tls_server.url + "/start", headers=SECRET_HEADERS
    )
    (landing,) = http_server.seen
    assert landing.header("Referer") is None
    assert landing.header("Authorization") is None


class RoutingAdapter(BaseAdapter):
    """Answers without a network: ``routes`` maps a URL to the ``Location`` of a 302 (as the
    wire carries it: bytes in ``encoding``, read as Latin-1); anything else gets 200. Records
    each request it is sent (for host names that loopback servers cannot have)."""

    def __init__(self, routes: dict[str, str], encoding: str = "utf-8") -> None:
        super().__init__()
        self.routes = routes
        self.encoding = encoding
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.sent.append(request)
        response = requests.Response()
        response.request = request
        response.url = request.url or ""
        response._content = b""
        location = self.routes.get(response.url)
        response.status_code = 302 if location is not None else 200
        if location is not None:
            response.headers["Location"] = location.encode(self.encoding).decode("latin-1")
        return response

    def close(self) -> None:
        pass

    def seen(self) -> list[tuple[str | None, str | None]]:
        return [(r.url, r.headers.get("Authorization")) for r in self.sent]


def test_credentials_dropped_on_one_hop_are_not_restored_on_the_next(pair):
    # CVE-2024-45336: registry -> other/1 -> other/2 re-sent them to other/2.
    first, second = pair
    first.route = redirecting({"/start": (302, second.url + "/1")})
    second.route = redirecting({"/1": (302, second.url + "/2"), "/2": (302, first.url + "/end")})
    response = http_client(new_transport()).get(first.url + "/start", headers=SECRET_HEADERS)
    assert response.status_code == 200 and len(response.history) == 3
    assert [r.path for r in second.seen] == ["/1", "/2"]
    for seen in [*second.seen, first.seen[1]]:  # not even back on the original host
        for name in SECRET_HEADERS:
            assert seen.header(name) is None, (seen.path, name)
    assert first.seen[0].header("Authorization") == "Bearer secret-token"


def test_a_trusted_chain_gets_the_original_headers_back_after_an_untrusted_hop():
    adapter = RoutingAdapter({
        "https://registry-1.docker.io/v2/": "https://cdn.example.test/1",
        "https://cdn.example.test/1": "https://cdn.example.test/2",
        "https://cdn.example.test/2": "https://auth.docker.io/token",
    })
    http_client(adapter).get("https://registry-1.docker.io/v2/", headers=SECRET_HEADERS)
    assert adapter.seen() == [
        ("https://registry-1.docker.io/v2/", "Bearer secret-token"),
        ("https://cdn.example.test/1", None),
        ("https://cdn.example.test/2", None),
        ("https://auth.docker.io/token", "Bearer secret-token"),  # the reference's rule
    ]


def test_hop_urls_are_normalized_as_requests_prepares_urls():
    adapter = RoutingAdapter({
        "https://registry-1.docker.io/v2/": "https://PRODUCTION.CLOUDFLARE.DOCKER.COM/x",
        "https://production.cloudflare.docker.com/x": "https://bücher.example/other path",
    })
    response = http_client(adapter).get("https://registry-1.docker.io/v2/",
                                        headers=SECRET_HEADERS)
    assert adapter.seen() == [
        ("https://registry-1.docker.io/v2/", "Bearer secret-token"),
        # lower-cased, so trusted: every header follows, as the reference's Go sees it
        ("https://production.cloudflare.docker.com/x", "Bearer secret-token"),
        ("https://xn--bcher-kva.example/other%20path", None),
    ]
    assert response.url == "https://xn--bcher-kva.example/other%20path"


@pytest.mark.parametrize(
    "location",
    ["https://[::1/x", "https://☃.example/", "http://127.0.0.1:99999999/", "https://a:b:c/"],
)
def test_a_location_requests_cannot_prepare_is_a_transport_error(location):
    adapter = RoutingAdapter({"https://registry.test/v2/": location})
    with pytest.raises(TransportError, match="failed to parse Location header"):
        http_client(adapter).get("https://registry.test/v2/")
    assert len(adapter.sent) == 1


def test_a_location_that_is_not_utf8_is_a_transport_error():
    adapter = RoutingAdapter({"https://registry.test/v2/": "https://bücher.example/"},
                             encoding="latin-1")
    with pytest.raises(TransportError, match="failed to parse Location header: not UTF-8"):
        http_client(adapter).get("https://registry.test/v2/")


def test_a_location_parse_error_carries_no_credentials_or_query():
    adapter = RoutingAdapter(
        {"https://registry.test/v2/": "https://user:s3cret@[::1/x?X-Amz-Signature=sig123"}
    )
    with pytest.raises(TransportError) as info:
        http_client(adapter).get("https://registry.test/v2/")
    assert "s3cret" not in str(info.value) and "sig123" not in str(info.value)


def test_redirect_hops_are_marked_and_the_mark_survives_copies(tls_server, http_server, ca):
    tls_server.route = redirecting({"/start": (302, http_server.url.replace(
        "http://", "http://user:pw@") + "/1")})
    http_server.route = redirecting({"/1": (307, "/2")})
    recorder = Recorder()
    seen: list[tuple[str | None, str | None]] = []

    class Marks:
        @hookimpl(wrapper=True)
        def registry_send_request(self, request, send):
            seen.append((request.url, redirected_from(request)))
            assert redirected_from(request.copy()) == redirected_from(request)
            return (yield)

    session = http_client(new_transport(trusting(ca)), plugin_hooks=plugin_hooks(recorder, Marks()))
    response = session.get(tls_server.url + "/start")
    assert response.status_code == 200
    assert seen == [
        (tls_server.url + "/start", None),  # the caller's own request
        # from https to http: no Referer, but marked all the same
        (http_server.url.replace("http://", "http://user:pw@") + "/1", tls_server.url + "/start"),
        (http_server.url.replace("http://", "http://user:pw@") + "/2", http_server.url + "/1"),
    ]
    assert http_server.seen[0].header("Referer") is None
    assert isinstance(response.request, RedirectedRequest)
    assert redirected_from(requests.Request("GET", "http://x.test/").prepare()) is None


def test_host_modifiers_apply_per_hop_host_after_the_fixed_ones(pair):
    first, second = pair
    first.route = redirecting({"/start": (302, second.url + "/landing")})
    asked: list[str] = []

    def per_host(host: str) -> list[HeaderRequestModifier]:
        asked.append(host)
        return [HeaderRequestModifier({"X-For": f"for-{host}", "X-Order": "host"})]

    session = http_client(
        new_transport(), [HeaderRequestModifier({"User-Agent": "ua/1", "X-Order": "fixed"})],
        host_modifiers=per_host,
    )
    session.get(first.url + "/start")
    session.get(first.url + "/start")
    for server in (first, second):
        for seen in server.seen:
            assert seen.header("X-For") == f"for-{server.host}"
            assert seen.header("User-Agent") == "ua/1"
            assert seen.header("X-Order") == "fixed, host"
    assert asked == [first.host, second.host]  # once per host for the session


def test_host_modifiers_are_asked_for_the_host_without_user_info(http_server):
    asked: list[str] = []

    def per_host(host: str) -> list[HeaderRequestModifier]:
        asked.append(host)
        return []

    session = http_client(new_transport(), host_modifiers=per_host)
    session.get(http_server.url.replace("http://", "http://user:pw@") + "/")
    assert asked == [http_server.host]


# -- the send hook --------------------------------------------------------------------------


class Recorder:
    """A wrapper plugin that records each request sent and each response or error."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None, str | None]] = []

    @hookimpl(wrapper=True)
    def registry_send_request(self, request, send):
        try:
            response = yield
        except TransportError as exc:
            self.seen.append((request.url, None, type(exc).__name__))
            raise
        agent = request.headers.get("User-Agent")
        self.seen.append((request.url, agent, str(response.status_code)))
        return response


def plugin_hooks(*plugins: object, block: tuple[str, ...] = ()) -> Hooks:
    return Hooks(
        get_plugin_manager(
            plugins=("registry_core.transport", *plugins), block=block, load_entrypoints=False
        )
    )


def test_send_hook_wrappers_see_every_finished_hop(pair):
    first, second = pair
    first.route = redirecting({"/start": (302, second.url + "/landing")})
    recorder = Recorder()
    session = http_client(
        new_transport(), headers("ua/1", None), plugin_hooks=plugin_hooks(recorder)
    )
    session.get(first.url + "/start")
    assert recorder.seen == [
        (first.url + "/start", "ua/1", "302"),
        (second.url + "/landing", "ua/1", "200"),
    ]


def test_send_hook_wrappers_see_transport_errors():
    recorder = Recorder()
    url = f"http://127.0.0.1:{free_port()}/v2/"
    with pytest.raises(TransportError):
        http_client(new_transport(), plugin_hooks=plugin_hooks(recorder)).get(url)
    assert recorder.seen == [(url, None, "TransportError")]


def test_a_plugin_may_answer_instead_of_the_network(http_server):
    session = http_client(new_transport(), plugin_hooks=plugin_hooks(Teapot()))
    assert session.get(http_server.url + "/").status_code == 418
    assert http_server.seen == []


def test_http_client_hooks_keyword_still_works_but_warns(http_server):
    hooks = plugin_hooks(Teapot())
    with pytest.warns(DeprecationWarning, match="plugin_hooks"):
        session = http_client(new_transport(), hooks=hooks)
    assert session.plugin_hooks is hooks
    assert session.get(http_server.url + "/").status_code == 418


def test_blocking_the_core_sender_still_sends(http_server):
    hooks = plugin_hooks(block=("registry_core.transport",))
    assert hooks.pm.get_plugin("registry_core.transport") is None
    session = http_client(new_transport(), plugin_hooks=hooks)
    assert session.get(http_server.url + "/").status_code == 200


def test_send_as_is_skips_modifiers_and_authorizer(http_server):
    auth = HostAuth(http_server.host)
    session = http_client(new_transport(), headers("ua/1", None), auth=auth)
    finished = requests.Request("GET", http_server.url + "/", headers={"X": "1"}).prepare()
    session.send_as_is(finished)
    (seen,) = http_server.seen
    assert seen.header("User-Agent") != "ua/1" and seen.header("Authorization") is None
    assert auth.calls == []


# -- the session itself ---------------------------------------------------------------------


def test_session_ignores_netrc(http_server, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    http_client(new_transport()).get(http_server.url + "/")
    assert http_server.seen[0].header("Authorization") is None


def test_default_session_is_a_registry_session_with_a_registry_transport():
    session = RegistrySession()
    assert session.trust_env is False
    assert isinstance(session.get_adapter("https://x.test/"), RegistryTransport)
    assert session.get_adapter("http://x.test/") is session.get_adapter("https://x.test/")
    assert session.max_redirects == MAX_REDIRECTS
    assert "User-Agent" not in session.headers


def test_sending_an_unprepared_request_is_refused():
    with pytest.raises(ValueError, match="PreparedRequests"):
        http_client(new_transport()).send(requests.Request("GET", "http://x.test/"))  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["a..b", "a" * 64 + ".example"])
def test_a_host_urllib3_cannot_encode_is_a_transport_error(host: str) -> None:
    # urllib3 refuses an empty or over-long DNS label before any lookup, with an error of
    # its own that requests does not wrap.
    with pytest.raises(TransportError, match="invalid host name"):
        http_client(new_transport()).get(f"http://{host}/v2/")
