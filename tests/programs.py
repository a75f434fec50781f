"""The outside programs the tests use, and what a test does when one is missing.

Outside CI a test that needs a program this machine lacks is skipped, with a reason naming the
Debian package that provides it. With ``CI=true`` the same test fails instead, so that CI can
never pass by skipping what it was meant to run.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

#: Program name -> the Debian package that provides it.
PACKAGES: dict[str, str] = {
    "docker-registry": "docker-registry",
    "htpasswd": "apache2-utils",
    "skopeo": "skopeo",
    "docker-credential-pass": "golang-docker-credential-helpers",
    "pass": "pass",
    "gpg": "gnupg",
}


def in_ci() -> bool:
    """Whether this run is CI's (``CI=true``, as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_program(name: str, package: str | None = None) -> str:
    """The path of ``name`` on ``PATH``; skips (or, in CI, fails) the calling test without it.

    :param name: the program, e.g. ``"docker-registry"``.
    :param package: the Debian package that provides it; defaults to :data:`PACKAGES`.
    """
    path = shutil.which(name)
    if path is not None:
        return path
    package = package or PACKAGES.get(name, name)
    reason = f"{name} is not installed: apt-get install {package} (or run scripts/setup.sh)"
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def registry_core_command() -> list[str]:
    """How to run the ``registry-core`` program under test: the script installed beside this
    interpreter (the project's ``.venv``), else ``python -m registry_core``; never another
    installation that happens to be first on ``PATH``."""
    script = Path(sys.executable).with_name("registry-core")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "registry_core"]
