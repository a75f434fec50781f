"""A fresh virtual environment that installs local packages without reaching any index.

The example-package tests install registry-core and an example with pip, as a plugin author
would. pip must not reach PyPI for that (no network in tests) nor write ``~/.cache/pip``
(nothing outside the test's temp directories), so it runs with ``--no-index
--no-build-isolation --no-cache-dir --no-deps``: the build backend (setuptools, wheel) and
the runtime dependencies (requests, urllib3, pluggy, cryptography, pytest) come from the
test suite's own environment, which the new venv sees through a ``.pth`` file naming its
site-packages. What pip installs lands in the new venv's own site-packages, which comes
first on ``sys.path``, so registry-core and the example are imported from there.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["OFFLINE_PIP", "create", "pip_install"]

#: What keeps pip off the network and out of ``~/.cache/pip``.
OFFLINE_PIP = ("--no-index", "--no-build-isolation", "--no-cache-dir", "--no-deps")


def create(env_dir: Path) -> Path:
    """A venv at ``env_dir`` that sees this interpreter's site-packages after its own;
    returns its ``python``."""
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
            *site.getsitepackages()}
    Path(target, "_registry_core_test_deps.pth").write_text(
        "".join(f"{path}\n" for path in sorted(ours) if os.path.isdir(path)), encoding="utf-8"
    )
    return python


def pip_install(python: Path, targets: Sequence[str], *, env: Mapping[str, str],
                cwd: Path) -> subprocess.CompletedProcess[str]:
    """``pip install`` ``targets`` into the venv of ``python``, offline (:data:`OFFLINE_PIP`).

    pip runs from this environment (``--python``), which spares installing pip into the venv.
    """
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", *OFFLINE_PIP,
         *targets],
        env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=300,
    )
