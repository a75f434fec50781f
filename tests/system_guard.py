"""Pytest plugin: the test suite changes nothing on the machine outside its temp directories.

A user's machine is not the tests' to change: no line added to ``/etc/hosts``, nothing written
under ``/etc/docker`` (the system certs.d) or the real ``~/.docker``. This plugin makes that a
rule the suite cannot break by accident: an audit hook (:func:`sys.addaudithook`) refuses,
with :class:`PermissionError`, any attempt made in the test process to open one of those
paths for writing or to create, rename, remove or change one, and the test that tried fails
at teardown even if it caught the error. Reading them stays allowed.

The hook sees this process only; child processes are the tests' own to point at temp
directories (``HOME``, ``DOCKER_CONFIG``, ``XDG_*``, ``REGISTRY_CORE_CERTS_DIR``).

Nor does a test send a DNS query off the host: every test runs under a
:class:`tests.loopback_names.OffHostGuard` (the ``off_host_guard`` fixture), in this process
and, through a ``sitecustomize.py`` first on ``PYTHONPATH``, in the child Pythons it starts
with the inherited environment. A name that is neither an IP literal, ``localhost``, nor
mapped to loopback by the test fails at once as "does not resolve", and the test fails at
teardown naming it, unless it took the refusal with ``off_host_guard.take()``.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.loopback_names import LOG_VARIABLE, OffHostGuard, guard_environment

__all__ = ["SystemGuard", "protected_paths"]

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

#: Audit events that change a path, and which of their arguments are the paths changed.
_CHANGING_EVENTS: dict[str, tuple[int, ...]] = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.truncate": (0,),
    "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,), "os.rename": (0, 1),
    "os.link": (1,), "os.symlink": (1,), "shutil.copyfile": (1,), "shutil.rmtree": (0,),
}


def protected_paths() -> tuple[str, ...]:
    """What the suite must not change: the hosts file, the system certs.d, ``~/.docker``."""
    return ("/etc/hosts", "/etc/docker", os.path.join(str(Path.home()), ".docker"))


class SystemGuard:
    """Records, and refuses, changes to :func:`protected_paths` made in this process."""

    def __init__(self, paths: tuple[str, ...]) -> None:
        self.paths = tuple(os.path.abspath(path) for path in paths)
        self.attempts: list[str] = []
        self.active = True

    def _protected(self, path: object) -> str | None:
        if isinstance(path, int) or path is None:
            return None  # a file descriptor: the open that made it was checked
        try:
            text = os.path.abspath(os.fsdecode(path))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        for protected in self.paths:
            if text == protected or text.startswith(protected + os.sep):
                return text
        return None

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        """The audit hook; cheap for every event it does not care about."""
        if not self.active:
            return
        if event == "open":
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            if not flags & _WRITE_FLAGS:
                return
            targets: tuple[object, ...] = (args[0],)
        elif event in _CHANGING_EVENTS:
            targets = tuple(args[i] for i in _CHANGING_EVENTS[event] if i < len(args))
        else:
            return
        for target in targets:
            path = self._protected(target)
            if path is not None:
                self.attempts.append(path)
                raise PermissionError(
                    f"the test suite may not change {path}: tests change nothing outside "
                    "their own temporary directories"
                )

    def take(self) -> list[str]:
        """The attempts recorded since the last call, and forget them."""
        attempts, self.attempts = self.attempts, []
        return attempts


_guard: SystemGuard | None = None
_system_resolver = (socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex)


def pytest_configure(config: pytest.Config) -> None:
    # An audit hook cannot be removed, so one guard serves the whole process (a pytester
    # session run in-process reuses it).
    global _guard
    if _guard is None:
        _guard = SystemGuard(protected_paths())
        sys.addaudithook(_guard.audit)


@pytest.fixture(scope="session")
def system_guard() -> SystemGuard:
    """The process's :class:`SystemGuard`."""
    assert _guard is not None, "tests.system_guard was not configured as a plugin"
    return _guard


@pytest.fixture(autouse=True)
def _nothing_outside_temp_dirs(system_guard: SystemGuard) -> Iterator[None]:
    """Fail the test that tried to change a protected path, even if it caught the error."""
    system_guard.take()
    yield
    attempts = system_guard.take()
    if attempts:
        pytest.fail(f"the test tried to change {', '.join(sorted(set(attempts)))}; tests "
                    "change nothing outside their own temporary directories", pytrace=False)


@pytest.fixture(scope="session")
def _guarded_child_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``sitecustomize.py`` that guards the resolver of every child Python."""
    directory = tmp_path_factory.mktemp("off-host-guard")
    guard_environment(directory / "site", directory / "unused.log", {})
    return directory


@pytest.fixture(autouse=True)
def off_host_guard(monkeypatch: pytest.MonkeyPatch,
                   _guarded_child_directory: Path) -> Iterator[OffHostGuard]:
    """No DNS query leaves the host: see the module documentation."""
    getaddrinfo, gethostbyname, gethostbyname_ex = _system_resolver
    guard = OffHostGuard(getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", guard)
    monkeypatch.setattr(socket, "gethostbyname", guard.gethostbyname(gethostbyname))
    monkeypatch.setattr(socket, "gethostbyname_ex", guard.gethostbyname(gethostbyname_ex))
    log = _guarded_child_directory / f"refused-{os.getpid()}-{id(guard)}.log"
    site = str(_guarded_child_directory / "site")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [site, *filter(None, [os.environ.get("PYTHONPATH", "")])]))
    monkeypatch.setenv(LOG_VARIABLE, str(log))
    yield guard
    refused = guard.take()
    if log.exists():
        refused += [f"{json.loads(line)} (in a child process)"
                    for line in log.read_text(encoding="utf-8").splitlines()]
        log.unlink()
    if refused:
        pytest.fail(
            f"the test asked the system resolver for {', '.join(sorted(set(refused)))}: a DNS "
            "query would leave the host. Inject lookup_ip=, use IP literals, or map the name "
            "to loopback (loopback_resolver.add)", pytrace=False)
