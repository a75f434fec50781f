"""Every containers registries.conf vector, run through :mod:`registry_core.registriesconf`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from registry_core.errors import RegistryError
from registry_core.reference import parse_named
from registry_core.registriesconf import Registry, find_registry
from tests.conformance import INTEROP_DIR, load_cases
from tests.test_hostsconfig_vectors import write_files

TOML_PREFIX = "toml: "


def registry_json(registry: Registry) -> dict[str, Any]:
    return {
        "prefix": registry.prefix,
        "location": registry.location,
        "insecure": registry.insecure,
        "blocked": registry.blocked,
        "mirror_by_digest_only": registry.mirror_by_digest_only,
        "mirrors": [
            {"location": m.location, "insecure": m.insecure, "pull_from_mirror": m.pull_from_mirror}
            for m in registry.mirrors
        ],
    }


def answer(reference: str) -> dict[str, Any]:
    """The oracle's call sequence: ParseNamed, FindRegistry, PullSourcesFromReference."""
    try:
        named = parse_named(reference)
        registry = find_registry(reference, "registries.conf", "registries.conf.d")
        if registry is None:
            return {"output": {"registry": None}}
        sources = registry.pull_sources(named)
    except RegistryError as exc:
        return {"error": str(exc)}
    return {
        "output": {
            "registry": registry_json(registry),
            "pull_sources": [
                {"location": s.location, "insecure": s.insecure, "reference": str(s.reference)}
                for s in sources
            ],
        }
    }


def run_case(case: dict[str, Any], root: Path) -> dict[str, Any]:
    write_files(root, case["input"]["files"])
    cwd = os.getcwd()
    os.chdir(root)  # the vectors' paths are relative to the directory, as the oracle ran them
    try:
        return answer(case["input"]["reference"])
    finally:
        os.chdir(cwd)


def matches(got: dict[str, Any], case: dict[str, Any]) -> bool:
    if "error" not in case:
        return got == {"output": case["output"]}
    expected = case["error"]
    if TOML_PREFIX in expected:  # BurntSushi's wording after "toml: " need not match
        expected = expected[: expected.index(TOML_PREFIX) + len(TOML_PREFIX)]
        return str(got.get("error", "")).startswith(expected)
    return got == {"error": expected}


@pytest.mark.parametrize("case", load_cases("registries_conf", INTEROP_DIR))
def test_registries_conf_vector(case: dict[str, Any], tmp_path: Path) -> None:
    got = run_case(case, tmp_path)
    assert matches(got, case), (got, case.get("output", case.get("error")))
