"""The core's own sender is no plugin: blocking plugins never leaves the send wrappers (the
default retry wrapper among them) without a response, and a blocked built-in is never imported."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import Any

import pytest
import requests

from registry_core.client import list_tags
from registry_core.hookspecs import hookimpl
from registry_core.manager import DEFAULT_PLUGINS, DISABLE_PLUGINS_ENV, get_plugin_manager
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.transport import http_client
from tests.recording_plugins import Teapot
from tests.registry_fixtures import RegistryEnv

pytest_plugins = ["tests.registry_fixtures"]


class Wrapper:
    """A send wrapper that records what it got back from the layers inside it."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    @hookimpl(wrapper=True)
    def registry_send_request(self, request, send):
        response = yield
        self.got.append(response)
        return response


def _tags(env: RegistryEnv, service: DefaultService) -> list[str]:
    info = service.resolve_repository(parse_normalized_named(f"{env.host}/{env.repository}"))
    with service.session(info) as session:
        return list_tags(session, info)


def test_blocking_the_old_transport_plugin_with_the_default_plugins_still_sends(
    plain_registry: RegistryEnv, caplog: pytest.LogCaptureFixture
) -> None:
    # The docs allowed blocking "registry_core.transport"; with the retry wrapper loaded
    # every request then failed with AttributeError on None.
    env = plain_registry
    with caplog.at_level(logging.WARNING, logger="registry_core.manager"):
        pm = get_plugin_manager(block=["registry_core.transport"], load_entrypoints=False)
    assert "cannot block" not in caplog.text  # a known, retired name: no misspelling warning
    assert pm.get_plugin("registry_core_plugins.retry") is not None
    assert sorted(_tags(env, DefaultService(plugin_manager=pm))) == ["1.0", "2.0"]


def test_wrappers_get_a_response_whatever_is_blocked(plain_registry: RegistryEnv) -> None:
    env = plain_registry
    wrapper = Wrapper()
    # Everything but the endpoint policy, without which there is nowhere to send to.
    blocked = [*DEFAULT_PLUGINS, "registry_core.transport"]
    blocked.remove("registry_core_plugins.host_endpoints")
    pm = get_plugin_manager(
        plugins=[*DEFAULT_PLUGINS, wrapper], block=blocked, load_entrypoints=False
    )
    assert [name for name, plugin in pm.list_name_plugin() if plugin is not None] == [
        "registry_core_plugins.host_endpoints", pm.get_canonical_name(wrapper)
    ]
    assert sorted(_tags(env, DefaultService(plugin_manager=pm))) == ["1.0", "2.0"]
    assert wrapper.got  # the ping and the tags request
    assert all(isinstance(response, requests.Response) for response in wrapper.got)
    assert [response.status_code for response in wrapper.got][-1] == 200


def test_a_plugin_that_answers_itself_still_goes_before_the_core(
    plain_registry: RegistryEnv,
) -> None:
    env = plain_registry

    wrapper = Wrapper()
    pm = get_plugin_manager(plugins=[*DEFAULT_PLUGINS, Teapot(), wrapper], load_entrypoints=False)
    before = len(env.registry.access_log())
    session = http_client(plugin_hooks=DefaultService(plugin_manager=pm).hooks)
    assert session.get(f"{env.url}/v2/").status_code == 418
    assert [r.status_code for r in wrapper.got] == [418]
    assert len(env.registry.access_log()) == before  # the core sent nothing


def _imported_after_building(block: list[str], environ: dict[str, str]) -> dict[str, bool]:
    """Which built-in plugin modules a fresh interpreter has imported once it has built a
    plugin manager with ``block``."""
    script = (
        "import json, sys\n"
        "from registry_core.manager import DEFAULT_PLUGINS, get_plugin_manager\n"
        f"get_plugin_manager(block={block!r}, load_entrypoints=False)\n"
        "print(json.dumps({name: name in sys.modules for name in DEFAULT_PLUGINS}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env={**os.environ, **environ},
    )
    answer: dict[str, bool] = json.loads(result.stdout)
    return answer


@pytest.mark.parametrize("name", DEFAULT_PLUGINS)
def test_a_blocked_built_in_is_never_imported(name: str) -> None:
    by_argument = _imported_after_building([name], {DISABLE_PLUGINS_ENV: ""})
    assert by_argument == {other: other != name for other in DEFAULT_PLUGINS}
    by_environment = _imported_after_building([], {DISABLE_PLUGINS_ENV: f" {name} ,other"})
    assert by_environment == by_argument
