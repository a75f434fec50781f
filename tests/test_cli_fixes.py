"""The command line as scripts use it: ``ping``'s User-Agent, ``--version``, and ``--json``
errors on stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import registry_core
from registry_core.cli import main
from tests.http_stub import Answer, Seen, StubServer

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")


def _v2(seen: Seen) -> Answer:
    return Answer(401, [("Docker-Distribution-API-Version", "registry/2.0"),
                        ("WWW-Authenticate", 'Basic realm="r"')])


def test_ping_sends_the_service_user_agent(capsys: pytest.CaptureFixture[str]) -> None:
    with StubServer(_v2) as server:
        code = main(["ping", "--json", server.host])
        out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["answered"] is True
    agents = {seen.header("User-Agent") for seen in server.seen if seen.path == "/v2/"}
    assert agents == {f"registry-core/{registry_core.__version__}"}


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    out, _ = capsys.readouterr()
    assert out.strip() == f"registry-core {registry_core.__version__}"


def test_version_from_the_program() -> None:
    done = subprocess.run([sys.executable, "-m", "registry_core", "--version"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"registry-core {registry_core.__version__}"


def test_json_errors_are_one_json_object_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["tags", "--json", "bob:s3cr3t@127.0.0.1:9/app"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    error = json.loads(lines[0])
    assert set(error) == {"error", "type"}
    assert error["type"] == "InvalidReferenceError" and error["error"]
    assert "s3cr3t" not in err


def test_errors_stay_plain_text_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["tags", "bob:s3cr3t@127.0.0.1:9/app"])
    _, err = capsys.readouterr()
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and not err.lstrip().startswith("{")
    assert "s3cr3t" not in err
