"""What the command line loads: building its parser loads no HTTP or certificate machinery,
and ``registry-core resolve`` (which sends nothing) never loads requests.

Counted in modules, never in time (the time is the benchmark's: ``python -m bench --only
startup``).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_startup import loaded_after

#: What a command that sends nothing must not load: requests and what it brings, the
#: certificate parser, and the library's sending side.
SENDING = (
    "requests", "urllib3", "http.client", "cryptography", "registry_core.transport",
    "registry_core.login", "registry_core.content", "registry_core.client",
)


def _sending(loaded: set[str]) -> set[str]:
    return {name for name in loaded if any(name == s or name.startswith(s + ".")
                                           for s in SENDING)}


def test_building_the_parser_loads_no_command_machinery(tmp_path: Path) -> None:
    loaded = loaded_after("from registry_core.cli import build_parser\nbuild_parser()",
                          tmp_path)
    assert _sending(loaded) == set()
    # Nor the service, its plugin manager or the entry points: only what runs a command
    # loads those.
    assert not {"registry_core.service", "registry_core.manager",
                "importlib.metadata"} & loaded
    assert "registry_core.cli.content" in loaded  # every command module was asked


def test_resolve_loads_no_http_machinery_and_still_answers(tmp_path: Path) -> None:
    loaded = loaded_after(
        "import contextlib, io\n"
        "from registry_core.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    status = main(['resolve', '--json', 'ubuntu'])\n"
        "assert status == 0, status\n"
        f"open({str(tmp_path / 'answer.json')!r}, 'w').write(out.getvalue())\n",
        tmp_path,
    )
    answer = json.loads((tmp_path / "answer.json").read_text())
    assert answer["name"] == "docker.io/library/ubuntu"
    assert answer["pull_endpoints"][0]["url"] == "https://registry-1.docker.io"
    assert _sending(loaded) == set()
    assert "registry_core.service" in loaded  # it did run the command


def test_registering_the_built_in_plugins_loads_no_http_machinery(tmp_path: Path) -> None:
    loaded = loaded_after(
        "from registry_core.manager import get_plugin_manager\n"
        "pm = get_plugin_manager(load_entrypoints=False)\n"
        "assert pm.get_plugin('registry_core_plugins.v1_token_auth') is not None\n",
        tmp_path,
    )
    assert _sending(loaded) == set()


def test_the_v1_plugin_still_offers_its_transport_by_its_old_names() -> None:
    from registry_core_plugins import v1_auth_transport, v1_token_auth

    assert v1_token_auth.AuthTransport is v1_auth_transport.AuthTransport
    assert v1_token_auth.auth_transport is v1_auth_transport.auth_transport
    assert v1_token_auth.trusted_location is v1_auth_transport.trusted_location
    transport = v1_token_auth.registry_v1_auth_transport(None, None, False)
    assert isinstance(transport, v1_auth_transport.AuthTransport)
