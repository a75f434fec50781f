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


def test_opening_etc_hosts_for_writing_is_refused(system_guard: SystemGuard) -> None:
    # Append mode, and nothing written: even if the guard failed, /etc/hosts would not change.
    with pytest.raises(PermissionError, match="may not change /etc/hosts"):
        open("/etc/hosts", "a").close()  # noqa: SIM115
    with pytest.raises(PermissionError, match="/etc/hosts"):
        os.close(os.open("/etc/hosts", os.O_WRONLY | os.O_APPEND))
    assert system_guard.take() == ["/etc/hosts", "/etc/hosts"]  # so this test passes
    assert Path("/etc/hosts").read_text() is not None  # reading stays allowed


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
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), *sys.path]))
    pytester.makepyfile(
        test_sneaky="""
        def test_edits_hosts():
            try:
                open("/etc/hosts", "a").close()
            except PermissionError:
                pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "tests.system_guard", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the test tried to change /etc/hosts*"])
