"""TLSConfig: defaults, copying, the cache key, PEM parsing, and the SSL context it builds.

Whether the context really verifies (and presents client certificates) is shown against live
servers in ``test_transport.py``; here we check what the context holds and how bad material
fails.
"""

from __future__ import annotations

import ssl

import pytest
from cryptography.hazmat.primitives import serialization

from registry_core.errors import CertificateError
from registry_core.tlsconfig import (
    ClientCertificate,
    TLSConfig,
    parse_certificates,
    pem_blocks,
)
from tests.shared_fixtures import CA_NAME
from tests.tls_helpers import issue_cert, make_ca, write_pem


def test_defaults_are_the_references_server_default():
    config = TLSConfig()
    assert config.root_cas is None  # the system roots only (Go: RootCAs == nil)
    assert config.client_certificates == []
    assert config.insecure_skip_verify is False
    assert config.minimum_version is ssl.TLSVersion.TLSv1_2


def test_secure_context_verifies_certificates_and_host_names():
    context = TLSConfig().ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2


def test_insecure_context_verifies_nothing():
    context = TLSConfig(insecure_skip_verify=True).ssl_context()
    assert context.verify_mode == ssl.CERT_NONE
    assert context.check_hostname is False


def test_minimum_version_is_applied():
    config = TLSConfig(minimum_version=ssl.TLSVersion.TLSv1_3)
    assert config.ssl_context().minimum_version is ssl.TLSVersion.TLSv1_3


def test_added_root_ca_is_loaded_into_the_context(ca):
    config = TLSConfig()
    config.add_root_ca(ca.cert_pem)
    assert config.root_cas == [ca.cert_pem]
    loaded = config.ssl_context().get_ca_certs()
    subjects = [{rdn[0][0]: rdn[0][1] for rdn in cert["subject"]} for cert in loaded]
    assert {"commonName": CA_NAME} in subjects


def test_add_root_ca_refuses_text_without_a_certificate():
    config = TLSConfig()
    with pytest.raises(CertificateError, match="root CA: no PEM certificate found"):
        config.add_root_ca("not a certificate")
    assert config.root_cas is None


def test_add_root_ca_refuses_a_certificate_that_does_not_parse(ca):
    lines = ca.cert_pem.splitlines()
    broken = "\n".join([lines[0], lines[1][:10] + "AAAA" + lines[1][14:], *lines[2:]])
    config = TLSConfig()
    with pytest.raises(CertificateError, match="root CA: PEM certificate 1 does not parse"):
        config.add_root_ca(broken)
    assert config.root_cas is None


def test_a_broken_root_ca_placed_directly_fails_when_the_context_is_built(ca):
    config = TLSConfig(root_cas=[ca.cert_pem, "garbage"])
    with pytest.raises(CertificateError, match="root CA 2 of 2: no PEM certificate found"):
        config.ssl_context()


def test_copy_is_independent(ca):
    original = TLSConfig()
    original.add_root_ca(ca.cert_pem)
    original.add_client_certificate("/c.cert", "/c.key")
    duplicate = original.copy()
    duplicate.add_root_ca(ca.cert_pem)
    duplicate.add_client_certificate("/d.cert", "/d.key")
    duplicate.insecure_skip_verify = True
    assert original.root_cas == [ca.cert_pem]
    assert original.client_certificates == [ClientCertificate("/c.cert", "/c.key")]
    assert original.insecure_skip_verify is False


def test_cache_key_is_hashable_and_tracks_every_setting(ca):
    first, second = TLSConfig(), TLSConfig()
    assert first.cache_key() == second.cache_key()
    assert hash(first.cache_key()) == hash(second.cache_key())
    keys = {first.cache_key()}
    second.add_root_ca(ca.cert_pem)
    keys.add(second.cache_key())
    third = TLSConfig(insecure_skip_verify=True)
    keys.add(third.cache_key())
    fourth = TLSConfig()
    fourth.add_client_certificate("/c.cert", "/c.key")
    keys.add(fourth.cache_key())
    keys.add(TLSConfig(minimum_version=ssl.TLSVersion.TLSv1_3).cache_key())
    assert len(keys) == 5


def test_client_certificate_pair_loads(ca, tmp_path):
    cert_path, key_path = issue_cert(ca, ["client"], client=True).write(tmp_path, "client")
    config = TLSConfig()
    config.add_client_certificate(str(cert_path), str(key_path))
    config.ssl_context()  # loads without error


def test_missing_client_certificate_file_names_the_pair(tmp_path):
    config = TLSConfig(
        client_certificates=[ClientCertificate(str(tmp_path / "no.cert"), str(tmp_path / "no.key"))]
    )
    with pytest.raises(CertificateError, match=r"cannot read client certificate .*no\.cert"):
        config.ssl_context()


def test_mismatched_client_pair_is_a_certificate_error(ca, tmp_path):
    cert_path, _ = issue_cert(ca, ["one"], client=True).write(tmp_path, "one")
    _, key_path = issue_cert(ca, ["two"], client=True).write(tmp_path, "two")
    config = TLSConfig(client_certificates=[ClientCertificate(str(cert_path), str(key_path))])
    with pytest.raises(CertificateError, match=r"one\.cert with key .*two\.key cannot be used"):
        config.ssl_context()


def test_encrypted_client_key_fails_instead_of_prompting(ca, tmp_path):
    issued = issue_cert(ca, ["client"], client=True)
    cert_path = write_pem(tmp_path / "c.cert", issued.cert_pem)
    key_path = tmp_path / "c.key"
    key_path.write_bytes(
        issued.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    config = TLSConfig(client_certificates=[ClientCertificate(str(cert_path), str(key_path))])
    with pytest.raises(CertificateError, match="cannot be used"):
        config.ssl_context()


def test_pem_blocks_ignore_surrounding_text(ca):
    data = f"comment\n{ca.cert_pem}between\n{ca.key_pem}trailer".encode()
    blocks = pem_blocks(data)
    assert [block.type for block in blocks] == ["CERTIFICATE", "PRIVATE KEY"]
    assert blocks[0].data.decode() == ca.cert_pem.strip()


def test_parse_certificates_skips_other_blocks_and_reads_bundles(ca):
    other = make_ca("second")
    certificates = parse_certificates(ca.key_pem + ca.cert_pem + other.cert_pem, "bundle")
    assert [c.subject.rfc4514_string() for c in certificates] == [
        f"CN={CA_NAME}",
        "CN=second",
    ]


def test_parse_certificates_names_the_data_and_the_block(ca):
    with pytest.raises(CertificateError, match="^bundle.crt: PEM certificate 2 does not parse"):
        parse_certificates(
            ca.cert_pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "bundle.crt",
        )
