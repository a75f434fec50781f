"""tests.programs.require_program: a missing program skips outside CI, naming the Debian
package, and fails with CI=true, so CI never passes by skipping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.programs import PACKAGES, in_ci, require_program


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH of one directory, holding only what the test puts there; not in CI unless the
    test says so."""
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", str(directory))
    monkeypatch.delenv("CI", raising=False)
    return directory


def test_a_program_on_path_is_found(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = bin_dir / "docker-registry"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("CI", "true")
    assert require_program("docker-registry") == str(program)


def test_outside_ci_a_missing_program_skips_naming_the_package(bin_dir: Path) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_program("htpasswd")
    assert str(skipped.value) == (
        "htpasswd is not installed: apt-get install apache2-utils (or run scripts/setup.sh)"
    )


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes"])
def test_in_ci_a_missing_program_fails(
    bin_dir: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="CI=true and docker-credential-pass is not "
                       "installed: apt-get install golang-docker-credential-helpers"):
        require_program("docker-credential-pass")


@pytest.mark.parametrize("value", ["", "false", "0"])
def test_other_ci_values_are_not_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert not in_ci()


def test_an_unlisted_program_names_itself_or_the_package_given(bin_dir: Path) -> None:
    with pytest.raises(pytest.skip.Exception, match="apt-get install frobnicate "):
        require_program("frobnicate")
    with pytest.raises(pytest.skip.Exception, match="apt-get install frob-tools "):
        require_program("frobnicate", "frob-tools")


def test_setup_installs_every_package_a_test_may_ask_for() -> None:
    setup = (Path(__file__).parent.parent / "scripts" / "setup.sh").read_text()
    match = re.search(r"^packages=\(([^)]*)\)", setup, re.MULTILINE)
    assert match is not None, "scripts/setup.sh lists its packages in packages=(...)"
    assert set(PACKAGES.values()) <= set(match[1].split())
