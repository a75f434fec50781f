"""certs.d: ReadCertsDirectory against the reference's vectors, our stricter checks,
HostCertsDir, and the built-in ``registry_core_plugins.certsd`` plugin."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from registry_core_plugins import certsd
from registry_core_plugins.certsd import CERTS_DIR_ENV, CertsDirectory

from registry_core.certs import host_certs_dir, read_certs_directory
from registry_core.errors import CertificateError
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.tlsconfig import ClientCertificate, TLSConfig, parse_certificates, pem_blocks
from tests.conformance import load_cases
from tests.tls_helpers import issue_cert, make_ca, write_pem


@pytest.fixture(scope="module")
def client(ca):
    return issue_cert(ca, ["client"], client=True)


# -- the reference's vectors ----------------------------------------------------------------


def _unparseable(files: dict[str, str]) -> str | None:
    """The first file (in name order) whose PEM does not parse, as our reader sees files.

    These are the cases where the reference returns no error and we, beyond it, refuse.
    """
    for name in sorted(files, key=os.fsencode):
        data = files[name].encode()
        try:
            if name.endswith((".crt", ".cert")):
                blocks = [b for b in pem_blocks(data) if b.type == "CERTIFICATE"]
                if not blocks:
                    return name
                for block in blocks:
                    x509.load_pem_x509_certificate(block.data)
            elif name.endswith(".key"):
                keys = [b for b in pem_blocks(data) if b.type.endswith("PRIVATE KEY")]
                if not keys:
                    return name
                serialization.load_pem_private_key(keys[0].data, password=None)
        except (ValueError, TypeError):
            return name
    return None


@pytest.mark.parametrize("case", load_cases("read_certs_directory"))
def test_read_certs_directory_conformance(case, tmp_path):
    for name, text in case["files"].items():
        (tmp_path / name).write_text(text)
    config = TLSConfig()
    expect = case["expect"]
    stricter = _unparseable(case["files"])
    if "error" in expect:
        with pytest.raises(CertificateError) as caught:
            read_certs_directory(config, tmp_path)
        # The reference's own text, word for word; for Go's TLS errors after the file names.
        assert expect["error"] in str(caught.value)
    elif stricter is not None:
        # Beyond the reference: Go ignores a CA that does not parse; we refuse the file.
        with pytest.raises(CertificateError, match="does not parse|no PEM"):
            read_certs_directory(config, tmp_path)
    else:
        read_certs_directory(config, tmp_path)
        assert (config.root_cas is not None) == expect["has_root_cas"]
        assert len(config.client_certificates) == expect["client_certificates"]


# -- the rules, case by case ----------------------------------------------------------------


def test_missing_directory_is_not_an_error(tmp_path):
    config = TLSConfig()
    read_certs_directory(config, tmp_path / "absent")
    assert config == TLSConfig()


def test_crt_files_are_added_as_roots_and_pairs_as_client_certificates(ca, client, tmp_path):
    ca.write_cert(tmp_path / "ca.crt")
    cert_path, key_path = client.write(tmp_path, "client")
    config = TLSConfig()
    read_certs_directory(config, tmp_path)
    assert config.root_cas is not None
    assert [c.subject for c in parse_certificates(config.root_cas[0], "root")] == [ca.cert.subject]
    assert config.client_certificates == [ClientCertificate(str(cert_path), str(key_path))]
    config.ssl_context()  # what was read can be used


def test_other_extensions_are_ignored_even_when_broken(tmp_path):
    (tmp_path / "ca.pem").write_text("garbage")
    (tmp_path / "notes.txt").write_text("garbage")
    (tmp_path / "client.certs").write_text("garbage")
    config = TLSConfig()
    read_certs_directory(config, tmp_path)
    assert config == TLSConfig()


def test_files_are_read_in_byte_order(tmp_path):
    # "B.cert" sorts before "a.key" by bytes: its missing key is reported first.
    (tmp_path / "a.key").write_text("x")
    (tmp_path / "B.cert").write_text("x")
    with pytest.raises(CertificateError) as caught:
        read_certs_directory(TLSConfig(), tmp_path)
    assert str(caught.value) == (
        "missing key B.key for client certificate B.cert. "
        "Note that CA certificates should use the extension .crt"
    )


def test_key_without_certificate_uses_the_references_message(tmp_path):
    (tmp_path / "client.key").write_text("x")
    with pytest.raises(CertificateError) as caught:
        read_certs_directory(TLSConfig(), tmp_path)
    assert str(caught.value) == "Missing client certificate client.cert for key client.key"


def test_a_bundle_crt_adds_every_certificate(ca, tmp_path):
    other = make_ca("second CA")
    write_pem(tmp_path / "bundle.crt", "# our CAs\n", ca.cert_pem, other.cert_pem)
    config = TLSConfig()
    read_certs_directory(config, tmp_path)
    assert config.root_cas is not None and len(config.root_cas) == 1
    assert len(parse_certificates(config.root_cas[0], "root")) == 2


def test_a_crt_holding_a_key_too_adds_only_the_certificate(ca, tmp_path):
    write_pem(tmp_path / "ca.crt", ca.key_pem, ca.cert_pem)
    config = TLSConfig()
    read_certs_directory(config, tmp_path)
    assert config.root_cas is not None
    assert [b.type for b in pem_blocks(config.root_cas[0].encode())] == ["CERTIFICATE"]


def test_key_file_with_ec_parameters_before_the_key(client, tmp_path):
    write_pem(tmp_path / "client.cert", client.cert_pem)
    key_pem = client.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    params = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
    write_pem(tmp_path / "client.key", params, key_pem)
    config = TLSConfig()
    read_certs_directory(config, tmp_path)
    assert len(config.client_certificates) == 1
    config.ssl_context()


# -- beyond the reference: broken material fails here, naming the file ----------------------


@pytest.mark.parametrize("text", ["", "not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n"])
def test_a_crt_without_a_parseable_certificate_is_refused(tmp_path, text):
    (tmp_path / "ca.crt").write_text(text)
    config = TLSConfig()
    with pytest.raises(CertificateError, match=r"ca\.crt: no PEM certificate found"):
        read_certs_directory(config, tmp_path)
    assert config.root_cas is None


def test_a_crt_whose_certificate_does_not_parse_is_refused(ca, tmp_path):
    (tmp_path / "ca.crt").write_text(
        ca.cert_pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(CertificateError, match=r"ca\.crt: PEM certificate 2 does not parse"):
        read_certs_directory(TLSConfig(), tmp_path)


def test_nothing_is_added_when_a_later_file_is_broken(ca, tmp_path):
    ca.write_cert(tmp_path / "a.crt")
    (tmp_path / "b.crt").write_text("garbage")
    config = TLSConfig()
    with pytest.raises(CertificateError, match=r"b\.crt"):
        read_certs_directory(config, tmp_path)
    assert config == TLSConfig()


def test_a_client_certificate_that_does_not_parse_is_refused(client, tmp_path):
    (tmp_path / "client.cert").write_text("garbage")
    write_pem(tmp_path / "client.key", client.key_pem)
    with pytest.raises(CertificateError, match=r"client\.cert: no PEM certificate found"):
        read_certs_directory(TLSConfig(), tmp_path)


@pytest.mark.parametrize(
    "text",
    ["garbage", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"],
)
def test_a_client_key_that_does_not_parse_is_refused(client, tmp_path, text):
    write_pem(tmp_path / "client.cert", client.cert_pem)
    (tmp_path / "client.key").write_text(text)
    expected = r"client\.key: (no PEM private key|PEM private key does not parse)"
    with pytest.raises(CertificateError, match=expected):
        read_certs_directory(TLSConfig(), tmp_path)


def test_an_encrypted_client_key_is_refused(client, tmp_path):
    write_pem(tmp_path / "client.cert", client.cert_pem)
    (tmp_path / "client.key").write_bytes(
        client.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(CertificateError, match=r"client\.key: the private key is encrypted"):
        read_certs_directory(TLSConfig(), tmp_path)


def test_a_key_of_another_certificate_names_both_files(ca, client, tmp_path):
    write_pem(tmp_path / "client.cert", client.cert_pem)
    write_pem(tmp_path / "client.key", issue_cert(ca, ["other"], client=True).key_pem)
    with pytest.raises(CertificateError) as caught:
        read_certs_directory(TLSConfig(), tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "client.cert") in message and str(tmp_path / "client.key") in message
    assert "tls: private key does not match public key" in message


def test_a_key_of_another_type_names_both_files(ca, client, tmp_path):
    write_pem(tmp_path / "client.cert", client.cert_pem)
    write_pem(tmp_path / "client.key", issue_cert(ca, ["rsa"], key_type="rsa").key_pem)
    expected = "tls: private key type does not match public key type"
    with pytest.raises(CertificateError, match=expected):
        read_certs_directory(TLSConfig(), tmp_path)


def test_an_unreadable_crt_is_an_error_naming_it(tmp_path):
    (tmp_path / "ca.crt").mkdir()  # reading a directory fails, even as root
    with pytest.raises(CertificateError, match=r"cannot read .*ca\.crt: Is a directory"):
        read_certs_directory(TLSConfig(), tmp_path)


def test_a_dangling_link_is_an_error_naming_it(tmp_path):
    (tmp_path / "ca.crt").symlink_to(tmp_path / "nowhere.crt")
    with pytest.raises(CertificateError, match=r"cannot read .*ca\.crt"):
        read_certs_directory(TLSConfig(), tmp_path)


@pytest.mark.parametrize("broken", ["client.cert", "client.key"])
def test_an_unreadable_half_of_a_pair_is_an_error_naming_it(client, tmp_path, broken):
    client.write(tmp_path, "client")
    (tmp_path / broken).unlink()
    (tmp_path / broken).symlink_to(tmp_path / "nowhere")  # unreadable, even as root
    with pytest.raises(CertificateError, match=rf"cannot read .*{re.escape(broken)}"):
        read_certs_directory(TLSConfig(), tmp_path)


def test_an_unlistable_directory_is_an_error_naming_it(tmp_path):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")  # listing a link loop fails, even as root
    with pytest.raises(CertificateError, match=r"cannot read certificate directory .*loop"):
        read_certs_directory(TLSConfig(), tmp_path / "loop")


def test_a_file_in_place_of_the_directory_is_an_error_naming_it(tmp_path):
    path = tmp_path / "registry.example.com"
    path.write_text("")
    with pytest.raises(CertificateError, match=r"cannot read certificate directory .*registry"):
        read_certs_directory(TLSConfig(), path)


# -- host_certs_dir -------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["registry.example.com", "localhost:5000", "[::1]:5000"])
def test_host_certs_dir_joins_the_host(host, tmp_path):
    assert host_certs_dir(host, tmp_path) == os.path.join(tmp_path, host)


def test_host_certs_dir_default_root():
    assert host_certs_dir("example.com") == "/etc/docker/certs.d/example.com"


@pytest.mark.parametrize(
    "host", ["", ".", "..", "../etc", "a/b", "/abs", "a\\b", "a\x00b", "x..y:5000"]
)
def test_host_certs_dir_refuses_names_that_leave_the_root(host, tmp_path):
    with pytest.raises(CertificateError) as caught:
        host_certs_dir(host, tmp_path)
    assert str(caught.value) == f"invalid host name for a certs.d directory: {host!r}"


# -- the certs.d plugin ---------------------------------------------------------------------


@pytest.fixture
def certs_root(ca, client, tmp_path):
    host_dir = tmp_path / "registry.test:5000"
    ca.write_cert(host_dir / "ca.crt")
    client.write(host_dir, "client")
    broken = tmp_path / "broken.test"
    broken.mkdir()
    (broken / "ca.crt").write_text("garbage")
    return tmp_path


def _hooks(*plugins: object, block: tuple[str, ...] = ()) -> Hooks:
    pm = get_plugin_manager(plugins=plugins, block=block, load_entrypoints=False)
    return Hooks(pm)


def test_plugin_reads_certs_d_for_a_secure_host(certs_root, monkeypatch):
    monkeypatch.setenv(CERTS_DIR_ENV, str(certs_root))
    config = TLSConfig()
    _hooks("registry_core_plugins.certsd").configure_tls("registry.test:5000", True, config)
    assert config.root_cas is not None and len(config.root_cas) == 1
    assert [c.cert_file for c in config.client_certificates] == [
        str(certs_root / "registry.test:5000" / "client.cert")
    ]


def test_plugin_reads_nothing_for_an_insecure_host(certs_root, monkeypatch):
    monkeypatch.setenv(CERTS_DIR_ENV, str(certs_root))
    hooks = _hooks("registry_core_plugins.certsd")
    for host in ("registry.test:5000", "broken.test"):
        config = TLSConfig(insecure_skip_verify=True)
        hooks.configure_tls(host, False, config)
        assert config == TLSConfig(insecure_skip_verify=True)


def test_plugin_reports_broken_material(certs_root, monkeypatch):
    monkeypatch.setenv(CERTS_DIR_ENV, str(certs_root))
    with pytest.raises(CertificateError, match=r"broken\.test/ca\.crt"):
        _hooks("registry_core_plugins.certsd").configure_tls("broken.test", True, TLSConfig())


def test_plugin_refuses_a_host_name_that_leaves_the_root(certs_root, monkeypatch):
    monkeypatch.setenv(CERTS_DIR_ENV, str(certs_root / "sub"))
    with pytest.raises(CertificateError, match="invalid host name"):
        certsd.registry_configure_tls(hostname="../registry.test:5000", secure=True,
                                      tls_config=TLSConfig())


def test_plugin_reads_the_environment_at_call_time(certs_root, monkeypatch, tmp_path):
    monkeypatch.setenv(CERTS_DIR_ENV, str(tmp_path / "empty"))
    hooks = _hooks("registry_core_plugins.certsd")
    config = TLSConfig()
    hooks.configure_tls("registry.test:5000", True, config)
    assert config.root_cas is None
    monkeypatch.setenv(CERTS_DIR_ENV, str(certs_root))
    hooks.configure_tls("registry.test:5000", True, config)
    assert config.root_cas is not None


def test_empty_environment_variable_turns_certs_d_off(certs_root, monkeypatch):
    monkeypatch.setenv(CERTS_DIR_ENV, "")
    monkeypatch.setattr(certsd, "CERTS_DIR", str(certs_root))
    config = TLSConfig()
    certsd.registry_configure_tls(hostname="broken.test", secure=True, tls_config=config)
    assert config == TLSConfig()


def test_default_root_without_the_environment_variable(certs_root, monkeypatch):
    monkeypatch.delenv(CERTS_DIR_ENV, raising=False)
    monkeypatch.setattr(certsd, "CERTS_DIR", str(certs_root))
    config = TLSConfig()
    certsd.registry_configure_tls(hostname="registry.test:5000", secure=True, tls_config=config)
    assert config.root_cas is not None


def test_certs_directory_plugin_replaces_the_module(certs_root, monkeypatch, tmp_path: Path):
    monkeypatch.setenv(CERTS_DIR_ENV, str(tmp_path / "elsewhere"))
    hooks = _hooks(
        "registry_core_plugins.certsd",
        CertsDirectory(certs_root),
        block=("registry_core_plugins.certsd",),
    )
    assert hooks.pm.get_plugin("registry_core_plugins.certsd") is None
    config = TLSConfig()
    hooks.configure_tls("registry.test:5000", True, config)
    assert config.root_cas is not None and len(config.client_certificates) == 1
    insecure = TLSConfig(insecure_skip_verify=True)
    hooks.configure_tls("broken.test", False, insecure)
    assert insecure == TLSConfig(insecure_skip_verify=True)
    assert repr(CertsDirectory(certs_root)) == f"CertsDirectory({str(certs_root)!r})"
