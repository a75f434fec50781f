"""``ping``, ``certs``, errors and ``--debug``: the conventions every command follows."""

from __future__ import annotations

import json

import pytest

from registry_core.cli import main

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def daemon_config(tmp_path) -> str:
    path = tmp_path / "daemon.json"
    path.write_text("{}")
    return str(path)


def test_ping_a_token_registry_shows_its_challenge_and_tls(
    capsys, monkeypatch, token_registry, daemon_config
):
    for key, value in token_registry.environ.items():
        monkeypatch.setenv(key, value)
    code, out, err = run(capsys, "ping", "--json", "--daemon-config", daemon_config,
                         token_registry.host)
    assert code == 0, err
    answer = json.loads(out)
    [attempt] = answer["attempts"]
    assert attempt["status"] == 401 and attempt["api"] == "v2"
    [challenge] = attempt["challenges"]
    assert challenge["scheme"] == "bearer"
    assert challenge["parameters"]["realm"] == token_registry.issuer.realm
    assert attempt["tls"]["verify"] is True
    assert attempt["tls"]["certs_d"] == str(token_registry.certs_dir / token_registry.host)


def test_ping_falls_back_to_http_for_a_loopback_registry(capsys, plain_registry, daemon_config):
    code, out, err = run(capsys, "ping", "--daemon-config", daemon_config, plain_registry.host)
    assert code == 0, err
    https, http = out.split(f"http://{plain_registry.host}:\n")
    assert "error:" in https
    assert "status:     200" in http and "API:        v2" in http


def test_ping_of_nothing_is_a_one_line_error(capsys, daemon_config):
    code, out, err = run(capsys, "ping", "--daemon-config", daemon_config, "127.0.0.1:1")
    assert code == 1
    assert err.startswith("registry-core: error: no endpoint of 127.0.0.1:1 answered")
    assert err.count("\n") == 1


def test_certs_shows_subject_issuer_and_expiry(capsys, monkeypatch, tls_basic_registry,
                                               daemon_config):
    for key, value in tls_basic_registry.environ.items():
        monkeypatch.setenv(key, value)
    code, out, err = run(capsys, "certs", "--json", "--daemon-config", daemon_config,
                         tls_basic_registry.host)
    assert code == 0, err
    answer = json.loads(out)
    assert answer["exists"] is True and answer["secure"] is True
    [ca] = [entry for entry in answer["files"] if entry["file"] == "ca.crt"]
    assert ca["role"] == "CA certificate"
    [certificate] = ca["certificates"]
    assert certificate["subject"] == certificate["issuer"]  # a root CA
    assert certificate["expired"] is False and certificate["not_after"]
    code, out, err = run(capsys, "certs", "--daemon-config", daemon_config,
                         tls_basic_registry.host)
    assert "ca.crt: CA certificate" in out and "subject:" in out and "expires:" in out


def test_a_bad_daemon_config_is_one_line_naming_the_file(capsys, tmp_path):
    bad = tmp_path / "daemon.json"
    bad.write_text('{"insecure-registries": "not-a-list"')
    for command in (["plugins"], ["resolve", "ubuntu"], ["logout"], ["certs", "x:1"]):
        code, out, err = run(capsys, *command, "--daemon-config", str(bad))
        assert code == 1, command
        assert err.startswith("registry-core: error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err


def test_debug_adds_the_traceback(capsys, tmp_path, loopback_resolver):
    loopback_resolver.add("r.x", "::1")  # secure, and no DNS query
    path = tmp_path / "config.json"
    path.write_text("{not json")
    code, out, err = run(capsys, "resolve", "--explain", "--config", str(tmp_path), "r.x/app")
    # The lookup's failure is shown in the explanation, not raised.
    assert code == 0 and "not valid JSON" in out
    code, out, err = run(capsys, "login", "--config", str(tmp_path), "r.x")
    assert code == 1 and "Traceback" not in err and str(path) in err
    code, out, err = run(capsys, "login", "--debug", "--config", str(tmp_path), "r.x")
    assert code == 1 and "Traceback" in err and str(path) in err


def test_usage_errors_exit_2(capsys):
    code, out, err = run(capsys, "resolve")
    assert code == 2 and "usage:" in err
    assert run(capsys, "--help")[0] == 0


def test_certs_reports_a_fifo_instead_of_waiting_on_it(capsys, monkeypatch, tmp_path,
                                                         loopback_resolver):
    import os
    import threading

    loopback_resolver.add("fifo.example", "::1")  # secure, so certs.d is read; no DNS
    monkeypatch.setenv("REGISTRY_CORE_CERTS_DIR", str(tmp_path))
    (tmp_path / "fifo.example:5000").mkdir()
    os.mkfifo(tmp_path / "fifo.example:5000" / "ca.crt")
    outcome: list[tuple[int, str, str]] = []
    worker = threading.Thread(
        target=lambda: outcome.append(run(capsys, "certs", "--json", "fifo.example:5000")),
        daemon=True,
    )
    worker.start()
    worker.join(20)
    assert outcome, "registry-core certs hangs on a FIFO named ca.crt"
    code, out, _ = outcome[0]
    [ca] = [entry for entry in json.loads(out)["files"] if entry["file"] == "ca.crt"]
    assert "a FIFO, not a regular file" in ca["error"]
