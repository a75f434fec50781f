"""scripts/setup.sh and .ci/run: the README's commands are the ones CI runs, and set-up
refuses an interpreter it cannot use before it changes anything.

Each run of setup.sh here works on a copy in a temporary directory, with ``SKIP_APT=1``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set-up", 1)[1]
    block = re.search(r"```sh\n(.*?)```", setup, re.DOTALL)
    assert block is not None
    return [line.split("#", 1)[0].strip() for line in block[1].splitlines() if line.strip()]


def test_ci_runs_the_readme_commands() -> None:
    install, test = _readme_commands()
    assert install.startswith("bash scripts/setup.sh && .venv/bin/registry-core resolve ")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "\nbash scripts/setup.sh\n" in ci
    assert f"\n{test} || status=$?\n" in ci


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    return tmp_path


def _setup(checkout: Path, python: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(checkout / "scripts" / "setup.sh")],
        env={"PATH": "/usr/bin:/bin", "SKIP_APT": "1", "PYTHON": python},
        capture_output=True, text=True, timeout=60,
    )


def test_setup_refuses_a_python_older_than_3_10(checkout: Path, tmp_path: Path) -> None:
    old = tmp_path / "python3.9"
    old.write_text('#!/bin/sh\ncase "$2" in *exit*) exit 1;; *) echo 3.9.18;; esac\n')
    old.chmod(0o755)
    result = _setup(checkout, str(old))
    assert result.returncode == 1
    assert f"needs Python 3.10 or newer; '{old}' is 3.9.18" in result.stderr
    assert not (checkout / ".venv").exists()


def test_setup_names_a_missing_interpreter(checkout: Path) -> None:
    result = _setup(checkout, "no-such-python3")
    assert result.returncode == 1
    assert "no Python interpreter 'no-such-python3'" in result.stderr
    assert not (checkout / ".venv").exists()
