"""distribution's error-code texts: what a registry's error body reads as, word for word."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from registry_core.cli import main
from registry_core.errcode import errcode_text
from tests.programs import require_program
from tests.registry_fixtures import start_registry

# Bodies and the text distribution 2.8.2's client (registry/client.HandleErrorResponse, with
# registry/api/v2 registered as in the reference) gives them; recorded by running that Go code.
RECORDED = [
    (404, {"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known to registry",
                       "detail": {"name": "whatever"}}]},
     "name unknown: repository name not known to registry"),
    (404, {"errors": [{"code": "NAME_UNKNOWN",
                       "message": "repository name not known to registry"}]},
     "name unknown"),
    (404, {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown",
                       "detail": {"Tag": "x"}}]},
     "manifest unknown: manifest unknown"),
    (400, {"errors": [{"code": "BLOB_UPLOAD_INVALID", "message": ""}]}, "blob upload invalid"),
    (400, {"errors": [{"code": "PAGINATION_NUMBER_INVALID",
                       "message": "invalid number of results requested"}]},
     "pagination number invalid"),
    (400, {"errors": [{"code": "NOT_A_CODE", "message": "whatever"}]}, "unknown: whatever"),
    (401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required",
                       "detail": [{"Type": "repository"}]}]},
     "unauthorized: authentication required"),
    (400, {"errors": [{"code": "NAME_UNKNOWN"}, {"code": "TAG_INVALID", "message": "x"}]},
     "errors:\nname unknown\ntag invalid: x\n"),
    (429, {"errors": [{"code": "TOOMANYREQUESTS", "message": "too many requests"}]},
     "toomanyrequests"),
    (400, {"errors": [{"code": "MANIFEST_BLOB_UNKNOWN", "message": "blob unknown to registry"}]},
     "manifest blob unknown"),
]


@pytest.mark.parametrize(("status", "body", "text"), RECORDED)
def test_error_bodies_read_as_distribution_reads_them(status, body, text) -> None:
    assert errcode_text(json.dumps(body).encode(), status) == text


def test_tags_of_an_unknown_repository_on_an_empty_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_program("docker-registry")
    daemon_config = tmp_path / "daemon.json"
    daemon_config.write_text("{}")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with start_registry(tmp_path / "registry", storage_dir=tmp_path / "empty") as registry:
        code = main(["tags", "--daemon-config", str(daemon_config), f"{registry.host}/whatever"])
        out, err = capsys.readouterr()
        assert registry.access_log()[-1] == ("GET", "/v2/whatever/tags/list", 404)
    assert (code, out) == (1, "")
    assert err == (
        "registry-core: error: listing tags of whatever: "
        "name unknown: repository name not known to registry\n"
    )
