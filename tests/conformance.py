"""Loading the conformance vectors kept under ``tests/vectors/`` (see its ``SOURCE.md``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTORS_DIR = Path(__file__).resolve().parent / "vectors"
#: Vectors recorded from the Go reference (moby's registry and distribution's reference packages).
REFERENCE_DIR = VECTORS_DIR / "reference"
#: Vectors recorded from containerd's hosts.toml and containers/image's registries.conf code.
INTEROP_DIR = VECTORS_DIR / "interop"


def load_cases(name: str, directory: Path = REFERENCE_DIR) -> list[Any]:
    """Every case of ``<directory>/<name>.jsonl`` as a pytest param, with the line number as its id.

    A missing vector file is an error, not a skip: the suite must run every vector.
    """
    path = directory / f"{name}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"conformance vectors not found: {path}")
    cases = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                cases.append(pytest.param(json.loads(line), id=f"{name}:{number}"))
    return cases
