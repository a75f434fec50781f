"""The example plugin package (examples/registry-core-example-plugin), as a user gets it.

One test runs the package's own test suite with registry-core's pytest fixtures. The other
installs registry-core and the package with pip into a fresh virtual environment, shared with
the example auth package (tests/example_packages.py; no system site-packages, nothing from
this checkout on ``sys.path``), and checks there that the entry
point is found, the plugin is listed with its version, and its credentials reach a loopback
server that requires them. pip runs offline (:mod:`tests.offline_venv`): no index, no cache;
it takes some seconds.
"""

from __future__ import annotations

import base64
import json
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.example_packages import PLUGIN, ExamplesVenv, copy_example
from tests.http_stub import Answer, Seen, StubServer

pytest_plugins = ["pytester"]

USER, PASSWORD = "ci", "s3cret-example"


def test_example_plugin_tests_pass_with_registry_core_fixtures(pytester, monkeypatch):
    example = copy_example(PLUGIN, pytester.path)
    monkeypatch.syspath_prepend(str(example / "src"))
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    result = pytester.runpytest(str(example / "tests"), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def basic_auth_route(seen: Seen) -> Answer:
    """200 to requests with the expected basic auth, 401 to the others."""
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    if seen.authorization == expected:
        return Answer(200)
    return Answer(401, [("WWW-Authenticate", 'Basic realm="example"')])


@pytest.fixture
def basic_auth_server() -> Iterator[StubServer]:
    with StubServer(basic_auth_route) as server:
        yield server


# Runs inside the virtual environment: the default plugin manager, as any program builds it.
SCRIPT = textwrap.dedent(
    """
    import dataclasses, json, sys
    from importlib import metadata

    import requests

    import registry_core
    from registry_core.credentials import HookCredentialStore
    from registry_core.manager import Hooks, get_plugin_manager, list_plugins

    registry = sys.argv[1]
    url = f"http://{registry}/v2/"
    pm = get_plugin_manager()
    hooks = Hooks(pm)
    username, password = HookCredentialStore(hooks, registry).basic(url)

    session = requests.Session()
    session.trust_env = False  # no proxy between us and the loopback server
    session.auth = (username, password)
    request = session.prepare_request(requests.Request("GET", url))
    for modifier in hooks.request_modifiers(registry):
        modifier.modify_request(request)
    response = session.send(request, timeout=30)

    print(json.dumps({
        "registry_core": registry_core.__file__,
        "plugins": [dataclasses.asdict(info) for info in list_plugins(pm)],
        "pytest11": [ep.value for ep in metadata.entry_points(group="pytest11")],
        "username": username,
        "status": response.status_code,
    }))
    """
)


def test_example_plugin_installed_in_a_fresh_virtualenv(
    tmp_path, basic_auth_server, examples_venv: ExamplesVenv
):
    registry = basic_auth_server.host
    python, env_dir = examples_venv.python, examples_venv.root
    env = dict(examples_venv.env)

    script = tmp_path / "use_plugin.py"
    script.write_text(SCRIPT)
    env.update(
        EXAMPLE_REGISTRY=registry, EXAMPLE_REGISTRY_USER=USER, EXAMPLE_REGISTRY_PASSWORD=PASSWORD
    )
    run = subprocess.run(
        [str(python), str(script), registry], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert PASSWORD not in run.stdout + run.stderr
    report = json.loads(run.stdout)

    # registry-core came from the venv, not from this checkout.
    assert Path(report["registry_core"]).is_relative_to(env_dir)
    assert "registry_core.testing" in report["pytest11"]
    plugins = {info["name"]: info for info in report["plugins"]}
    assert plugins["registry_core_example_plugin"] == {
        "name": "registry_core_example_plugin",
        "version": "0.1.0",
        "hooks": ["registry_credentials", "registry_request_modifiers"],
        "source": "entrypoint",
        "distribution": "registry-core-example-plugin",
    }
    assert plugins["registry_core_plugins.certsd"]["source"] == "builtin"
    assert plugins["registry_core_plugins.certsd"]["version"] == "0.1.0"

    # The credentials the plugin gave were the ones the server accepted.
    assert report["username"] == USER
    assert report["status"] == 200
    [seen] = basic_auth_server.seen
    assert seen.header("X-Example-Plugin") == "1"
