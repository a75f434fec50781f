"""The plugin documentation: every hook documented in its template and in docs/hooks.rst,
every file the guide includes present, and the two pages building without a warning."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import registry_core.testing as testing_module
from registry_core.hookspecs import PROJECT_NAME, RegistrySpecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOOKS_RST = DOCS / "hooks.rst"
PLUGINS_RST = DOCS / "plugins.rst"
EXAMPLE = ROOT / "examples" / "registry-core-example-plugin"

HOOKS = sorted(
    name for name, member in vars(RegistrySpecs).items() if hasattr(member, f"{PROJECT_NAME}_spec")
)


def test_there_are_hooks_to_check() -> None:
    assert "registry_credentials" in HOOKS and len(HOOKS) >= 7


@pytest.mark.parametrize("name", HOOKS)
def test_hook_docstring_follows_the_template(name: str) -> None:
    function = getattr(RegistrySpecs, name)
    doc = inspect.getdoc(function) or ""
    assert doc, f"{name} has no docstring"
    summary = doc.splitlines()[0]
    assert summary.endswith("."), f"{name}: the first line is a one-sentence summary"
    text = " ".join(doc.split())  # phrases may wrap
    assert "``None``" in text, f"{name}: say what None means"
    opts = getattr(function, f"{PROJECT_NAME}_spec")
    if opts["firstresult"]:
        assert "Stops at first non-None result." in text, name
    else:
        assert "All implementations are called" in text, name
    for parameter in inspect.signature(function).parameters:
        if parameter != "self":
            assert f":param {parameter}:" in doc, f"{name}: document {parameter!r}"
    assert "Example::" in doc, f"{name}: give an example"
    assert re.search(r"^\.\. versionadded:: \d+\.\d+$", doc, re.MULTILINE), name


def test_every_hook_is_in_the_hook_reference() -> None:
    documented = re.findall(
        r"^\.\. automethod:: registry_core\.hookspecs\.RegistrySpecs\.(\w+)$",
        HOOKS_RST.read_text(),
        re.MULTILINE,
    )
    assert sorted(documented) == HOOKS  # no hook missing, none documented twice or stale


def test_every_fixture_is_documented_in_the_guide() -> None:
    fixtures = [name for name in testing_module.__all__ if name.islower()]  # not the classes
    text = PLUGINS_RST.read_text()
    assert {"registry_plugin_manager", "register_plugin", "hook_recorder"} <= set(fixtures)
    for name in fixtures:
        assert re.search(rf"^``{name}``$", text, re.MULTILINE), f"document fixture {name}"


def test_files_the_guide_includes_exist() -> None:
    included = re.findall(r"^\.\. literalinclude:: (\S+)$", PLUGINS_RST.read_text(), re.MULTILINE)
    paths = {(DOCS / path).resolve() for path in included}
    assert {
        EXAMPLE / "pyproject.toml",
        EXAMPLE / "src" / "registry_core_example_plugin" / "plugin.py",
        EXAMPLE / "tests" / "test_plugin.py",
    } <= paths
    for path in paths:
        assert path.is_file(), path
    assert (EXAMPLE / "README.md").is_file()


def test_the_guide_shows_the_entry_point_the_package_declares() -> None:
    pyproject = (EXAMPLE / "pyproject.toml").read_text()
    assert "[project.entry-points.registry_core]" in pyproject
    assert 'registry_core_example_plugin = "registry_core_example_plugin.plugin"' in pyproject
    assert "registry_core_example_plugin 0.1.0 (entrypoint)" in PLUGINS_RST.read_text()


def test_the_plugin_pages_build_without_warnings(tmp_path: Path) -> None:
    """Sphinx with ``-W`` on these two pages alone, so that a broken include or a docstring
    that is not valid reStructuredText fails here, whatever state the other pages are in."""
    source = tmp_path / "docs"
    source.mkdir()
    for page in ("conf.py", "hooks.rst", "plugins.rst"):
        shutil.copy2(DOCS / page, source / page)
    (source / "index.rst").write_text("Plugins\n=======\n\n.. toctree::\n\n   plugins\n   hooks\n")
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # literalinclude's ../examples
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
        + [str(source), str(tmp_path / "html")],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    hooks_html = (tmp_path / "html" / "hooks.html").read_text()
    for name in HOOKS:
        assert f'id="registry_core.hookspecs.RegistrySpecs.{name}"' in hooks_html
