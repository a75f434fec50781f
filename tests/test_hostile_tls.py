"""Certificates that do not verify: a typed error naming the certs.d path to use, and
verification never switched off by itself."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from registry_core.errors import TransportError
from registry_core.tlsadapter import new_transport
from registry_core.tlsconfig import TLSConfig
from registry_core.transport import http_client
from tests.http_stub import StubServer
from tests.tls_helpers import CertificateAuthority, Issued, issue_cert, make_ca, server_context


def _expired(ca: CertificateAuthority, name: str) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=10))
        .not_valid_after(now - datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(__import__("ipaddress").ip_address(name))]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(cert, key)


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return make_ca("hostile TLS CA")


def _server(ca: CertificateAuthority, kind: str, tmp: Path) -> StubServer:
    if kind == "unknown-ca":
        issued = issue_cert(make_ca("someone else's CA"), ["127.0.0.1"])
    elif kind == "hostname-mismatch":
        issued = issue_cert(ca, ["other.example"])
    else:
        issued = _expired(ca, "127.0.0.1")
    return StubServer(tls=server_context(issued, tmp_dir=tmp))


@pytest.fixture(params=["unknown-ca", "hostname-mismatch", "expired"])
def server(request: pytest.FixtureRequest, ca: CertificateAuthority,
           tmp_path: Path) -> Iterator[tuple[str, StubServer]]:
    with _server(ca, request.param, tmp_path) as found:
        yield request.param, found


def test_a_certificate_that_does_not_verify_names_the_certs_d_path(
        server: tuple[str, StubServer], ca: CertificateAuthority, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    kind, stub = server
    root = tmp_path / "certs.d"
    monkeypatch.setenv("REGISTRY_CORE_CERTS_DIR", str(root))
    config = TLSConfig()
    config.add_root_ca(ca.cert_pem)
    session = http_client(new_transport(config))
    with pytest.raises(TransportError) as caught:
        session.get(f"https://{stub.host}/v2/", timeout=10)
    text = str(caught.value)
    assert text.startswith(f'Get "https://{stub.host}/v2/": TLS error: ')
    assert f"put it in {root / stub.host / 'ca.crt'}" in text
    expected = {"unknown-ca": "not signed by a trusted authority",
                "hostname-mismatch": f"the certificate is not for {stub.host}",
                "expired": "the certificate has expired"}[kind]
    assert expected in text
    assert stub.seen == []  # verification was never switched off: no request went through


def test_the_hint_says_when_certs_d_is_off(ca: CertificateAuthority, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_CORE_CERTS_DIR", "")
    with _server(ca, "unknown-ca", tmp_path) as stub, pytest.raises(TransportError) as caught:
        http_client(new_transport(TLSConfig())).get(f"https://{stub.host}/v2/", timeout=10)
    assert "certs.d is turned off" in str(caught.value)


def test_insecure_and_secure_transports_to_one_host_do_not_share_connections(
        ca: CertificateAuthority, tmp_path: Path) -> None:
    """An unverified connection made for an insecure configuration is never reused by a
    verifying one to the same host and port, before or after."""
    with _server(ca, "unknown-ca", tmp_path) as stub:
        url = f"https://{stub.host}/v2/"
        insecure = http_client(new_transport(TLSConfig(insecure_skip_verify=True)))
        secure = http_client(new_transport(TLSConfig()))
        assert insecure.get(url, timeout=10).status_code == 200
        with pytest.raises(TransportError):
            secure.get(url, timeout=10)
        assert insecure.get(url, timeout=10).status_code == 200
        with pytest.raises(TransportError):
            secure.get(url, timeout=10)
        assert len(stub.seen) == 2
