"""Run the benchmarks: ``.venv/bin/python -m bench`` (``--help`` for the options).

Writes ``build/bench/bench.txt`` (the table) and ``build/bench/bench.json``. It measures and
never fails because a machine is slow: a missed target is printed as MISSED and the exit
status is still 0 (it is non-zero only when the benchmark itself breaks).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from pathlib import Path

from bench.common import ROOT, Report, write

MARKDOWN_HEAD = """# Performance

How registry-core's costs compare with bare `requests`, curl, python-dxf, oras-py and the Go
reference, measured by `bench/` (run it with `.venv/bin/python -m bench`). The method, the
targets and what the figures mean are in `performance.rst` (the page in the built docs); this
file holds the latest table, as `python -m bench --docs` wrote it.

```text
"""

SCENARIOS = {
    "reads": ("bench.sessions", "run_reads"),
    "sessions": ("bench.sessions", "run_sessions"),
    "others": ("bench.others", "run"),
    "blobs": ("bench.blobs", "run"),
    "copy": ("bench.copying", "run"),
    "parsing": ("bench.parsing", "run"),
    "startup": ("bench.startup", "run"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=list(SCENARIOS),
                        help="run only this scenario (repeatable)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer rounds: a smoke test of the benchmark, not figures")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench",
                        help="where bench.txt and bench.json go (default: build/bench)")
    parser.add_argument("--docs", action="store_true",
                        help="also copy the table into docs/performance-latest.txt and "
                        "docs/performance.md (for a run worth publishing)")
    args = parser.parse_args(argv)
    report = Report()
    broken = []
    for name in args.only or list(SCENARIOS):
        module_name, function = SCENARIOS[name]
        print(f"{name}:", flush=True)
        try:
            getattr(importlib.import_module(module_name), function)(report, args.quick)
        except Exception as exc:  # one broken scenario must not lose the others' figures
            traceback.print_exc()
            report.skip(name, f"the scenario broke: {type(exc).__name__}: {exc}")
            broken.append(name)
    text_path, json_path = write(report, args.out)
    print()
    print(text_path.read_text())
    print(f"written: {text_path}, {json_path}")
    if args.docs:
        publish(text_path.read_text())
    return 1 if broken else 0


def publish(text: str) -> None:
    """Put the table where the docs show it."""
    docs = ROOT / "docs"
    (docs / "performance-latest.txt").write_text(text)
    (docs / "performance.md").write_text(MARKDOWN_HEAD + text + "```\n")
    print(f"published: {docs / 'performance-latest.txt'}, {docs / 'performance.md'}")


if __name__ == "__main__":
    sys.exit(main())
