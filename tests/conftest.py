"""Shared test set-up. Fixture modules live beside this file and are listed here.

- :mod:`tests.system_guard`: no test changes ``/etc/hosts``, ``/etc/docker`` or ``~/.docker``.
- :mod:`tests.registry_fixtures`: the real ``docker-registry``, PKI, test host names.
- :mod:`tests.shared_fixtures`: the certificate authority and the services the tests share.
- :mod:`tests.credential_env`: ``isolated_credentials`` and the credential helpers' fixtures;
  :func:`_no_user_configuration` below applies it to every test.

registry-core's own pytest plugin (:mod:`registry_core.testing`: ``registry_plugin_manager``,
``register_plugin``, ``hook_recorder``, ``registry_hooks``) is loaded through its ``pytest11``
entry point, as in a plugin author's suite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported by pytest_plugins below, after assertion rewriting is set up
    from tests.credential_env import CredentialEnv

pytest_plugins = ["tests.system_guard", "tests.registry_fixtures", "tests.shared_fixtures"]
pytest_plugins += ["tests.canary"]  # secret canaries for every test (h-hostile, issue 14)
pytest_plugins += ["tests.example_packages"]  # one venv for the example packages (issue 8)
pytest_plugins += ["tests.credential_env"]


@pytest.fixture(autouse=True)
def _no_user_configuration(
    isolated_credentials: CredentialEnv, monkeypatch: pytest.MonkeyPatch
) -> CredentialEnv:
    """No test reads the configuration of the machine or of the developer running it.

    ``HOME``, ``DOCKER_CONFIG``, ``XDG_RUNTIME_DIR`` and ``XDG_CONFIG_HOME`` point into the
    test's own temp directory (``isolated_credentials``), and ``REGISTRY_AUTH_FILE`` is unset,
    so the containers tools' auth.json chain is in that directory too. (Not set to a file
    there: ``docker-registry`` reads every ``REGISTRY_*`` variable as a configuration
    override, and ``REGISTRY_AUTH_FILE`` would become its ``auth.file`` and stop it from
    starting.) hosts.toml is off
    (``REGISTRY_CORE_HOSTS_DIR=""``), registries.conf is an empty file and the system's
    drop-in directory an empty one: a ``/etc/containers/registries.conf`` or
    ``/etc/containerd/certs.d`` on the machine changes no test's endpoints. A test that wants
    its own sets the variable again (``monkeypatch.setenv``), which wins, as this fixture
    runs first; child processes inherit the same environment.
    """
    root = isolated_credentials.home.parent
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    monkeypatch.setenv("REGISTRY_CORE_HOSTS_DIR", "")
    empty_conf = root / "registries.conf"
    empty_conf.write_text("")
    monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", str(empty_conf))
    empty_dir = root / "registries.conf.d"
    empty_dir.mkdir()
    # The plugin reads the system drop-ins even beside $CONTAINERS_REGISTRIES_CONF, as
    # containers/image does; the machine's are not the test's.
    monkeypatch.setattr(
        "registry_core_plugins.registries_conf.SYSTEM_REGISTRIES_CONF_DIR", str(empty_dir)
    )
    return isolated_credentials
