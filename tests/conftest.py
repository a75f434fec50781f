"""Shared test set-up. Fixture modules live beside this file and are listed here.

- :mod:`tests.system_guard`: no test changes ``/etc/hosts``, ``/etc/docker`` or ``~/.docker``.
- :mod:`tests.registry_fixtures`: the real ``docker-registry``, PKI, test host names.
- :mod:`tests.shared_fixtures`: the certificate authority and the services the tests share.

registry-core's own pytest plugin (:mod:`registry_core.testing`: ``registry_plugin_manager``,
``register_plugin``, ``hook_recorder``, ``registry_hooks``) is loaded through its ``pytest11``
entry point, as in a plugin author's suite.
"""

from __future__ import annotations

pytest_plugins = ["tests.system_guard", "tests.registry_fixtures", "tests.shared_fixtures"]
pytest_plugins += ["tests.canary"]  # secret canaries for every test (h-hostile, issue 14)
pytest_plugins += ["tests.example_packages"]  # one venv for the example packages (issue 8)
