"""Every containerd hosts.toml vector, through :func:`registry_core.hostsconfig.configure_hosts`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from registry_core.hostsconfig import HostConfig, HostsConfigError, configure_hosts
from tests.conformance import INTEROP_DIR, load_cases

KEY_PAIR_PREFIX = "failed to load X509 key pair: "


def write_files(root: Path, files: dict[str, str]) -> None:
    """Lay out a vector's ``files`` under ``root`` (a path ending in ``/`` is a directory)."""
    for name, text in files.items():
        target = root / name
        if name.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def host_json(host: HostConfig) -> dict[str, Any]:
    return {
        "scheme": host.scheme,
        "host": host.host,
        "path": host.path,
        "capabilities": list(host.capabilities),
        "skip_verify": host.skip_verify,
        "header": host.header,
        "root_cas": host.root_cas,
        "client_certificates": host.client_certificates,
    }


def run_case(case: dict[str, Any], root: Path) -> dict[str, Any]:
    write_files(root, case["input"]["files"])
    cwd = os.getcwd()
    os.chdir(root)  # the vectors' paths are relative to the directory, as the oracle ran them
    try:
        hosts = configure_hosts(case["input"]["host"], ".")
    except HostsConfigError as exc:
        return {"error": str(exc)}
    finally:
        os.chdir(cwd)
    return {"output": [host_json(h) for h in hosts]}


def matches(got: dict[str, Any], case: dict[str, Any]) -> bool:
    if "error" not in case:
        return got == {"output": case["output"]}
    expected = case["error"]
    if KEY_PAIR_PREFIX in expected:  # Go's crypto/tls tail need not match (README, Matching)
        expected = expected[: expected.index(KEY_PAIR_PREFIX) + len(KEY_PAIR_PREFIX)]
        return str(got.get("error", "")).startswith(expected)
    return got == {"error": expected}


@pytest.mark.parametrize("case", load_cases("containerd_hosts", INTEROP_DIR))
def test_containerd_hosts_vector(case: dict[str, Any], tmp_path: Path) -> None:
    got = run_case(case, tmp_path)
    assert matches(got, case), (got, case.get("output", case.get("error")))
