"""Loading the reference's conformance vectors from ``../shared/conformance``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE_DIR = Path(
    os.environ.get("REGISTRY_CORE_CONFORMANCE_DIR", REPO_ROOT.parent / "shared" / "conformance")
)


def load_cases(name: str) -> list[Any]:
    """Every case of ``<name>.jsonl`` as a pytest param, with the line number as its id.

    A missing vector file is an error, not a skip: the suite must run every vector.
    """
    path = CONFORMANCE_DIR / f"{name}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"conformance vectors not found: {path}")
    cases = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                cases.append(pytest.param(json.loads(line), id=f"{name}:{number}"))
    return cases
