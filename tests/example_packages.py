"""The example packages under ``examples/``, copied out of the checkout and installed.

:func:`copy_example` copies one out, since building or testing a package in place would leave
``build/`` and ``__pycache__`` in the checkout. The ``examples_venv`` fixture installs
registry-core (from a copy of the checkout) and both the example plugin and the example auth
package (with its test extra) into one fresh virtual environment, once per test session: a user
may well have both, and one ``pip install`` spares the suite the seconds a second venv costs.
The venv has no system site-packages and nothing from this checkout on ``sys.path``; pip runs
offline (:mod:`tests.offline_venv`): no index, no cache, the build backend and the dependencies
from the test suite's own environment.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import offline_venv

__all__ = ["EXAMPLES", "IGNORE", "ROOT", "ExamplesVenv", "copy_example", "examples_venv"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.egg-info", "build", "dist", "_build", ".*_cache", ".git", ".venv"
)
PLUGIN, AUTH = "registry-core-example-plugin", "registry-core-example-auth"


def copy_example(name: str, dest: Path) -> Path:
    """A copy of the example package ``name`` (its directory under ``examples/``) in ``dest``."""
    return Path(shutil.copytree(EXAMPLES / name, dest / name, ignore=IGNORE))


@dataclass(frozen=True)
class ExamplesVenv:
    """A virtual environment holding registry-core and the example packages."""

    #: The venv's directory.
    root: Path
    #: Its interpreter.
    python: Path
    #: The copies of the example packages that were installed, by name.
    examples: dict[str, Path]
    #: An environment to run the venv's programs in: no PYTHON* or REGISTRY_CORE_* variables
    #: from the test run, no user site-packages. Copy it before changing it.
    env: dict[str, str]


@pytest.fixture(scope="session")
def examples_venv(tmp_path_factory: pytest.TempPathFactory) -> ExamplesVenv:
    base = tmp_path_factory.mktemp("examples-venv")
    # A copy of the checkout: pip builds in place, and would leave build/ behind in it.
    source = Path(shutil.copytree(ROOT, base / "registry-core", ignore=IGNORE))
    examples = {name: copy_example(name, base) for name in (PLUGIN, AUTH)}
    python = offline_venv.create(base / "venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "REGISTRY_CORE_"))}
    env["PYTHONNOUSERSITE"] = "1"
    install = offline_venv.pip_install(
        python, [str(source), str(examples[PLUGIN]), f"{examples[AUTH]}[test]"], env=env, cwd=base
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return ExamplesVenv(root=python.parent.parent, python=python, examples=examples, env=env)
