"""The extra interop cases recorded from the oracle (``tests/vectors/interop_extra``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import test_hostsconfig_vectors as hosts
from tests import test_registriesconf_vectors as registries
from tests.conformance import VECTORS_DIR, load_cases

EXTRA_DIR = VECTORS_DIR / "interop_extra"


@pytest.mark.parametrize("case", load_cases("containerd_hosts", EXTRA_DIR))
def test_containerd_hosts_extra(case: dict[str, Any], tmp_path: Path) -> None:
    got = hosts.run_case(case, tmp_path)
    assert hosts.matches(got, case), (got, case.get("output", case.get("error")))


@pytest.mark.parametrize("case", load_cases("registries_conf", EXTRA_DIR))
def test_registries_conf_extra(case: dict[str, Any], tmp_path: Path) -> None:
    got = registries.run_case(case, tmp_path)
    assert registries.matches(got, case), (got, case.get("output", case.get("error")))
