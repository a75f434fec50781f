"""The custom-auth example package (examples/registry-core-example-auth), as a user gets it.

One test runs the package's own tests with registry-core's pytest fixtures, from the source
tree. The other installs registry-core and the package (with its test extra) by pip into a
fresh virtual environment, shared with the example plugin (tests/example_packages.py), and
runs the package's tests there: the plugin is then loaded through its entry point, and its
handler answers the ``Exchange`` challenges of the example's loopback server in a real session.
pip runs offline (:mod:`tests.offline_venv`): no index, no cache; it takes some seconds.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.example_packages import AUTH, ExamplesVenv, copy_example

pytest_plugins = ["pytester"]

TESTS = 6  # the example package's tests


def test_example_auth_tests_pass_from_the_source_tree(pytester, monkeypatch):
    example = copy_example(AUTH, pytester.path)
    # A subprocess, so the example's test modules (conftest, credentials) stay out of ours.
    monkeypatch.setenv("PYTHONPATH", str(example / "src"))
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    result = pytester.runpytest_subprocess(str(example / "tests"), "-p", "no:cacheprovider")
    # Not installed: the entry-point test skips; everything else runs.
    result.assert_outcomes(passed=TESTS - 1, skipped=1)


def test_example_auth_installed_in_a_fresh_virtualenv(tmp_path, examples_venv: ExamplesVenv):
    python, env, example = examples_venv.python, examples_venv.env, examples_venv.examples[AUTH]

    # The package's own tests, run by the venv's pytest from outside the source tree: the
    # plugin is imported from site-packages and found through its entry point.
    tests = Path(shutil.copytree(example / "tests", tmp_path / "suite" / "tests"))
    run = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(tests)],
        env=env, cwd=tmp_path / "suite", capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{TESTS} passed" in run.stdout, run.stdout
    assert "skipped" not in run.stdout, run.stdout
