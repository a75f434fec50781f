"""Scenario 6: start-up. Import and CLI wall time against ``import requests``, median of 20.

Each run is a fresh interpreter. Bytecode is written to a private cache first (this machine
sets ``PYTHONDONTWRITEBYTECODE``, and an installed package has its ``.pyc`` files), so the
figures are what an installed registry-core costs, not a compile from source.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Report, Row, median

RUNS = 20


def _env(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _wall(command: list[str], env: dict[str, str], cpu: list[float] | None = None) -> float:
    """Wall seconds of one run; its CPU seconds (user + system) go to ``cpu``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def _modules(code: str, env: dict[str, str]) -> int:
    result = subprocess.run(
        [sys.executable, "-c", code + "; import sys; print(len(sys.modules))"],
        env=env, check=True, capture_output=True, text=True,
    )
    return int(result.stdout.split()[-1])


def run(report: Report, quick: bool = False) -> None:
    runs = 5 if quick else RUNS
    cli = str(Path(sys.executable).with_name("registry-core"))
    with tempfile.TemporaryDirectory(prefix="registry-core-bench-pyc-") as cache:
        env = _env(cache)
        env["REGISTRY_CORE_CERTS_DIR"] = cache  # an empty certs.d: read nothing of the host's
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import requests": [sys.executable, "-c", "import requests"],
            "import registry_core": [sys.executable, "-c", "import registry_core"],
            "import registry_core.service": [
                sys.executable, "-c", "import registry_core.service"],
            "registry-core resolve ubuntu": [cli, "resolve", "ubuntu"],
        }
        for command in commands.values():  # warm the bytecode cache and the page cache
            for _ in range(2):
                _wall(command, env)
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        for number in range(runs):
            shift = number % len(names)
            for name in names[shift:] + names[:shift]:
                seconds[name].append(_wall(commands[name], env, cpu[name]))
        ms = {name: median(values) * 1000 for name, values in seconds.items()}
        cpu_ms = {name: median(values) * 1000 for name, values in cpu.items()}
        modules = {
            "import requests": _modules("import requests", env),
            "import registry_core": _modules("import registry_core", env),
            "import registry_core.service": _modules("import registry_core.service", env),
        }
    base = ms["import requests"]
    for name in ("import registry_core", "import registry_core.service"):
        ratio = ms[name] / base
        report.add(Row(
            "6 start-up", f"{name} (wall, median of {runs})", ms[name],
            "import requests", base,
            target="<= 1.2x" if name == "import registry_core" else "",
            met=ratio <= 1.2 if name == "import registry_core" else None,
            details={"modules": modules[name], "baseline_modules": modules["import requests"]},
            note=f"{modules[name]} modules loaded, requests: {modules['import requests']}",
        ))
    resolve = ms["registry-core resolve ubuntu"]
    report.add(Row(
        "6 start-up", f"registry-core resolve ubuntu (wall, median of {runs})", resolve,
        "import requests", base, target="< 150 ms", met=resolve < 150,
    ))
    report.add(Row(
        "6 start-up", "registry-core resolve ubuntu (CPU user+system, median)",
        cpu_ms["registry-core resolve ubuntu"], "import requests", cpu_ms["import requests"],
        note="CPU time is what a loaded machine does not inflate much; the target is wall time",
    ))
    report.add(Row(
        "6 start-up", "import registry_core (CPU user+system, median)",
        cpu_ms["import registry_core"], "import requests", cpu_ms["import requests"],
    ))
    report.add(Row(
        "6 start-up", "bare interpreter (python -c pass)", ms["python -c pass"],
        "import requests", base,
    ))
