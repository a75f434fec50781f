"""The suite-wide isolation (``tests/conftest.py``): a test never sees the credentials,
registries.conf or hosts.toml of the developer or machine running the suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from registry_core.manager import Hooks, get_plugin_manager
from registry_core.service import DefaultService
from tests.credential_env import CredentialEnv, b64, write_json

pytest_plugins = ["pytester"]

REGISTRY = "r.example:5000"
REPOSITORY = f"{REGISTRY}/team/app"
MIRROR = "https://developer-mirror.example"
REPO_ROOT = Path(__file__).resolve().parent.parent

INNER_TEST = f"""
import os
from registry_core.manager import Hooks, get_plugin_manager
from registry_core.service import DefaultService

def test_sees_nothing_of_the_developer():
    assert os.environ["HOME"] != os.environ["DEVELOPER_HOME"]
    hooks = Hooks(get_plugin_manager())
    assert hooks.credentials({REGISTRY!r}) is None
    assert hooks.credentials({REGISTRY!r}, {REPOSITORY!r}) is None
    service = DefaultService(lookup_ip=lambda host: [])  # no DNS: the names are made up
    urls = [e.url for e in service.lookup_pull_endpoints({REGISTRY!r})]
    assert {MIRROR!r} not in urls
"""


def developer_home(root: Path) -> Path:
    """A home directory as a developer's: a ``docker login``, a ``podman login`` and a
    registries.conf mirror for the registry the tests use."""
    home = root / "developer-home"
    entry = {"auths": {REGISTRY: {"auth": b64("developer:developer-pw")}}}
    write_json(home / ".docker" / "config.json", entry)
    write_json(home / ".config" / "containers" / "auth.json", entry)
    (home / ".config" / "containers" / "registries.conf").write_text(
        f'[[registry]]\nlocation = "{REGISTRY}"\n'
        f'[[registry.mirror]]\nlocation = "{MIRROR.removeprefix("https://")}"\n'
    )
    return home


def test_the_developers_own_files_are_not_seen(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    isolated_credentials: CredentialEnv,
) -> None:
    home = developer_home(tmp_path)
    # The suite as a developer would run it: their HOME, no variables of the tests' own.
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DEVELOPER_HOME", str(home))
    for name in ("DOCKER_CONFIG", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "REGISTRY_AUTH_FILE",
                 "CONTAINERS_REGISTRIES_CONF", "REGISTRY_CORE_HOSTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    # Without the isolation the library reads them: the inner test below could fail.
    seen = Hooks(get_plugin_manager()).credentials(REGISTRY)
    assert seen is not None and seen.username == "developer"
    service = DefaultService(lookup_ip=lambda host: [])  # no DNS: the names are made up
    assert MIRROR in [e.url for e in service.lookup_pull_endpoints(REGISTRY)]

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    pytester.makeconftest('pytest_plugins = ["tests.conftest"]')
    pytester.makepyfile(test_inner=INNER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
