"""The console examples of the docs, run as written against a real registry.

Every ``.. code-block:: console`` block of the pages in :data:`PAGES` is a session: lines
starting with ``$ `` are commands (run by bash, one after the other, in one sandbox per
page), the lines after each are its expected output. Lines are compared with white space
collapsed; ``...`` in an expected line matches any text. The registry the docs call
``localhost:5000`` is a real one started for the page (user ``alice``, password ``s3cret``,
serving ``team/app:1.0`` and ``:2.0``); its real address is written back as
``localhost:5000`` in the output before comparing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loopback_names import child_environment
from tests.programs import require_program
from tests.registry_fixtures import _storage_copy, start_registry

pytest_plugins = ["tests.credential_env"]

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ["cli.rst"]
DOC_HOST = "localhost:5000"
PASSWORD = "s3cret"


def sessions(page: Path) -> list[list[tuple[str, list[str]]]]:
    """The console blocks of ``page``: each a list of (command, expected output lines)."""
    lines = page.read_text().splitlines()
    blocks: list[list[tuple[str, list[str]]]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != ".. code-block:: console":
            i += 1
            continue
        i += 1
        body: list[str] = []
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
            body.append(lines[i])
            i += 1
        indent = min(len(x) - len(x.lstrip()) for x in body if x.strip())
        block: list[tuple[str, list[str]]] = []
        for raw in body:
            text = raw[indent:]
            if text.startswith("$ "):
                block.append((text[2:], []))
            elif block and text.strip():
                block[-1][1].append(text)
        blocks.append(block)
    return blocks


def matches(expected: str, actual: str) -> bool:
    want, got = " ".join(expected.split()), " ".join(actual.split())
    pattern = ".*".join(re.escape(part) for part in want.split("..."))
    return re.fullmatch(pattern, got) is not None


@pytest.mark.parametrize("page", PAGES)
def test_console_examples(page, tmp_path, isolated_credentials, _seeded_storage, monkeypatch):
    require_program("docker-registry")
    blocks = sessions(DOCS / page)
    assert blocks, f"{page} has no console examples"
    storage = _storage_copy(_seeded_storage, tmp_path)
    daemon = tmp_path / "daemon.json"
    daemon.write_text("{}")
    work = tmp_path / "work"
    work.mkdir()
    with start_registry(tmp_path, htpasswd={"alice": PASSWORD}, storage_dir=storage) as registry:
        env = dict(os.environ)
        env.pop("DOCKER_CONFIG")  # the docs show the default, ~/.docker
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
            PASSWORD=PASSWORD,
            REGISTRY_CORE_DAEMON_CONFIG=str(daemon),
            REGISTRY_CORE_CERTS_DIR=str(tmp_path / "certs.d"),
        )
        env = {k: v for k, v in env.items() if not k.startswith("REGISTRY_CORE_DISABLE")}
        # The docs' example host names resolve to ::1 (secure, as a name that does not
        # resolve) in the commands, so no example sends a DNS query off the host.
        env = child_environment(tmp_path / "names", {"registry.example.com": "::1"}, env)
        for block in blocks:
            for command, expected in block:
                real = command.replace(DOC_HOST, registry.host)
                done = subprocess.run(
                    ["bash", "-c", real + " 2>&1"], env=env, cwd=work, capture_output=True,
                    text=True, timeout=120,
                )
                output = done.stdout.replace(registry.host, DOC_HOST).splitlines()
                assert len(output) == len(expected) and all(
                    matches(want, got) for want, got in zip(expected, output, strict=True)
                ), f"$ {command}\nexpected:\n" + "\n".join(expected) + "\ngot:\n" + done.stdout
