"""A closed output pipe ends the command quietly, as in other Unix tools: no traceback, exit
status 141 (what a shell reports for a process that ``SIGPIPE`` ended)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry_core.cli import EXIT_CLOSED_PIPE

pytest_plugins = ["tests.credential_env"]
pytestmark = pytest.mark.usefixtures("isolated_credentials")


def command() -> list[str]:
    script = Path(sys.executable).parent / "registry-core"
    return [str(script)] if script.exists() else [sys.executable, "-m", "registry_core"]


@pytest.fixture
def daemon_config(tmp_path) -> str:
    path = tmp_path / "daemon.json"
    path.write_text("{}")
    return str(path)


def run_into_closed_pipe(*argv: str) -> tuple[int, str]:
    """Run with stdout a pipe whose reader is gone before anything is written, as after
    ``| head -1`` has exited."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = subprocess.run(
            [*command(), *argv], stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    return process.returncode, process.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["plugins"],
        ["plugins", "--json"],
        ["resolve", "--json", "localhost:5000/team/app"],
        ["resolve", "--explain", "ubuntu"],
    ],
)
def test_a_closed_pipe_ends_quietly(argv, daemon_config):
    code, err = run_into_closed_pipe(*argv, "--daemon-config", daemon_config)
    assert err == ""
    assert code == EXIT_CLOSED_PIPE


def test_tags_into_a_closed_pipe(plain_registry, daemon_config):
    name = f"{plain_registry.host}/{plain_registry.repository}"
    code, err = run_into_closed_pipe("tags", "--daemon-config", daemon_config, name)
    assert err == ""
    assert code == EXIT_CLOSED_PIPE


def test_head_in_a_shell_pipeline(plain_registry, daemon_config):
    name = f"{plain_registry.host}/{plain_registry.repository}"
    shell = " ".join(command()) + f" tags --daemon-config {daemon_config} {name} | head -1"
    process = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=60
    )
    assert process.stderr == ""
    assert process.stdout.strip() in plain_registry.tags
    # Whether the command wrote before head exited is a race: both ends are quiet.
    assert process.returncode in (0, EXIT_CLOSED_PIPE)
