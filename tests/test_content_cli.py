"""``registry-core manifest``, ``blob`` and ``copy`` against the real registry, with what
they push checked back by the real skopeo."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry_core.cli import main
from tests.oci_images import Layout, push_layout, skopeo, write_layout
from tests.registry_fixtures import RegistryEnv, RunningRegistry, start_registry
from tests.test_content import blob_file, plain_sibling

pytest_plugins = ["tests.registry_fixtures"]


@pytest.fixture
def no_daemon_config(tmp_path: Path) -> str:
    path = tmp_path / "daemon.json"
    path.write_text("{}")
    return str(path)


@pytest.fixture
def multiarch(tmp_path: Path, plain_registry: RegistryEnv) -> Layout:
    layout = write_layout(tmp_path / "multi", label="cli",
                          platforms=("linux/amd64", "linux/arm64/v8"))
    push_layout(layout, plain_registry.host, "team/multi", "1")
    return layout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(capsysbinary, monkeypatch, *argv: str, stdin: str = "",
        terminal: bool = False) -> tuple[int, bytes, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    stderr = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    code = main(list(argv))
    out, _ = capsysbinary.readouterr()
    return code, out, stderr.getvalue()


def test_manifest_prints_what_skopeo_sees(capsysbinary, monkeypatch, plain_registry,
                                          multiarch, no_daemon_config):
    name = f"{plain_registry.host}/team/multi:1"
    code, out, err = run(capsysbinary, monkeypatch, "manifest", "--daemon-config",
                         no_daemon_config, name)
    assert code == 0, err
    assert out == skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{name}")
    assert out == multiarch.top
    code, out, err = run(capsysbinary, monkeypatch, "manifest", "--daemon-config",
                         no_daemon_config, "--platform", "linux/arm64", name)
    assert code == 0, err
    assert out == multiarch.images[1].manifest
    by_digest = f"{plain_registry.host}/team/multi@{multiarch.images[0].digest}"
    code, out, err = run(capsysbinary, monkeypatch, "manifest", "--daemon-config",
                         no_daemon_config, "--platform", "linux/amd64", by_digest)
    assert code == 0, err
    assert out == multiarch.images[0].manifest


def test_manifest_errors_are_one_line(capsysbinary, monkeypatch, plain_registry, multiarch,
                                      no_daemon_config):
    name = f"{plain_registry.host}/team/multi:1"
    code, out, err = run(capsysbinary, monkeypatch, "manifest", "--daemon-config",
                         no_daemon_config, "--platform", "windows/amd64", name)
    assert (code, out) == (1, b"")
    assert err.startswith("registry-core: error: no manifest for platform windows/amd64")
    assert "Traceback" not in err
    code, out, err = run(capsysbinary, monkeypatch, "manifest", "--daemon-config",
                         no_daemon_config, f"{plain_registry.host}/team/multi:nope")
    assert code == 1 and "manifest unknown" in err


def test_blob_to_a_file_and_to_stdout(capsysbinary, monkeypatch, plain_registry, multiarch,
                                      no_daemon_config, tmp_path):
    digest, data = next(iter(multiarch.images[0].blobs.items()))
    name = f"{plain_registry.host}/team/multi@{digest}"
    target = tmp_path / "blob.out"
    code, out, err = run(capsysbinary, monkeypatch, "blob", "--daemon-config",
                         no_daemon_config, name, "-o", str(target), terminal=True)
    assert code == 0, err
    assert target.read_bytes() == data
    assert "100%" in err  # a progress bar on a terminal
    code, out, err = run(capsysbinary, monkeypatch, "blob", "--daemon-config",
                         no_daemon_config, name, "-o", "-")
    assert (code, out, err) == (0, data, "")  # quiet when not on a terminal
    code, out, err = run(capsysbinary, monkeypatch, "blob", "--daemon-config",
                         no_daemon_config, name, "-o", str(tmp_path / "missing" / "x"))
    assert code == 1 and err.startswith("registry-core: error: cannot write ")


def test_blob_that_fails_verification_leaves_no_file(capsysbinary, monkeypatch,
                                                     plain_registry, multiarch,
                                                     no_daemon_config, tmp_path):
    digest, data = next(iter(multiarch.images[0].blobs.items()))
    blob_file(plain_registry, digest).write_bytes(data[::-1])
    target = tmp_path / "out" / "blob"
    target.parent.mkdir()
    code, _, err = run(capsysbinary, monkeypatch, "blob", "--daemon-config", no_daemon_config,
                       f"{plain_registry.host}/team/multi@{digest}", "-o", str(target))
    assert code == 1
    assert f"blob {digest}" in err and "digest is" in err
    assert list(target.parent.iterdir()) == []


def test_blob_needs_a_digest(capsysbinary, monkeypatch, plain_registry, no_daemon_config,
                             tmp_path):
    code, out, err = run(capsysbinary, monkeypatch, "blob", "--daemon-config", no_daemon_config,
                         f"{plain_registry.host}/team/app:1.0", "-o", str(tmp_path / "x"))
    assert (code, out) == (1, b"")
    assert err == f"registry-core: error: {plain_registry.host}/team/app:1.0: name the blob " \
                  "as NAME@DIGEST\n"
    assert not (tmp_path / "x").exists()


def _verify_with_skopeo(host: str, name: str, expected: Layout, tmp_path: Path,
                        *options: str) -> None:
    """skopeo reads the copy, and copies it out whole: it checks every digest itself."""
    raw = skopeo("inspect", "--raw", *options, f"docker://{host}/{name}")
    assert raw == expected.top
    out = tmp_path / f"skopeo-out-{len(list(tmp_path.iterdir()))}"
    skopeo("copy", "--all", "--preserve-digests",
           *[o.replace("--", "--src-", 1) for o in options],
           f"docker://{host}/{name}", f"oci:{out}:x")
    index = json.loads((out / "index.json").read_text())
    assert index["manifests"][0]["digest"] == expected.digest


def test_copy_within_a_registry_mounts(capsysbinary, monkeypatch, plain_registry, multiarch,
                                       no_daemon_config, tmp_path):
    env = plain_registry
    code, out, err = run(capsysbinary, monkeypatch, "copy", "--daemon-config",
                         no_daemon_config, f"{env.host}/team/multi:1", f"{env.host}/team/dup:v1")
    assert code == 0, err
    assert out.decode().strip() == multiarch.digest
    log = [e for e in env.registry.access_log(with_query=True) if "/team/dup/" in e.path]
    assert any(e.method == "POST" and "mount=" in e.path and e.status == 201 for e in log)
    assert not [e for e in log if e.method == "PATCH" or
                (e.method == "PUT" and "/blobs/" in e.path)]
    _verify_with_skopeo(env.host, "team/dup:v1", multiarch, tmp_path, "--tls-verify=false")


@pytest.fixture
def source(tmp_path: Path) -> Iterator[tuple[RunningRegistry, Layout]]:
    """A plain registry of its own holding the multi-arch image as ``team/multi:1`` (the
    fixture registries share their test's storage path, so two cannot meet in one test)."""
    layout = write_layout(tmp_path / "source-image", label="source",
                          platforms=("linux/amd64", "linux/arm64/v8"))
    with start_registry(tmp_path / "source", storage_dir=tmp_path / "source-storage") as reg:
        push_layout(layout, reg.host, "team/multi", "1")
        yield reg, layout


def test_copy_between_registries_streams_and_skips_what_is_there(
        capsysbinary, monkeypatch, source, tls_basic_registry, no_daemon_config, tmp_path):
    (src, multiarch), dst = source, tls_basic_registry
    for key, value in dst.environ.items():
        monkeypatch.setenv(key, value)
    argv = ["copy", "--json", "--daemon-config", no_daemon_config, "-u", "alice",
            "--password-stdin", f"{src.host}/team/multi:1", f"{dst.host}/mirror/multi:2"]
    code, out, err = run(capsysbinary, monkeypatch, *argv, stdin=f"{dst.password}\n",
                         terminal=True)
    assert code == 0, err
    result = json.loads(out)
    assert result["digest"] == multiarch.digest
    assert result["copied"] == sum(len(i.blobs) for i in multiarch.images)
    assert result["mounted"] == 0
    assert "copied" in err  # progress on a terminal
    assert dst.password is not None and dst.password not in err
    with plain_sibling(dst, tmp_path) as plain:
        _verify_with_skopeo(plain.host, "mirror/multi:2", multiarch, tmp_path,
                            "--tls-verify=false")
    start = len(dst.registry.access_log())
    code, out, err = run(capsysbinary, monkeypatch, *argv, stdin=f"{dst.password}\n")
    assert code == 0, err
    assert json.loads(out)["copied"] == 0 and err == ""
    again = dst.registry.access_log(since=start)
    assert not [e for e in again if e.method in ("POST", "PATCH") or
                (e.method == "PUT" and "/blobs/" in e.path)]


def test_copy_through_token_auth(capsysbinary, monkeypatch, token_registry, source,
                                 no_daemon_config, tmp_path):
    env = token_registry
    plain_registry, multiarch = source
    assert env.issuer is not None
    for key, value in env.environ.items():
        monkeypatch.setenv(key, value)
    argv = ["copy", "--daemon-config", no_daemon_config, "-u", "alice", "--password-stdin"]
    code, out, err = run(capsysbinary, monkeypatch, *argv, f"{plain_registry.host}/team/multi:1",
                         f"{env.host}/team/multi:1", stdin=f"{env.password}\n")
    assert code == 0, err
    env.issuer.clear_requests()
    code, out, err = run(capsysbinary, monkeypatch, *argv, f"{env.host}/team/multi:1",
                         f"{env.host}/other/multi:1", stdin=f"{env.password}\n")
    assert code == 0, err
    assert out.decode().strip() == multiarch.digest
    # One token per repository and scope for the whole copy, however many blobs moved.
    scopes = sorted(tuple(sorted(r.scopes)) for r in env.issuer.requests)
    assert len(scopes) == len(set(scopes)) <= 3
    with plain_sibling(env, tmp_path) as plain:
        _verify_with_skopeo(plain.host, "other/multi:1", multiarch, tmp_path,
                            "--tls-verify=false")
