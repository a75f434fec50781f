"""The ``registry-core`` program as a user runs it: a separate process, against the real
registry over verified TLS, under the test host name.

The host name resolves to ``::1`` in the child through a ``sitecustomize.py`` in the test's
temp directory (:func:`tests.loopback_names.child_environment`), never through /etc/hosts.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.programs import registry_core_command
from tests.registry_fixtures import RegistryEnv


def test_tags_over_verified_tls_in_a_separate_process(
    token_registry: RegistryEnv, secure_hostname_child_env: dict[str, str], tmp_path: Path
) -> None:
    env = token_registry
    child_env = {k: v for k, v in secure_hostname_child_env.items()
                 if not k.lower().endswith("_proxy")}
    child_env.update(env.environ, HOME=str(tmp_path / "home"),
                     DOCKER_CONFIG=str(tmp_path / "docker"),
                     XDG_CONFIG_HOME=str(tmp_path / "config"))
    daemon_config = tmp_path / "daemon.json"
    daemon_config.write_text("{}")
    assert env.username is not None and env.password is not None
    result = subprocess.run(
        [*registry_core_command(), "tags", "--daemon-config", str(daemon_config),
         "-u", env.username, "--password-stdin", f"{env.host}/{env.repository}"],
        input=env.password + "\n", env=child_env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == sorted(env.tags)
    assert env.password not in result.stdout + result.stderr
    # It really went to the registry, by name, over TLS the certs.d CA verified.
    assert env.registry.count("GET", f"/v2/{env.repository}/tags/list", 200) == 1
