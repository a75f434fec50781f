"""The suite changes nothing on the machine: writing /etc/hosts (or the system certs.d, or the
real ~/.docker) is refused, and fails the test that tried, even if it caught the error."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.system_guard import SystemGuard, protected_paths

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent


def test_opening_a_protected_path_for_writing_is_refused(
    system_guard: SystemGuard, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The live guard, given a stand-in for /etc/hosts in this test's own directory: even if
    # the guard failed, no system file could be touched.
    hosts = tmp_path / "hosts"
    monkeypatch.setattr(system_guard, "paths", (*system_guard.paths, str(hosts)))
    with pytest.raises(PermissionError, match=f"may not change {hosts}"):
        open(hosts, "a").close()  # noqa: SIM115
    with pytest.raises(PermissionError, match=str(hosts)):
        os.close(os.open(hosts, os.O_WRONLY | os.O_APPEND | os.O_CREAT))
    assert system_guard.take() == [str(hosts), str(hosts)]  # so this test passes
    assert not hosts.exists()


def test_the_protected_paths(system_guard: SystemGuard, tmp_path: Path) -> None:
    assert protected_paths()[:2] == ("/etc/hosts", "/etc/docker")
    guard = SystemGuard((str(tmp_path / "hosts"), str(tmp_path / "certs.d")))
    changes = [("open", (str(tmp_path / "hosts"), "w", os.O_WRONLY | os.O_CREAT)),
               ("os.rename", (str(tmp_path / "new"), str(tmp_path / "hosts"), -1, -1)),
               ("os.mkdir", (str(tmp_path / "certs.d" / "host:5000"), 0o777, -1)),
               ("shutil.copyfile", (str(tmp_path / "ca.crt"), str(tmp_path / "certs.d/x")))]
    for event, args in changes:
        with pytest.raises(PermissionError):
            guard.audit(event, args)
    assert len(guard.take()) == len(changes)
    guard.audit("open", (str(tmp_path / "hosts"), "r", os.O_RDONLY))  # reading
    guard.audit("open", (str(tmp_path / "hosts.d"), "w", os.O_WRONLY))  # another path
    guard.audit("os.mkdir", (str(tmp_path / "certs.dx"), 0o777, -1))
    assert guard.take() == []


def test_a_test_that_swallows_the_refusal_still_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A child pytest of its own, so its audit hook is its own.
    # Its HOME is a temp directory, and the path it tries is that home's ~/.docker, which the
    # guard protects: nothing outside this test's directories is at stake.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), *sys.path]))
    home = pytester.path / "home"
    (home / ".docker").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    pytester.makepyfile(
        test_sneaky="""
        import os

        def test_edits_docker_config():
            try:
                open(os.path.expanduser("~/.docker/config.json"), "a").close()
            except PermissionError:
                pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "tests.system_guard", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the test tried to change*/.docker/config.json*"])
    assert not (home / ".docker" / "config.json").exists()


def test_the_resolver_guard_answers_only_without_the_network(tmp_path: Path) -> None:
    import socket

    from tests.loopback_names import OffHostGuard, resolver

    asked: list[object] = []

    def system(host: object, *args: object) -> list[object]:
        asked.append(host)
        numeric = len(args) >= 5 and isinstance(args[4], int) and args[4] & socket.AI_NUMERICHOST
        if numeric and host not in ("127.0.0.1", "::1", "fe80::1%lo"):
            raise socket.gaierror(socket.EAI_NONAME, "not numeric")
        return [("answer", host)]

    guard = OffHostGuard(system)
    for allowed in ("127.0.0.1", "::1", "fe80::1%lo", "localhost", None):
        guard(allowed, 443)
    with pytest.raises(socket.gaierror) as caught:
        guard("r.example", 443)
    assert caught.value.errno == socket.EAI_NONAME
    assert guard.take() == ["r.example"]
    assert ("r.example" in asked) is True  # asked only as a numeric host...
    assert asked.count("r.example") == 1  # ...and never as a name
    mapped = resolver({"r.example": "::1"}, guard)
    assert mapped("r.example", 443) == [("answer", "::1")]
    assert guard.take() == []


def test_the_suite_guard_is_installed(off_host_guard: object) -> None:
    import socket

    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("guard-check.invalid", 443)
    with pytest.raises(socket.gaierror):
        socket.gethostbyname("guard-check.invalid")
    assert off_host_guard.take() == ["guard-check.invalid"] * 2  # type: ignore[attr-defined]
    assert socket.getaddrinfo("127.0.0.1", 443)


def test_a_child_python_is_guarded_and_reports_the_name(tmp_path: Path) -> None:
    import json
    import subprocess

    from tests.loopback_names import guard_environment

    log = tmp_path / "refused.log"
    env = guard_environment(tmp_path / "site", log)
    code = ("import socket\ntry:\n    socket.getaddrinfo('child-check.invalid', 443)\n"
            "except socket.gaierror as e:\n    print('refused', e.errno)\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    import socket

    assert done.stdout.strip() == f"refused {socket.EAI_NONAME}"
    assert [json.loads(line) for line in log.read_text().splitlines()] == ["child-check.invalid"]
