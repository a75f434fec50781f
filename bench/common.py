"""What every scenario shares: rows of results, medians, alternated timing, the report.

A figure is never shown alone: each row holds our median, the baseline's median measured in
the same run (the two alternated round by round, so a machine that slows down mid-run slows
both), and their ratio. Rows that count things (pings, tokens, connections) hold counts the
same way. Nothing here fails because a figure is bad: targets are printed next to the
figures, marked met or missed, and the run still succeeds.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One line of the report.

    ``ratio`` is ``ours / baseline`` (for times: lower is better, 1.0 is "as fast as the
    baseline"; ``better`` says which way is good when it is not that). ``target`` is the
    ratio or value to reach, ``met`` whether it was reached (None: no target).
    """

    scenario: str
    name: str
    ours: float | None
    baseline_name: str = ""
    baseline: float | None = None
    unit: str = "ms"
    target: str = ""
    met: bool | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"  {format_row(row)}", flush=True)
        return row

    def skip(self, scenario: str, why: str) -> None:
        self.skipped.append((scenario, why))
        print(f"  [{scenario}] skipped: {why}", flush=True)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def alternate(
    contenders: Mapping[str, Callable[[], object]], rounds: int, *, warmup: int = 1
) -> dict[str, list[float]]:
    """Seconds per call of each contender, called in turn, ``rounds`` times each.

    The order rotates every round, so no contender always runs first (or right after a
    particular other one).
    """
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        order = names[number % len(names):] + names[: number % len(names)]
        for name in order:
            start = time.perf_counter()
            contenders[name]()
            seconds[name].append(time.perf_counter() - start)
    return seconds


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    registry = _version(["docker-registry", "--version"])
    go = _version(["go", "version"])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "docker_registry": registry,
        "go": go,
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
    }


def _version(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "absent"
    return (result.stdout or result.stderr).strip().splitlines()[0] if result.stdout or \
        result.stderr else "unknown"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "count":
        return f"{value:g}"
    if abs(value) >= 100:
        return f"{value:.0f} {unit}"
    if abs(value) >= 10:
        return f"{value:.1f} {unit}"
    return f"{value:.3g} {unit}"


def format_row(row: Row) -> str:
    ratio = row.ratio
    ratio_text = f"{ratio:.2f}x" if ratio is not None else "-"
    verdict = {True: "met", False: "MISSED", None: ""}[row.met]
    target = f"{row.target} {verdict}".strip()
    return (
        f"[{row.scenario}] {row.name}: {_number(row.ours, row.unit)}"
        f" vs {row.baseline_name or '-'} {_number(row.baseline, row.unit)}"
        f" = {ratio_text}" + (f"  target {target}" if target else "")
        + (f"  ({row.note})" if row.note else "")
    )


def table(report: Report) -> str:
    """The report as a plain-text table (also valid reStructuredText and Markdown-ish)."""
    header = ("scenario", "figure", "ours", "baseline", "ratio", "target")
    lines = []
    for row in report.rows:
        ratio = row.ratio
        lines.append((
            row.scenario,
            row.name,
            _number(row.ours, row.unit),
            f"{row.baseline_name}: {_number(row.baseline, row.unit)}" if row.baseline_name
            else "-",
            f"{ratio:.2f}x" if ratio is not None else "-",
            (f"{row.target} " + {True: "met", False: "MISSED", None: ""}[row.met]).strip()
            or "-",
        ))
    widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=True)]
    rule = "  ".join("=" * w for w in widths)
    out = [rule, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), rule]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
            for line in lines]
    out.append(rule)
    notes = [f"[{r.scenario}] {r.name}: {r.note}" for r in report.rows if r.note]
    notes += [f"[{scenario}] skipped: {why}" for scenario, why in report.skipped]
    if notes:
        out += ["", "Notes:", ""] + [f"- {note}" for note in notes]
    return "\n".join(out) + "\n"


def write(report: Report, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    info = machine()
    text = table(report)
    head = (
        f"registry-core benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{time.time() - report.started:.0f} s\n"
        f"machine: {info['cpu']}, {info['cores']} cores, {info['system']}, "
        f"Python {info['python']}, {info['docker_registry']}, {info['go']}, "
        f"load average at start {info['load_average_at_start']}\n\n"
    )
    text_path = directory / "bench.txt"
    text_path.write_text(head + text)
    json_path = directory / "bench.json"
    json_path.write_text(json.dumps({
        "machine": info,
        "seconds": round(time.time() - report.started, 1),
        "rows": [dict(dataclasses.asdict(r), ratio=r.ratio) for r in report.rows],
        "skipped": [{"scenario": s, "why": w} for s, w in report.skipped],
    }, indent=2) + "\n")
    return text_path, json_path
