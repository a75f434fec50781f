"""A broken hosts.toml is told once per file and file state, not on every lookup."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from registry_core.hostsconfig import configure_hosts


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and "hosts.toml" in r.getMessage()]


def test_a_broken_hosts_toml_is_told_once_until_it_changes(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    hosts = tmp_path / "r.test" / "hosts.toml"
    hosts.parent.mkdir()
    hosts.write_text('server = "https://r.test"\n')  # no [host] tree: containerd ignores it
    for _ in range(3):
        assert [h.host for h in configure_hosts("r.test", tmp_path)] == ["r.test"]
    told = _warnings(caplog)
    assert len(told) == 1 and "invalid `host` tree" in told[0]

    hosts.write_text('server = "https://r.test:5000"\n')  # a new state of the file
    os.utime(hosts, ns=(1, 1))
    configure_hosts("r.test", tmp_path)
    configure_hosts("r.test", tmp_path)
    assert len(_warnings(caplog)) == 2

    other = tmp_path / "s.test" / "hosts.toml"  # another file is its own
    other.parent.mkdir()
    other.write_text('server = "https://s.test"\n')
    configure_hosts("s.test", tmp_path)
    assert len(_warnings(caplog)) == 3
