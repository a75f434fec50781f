"""The example credential backend (examples/registry-core-example-credentials), installed with
pip into a fresh virtual environment and found by its entry point; used by the venv's own
``registry-core`` command against the real registry.

pip runs offline (:mod:`tests.offline_venv`): no index, no cache; it takes some seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import offline_venv

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "registry-core-example-credentials"
NAME = "registry_core_example_credentials"
IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.egg-info", "build", "dist", "_build", ".*_cache", ".git", ".venv"
)


@pytest.fixture
def installed(tmp_path) -> Path:
    """A venv with registry-core and the example installed from copies (pip builds in
    place); returns its bin directory."""
    source = Path(shutil.copytree(ROOT, tmp_path / "registry-core", ignore=IGNORE))
    example = Path(shutil.copytree(EXAMPLE, tmp_path / EXAMPLE.name, ignore=IGNORE))
    env_dir = tmp_path / "venv"
    offline_venv.create(env_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "REGISTRY_CORE_"))}
    install = offline_venv.pip_install(env_dir / "bin" / "python", [str(source), str(example)],
                                       env=env, cwd=tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    return env_dir / "bin"


def test_secret_files_backend_installed_with_pip(installed, htpasswd_registry, tmp_path):
    registry, user, password = htpasswd_registry
    secrets_dir = tmp_path / "secrets"
    (secrets_dir / registry.host).mkdir(parents=True)
    (secrets_dir / registry.host / "username").write_text(user + "\n")
    (secrets_dir / registry.host / "password").write_text(password + "\n")
    daemon = tmp_path / "daemon.json"
    daemon.write_text("{}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "REGISTRY_CORE_"))}
    env["REGISTRY_CORE_SECRETS_DIR"] = str(secrets_dir)

    def registry_core(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(installed / "registry-core"), *argv, "--daemon-config", str(daemon)],
            env=env, capture_output=True, text=True, timeout=120,
        )

    plugins = registry_core("plugins", "--json")
    assert plugins.returncode == 0, plugins.stderr
    [info] = [p for p in json.loads(plugins.stdout) if p["name"] == NAME]
    assert info == {"name": NAME, "version": "0.1.0", "hooks": ["registry_credentials"],
                    "source": "entrypoint"}

    name = f"{registry.host}/team/app"
    tags = registry_core("tags", name)
    assert tags.returncode == 0, tags.stderr
    assert sorted(tags.stdout.split()) == ["1.0", "2.0"]

    explain = registry_core("resolve", "--explain", "--json", name)
    assert explain.returncode == 0, explain.stderr
    steps = json.loads(explain.stdout)["credentials"]
    assert steps[-1]["plugin"] == NAME and steps[-1]["answered"] is True
    assert steps[-1]["path"] == str(secrets_dir / registry.host)
    assert password not in explain.stdout

    login = registry_core("login", "--json", registry.host)
    assert login.returncode == 0, login.stderr
    assert json.loads(login.stdout)["stored"] is None  # nothing copied out of the secrets

    env["REGISTRY_CORE_DISABLE_PLUGINS"] = NAME
    blocked = registry_core("tags", name)
    assert blocked.returncode == 1 and "no basic auth credentials" in blocked.stderr
