"""Scenario 5: parsing against the Go reference in one run, and host lookups.

Parsing: ``bench/goparse`` (our own Go program, linking the same Debian ``reference``
package as the conformance oracle, built in GOPATH mode as the oracle is) and
``parse_normalized_named`` time the same inputs, alternated round by round. Two input sets:
every input of the conformance vectors (``tests/vectors/reference/parse_reference.jsonl``:
valid names, and the invalid and adversarial ones), and common shapes of real references.
Python is timed twice: without its cache (every string parsed afresh: the honest
comparison with Go, which has none) and as callers see it (answers remembered).

Lookups: a Docker Hub pull lookup with a mirror configured resolves the mirror's host. The
resolver is injected: instant, counting calls, and stalling (``STALL`` seconds, standing for
glibc's 5 s timeout) on every 33rd call, the ~3% seen on the machine of the issue.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.common import ROOT, Report, Row, median

GO_SOURCE = ROOT / "bench" / "goparse" / "main.go"
GO_LIBRARY = Path("/usr/share/gocode")
VECTORS = ROOT / "tests" / "vectors" / "reference" / "parse_reference.jsonl"
ROUNDS = 9
LOOPS = 20
STALL = 0.05
LOOKUPS = 400

COMMON = [
    "ubuntu", "ubuntu:22.04", "library/ubuntu", "nginx:1.25-alpine", "dmcgowan/myapp",
    "docker.io/library/redis:7", "index.docker.io/library/busybox:latest",
    "ghcr.io/org/team/service:v1.2.3", "quay.io/coreos/etcd:v3.5.0",
    "localhost:5000/app", "localhost:5000/team/app:1.0", "127.0.0.1:5000/x/y:z",
    "registry.example.com:443/a/b/c/d:tag_1",
    "busybox@sha256:" + "e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
    "gcr.io/distroless/static:nonroot@sha256:" + "a" * 64,
    "mcr.microsoft.com/dotnet/runtime:8.0",
]


def build_go(workdir: Path) -> Path | None:
    """Build ``goparse``; None when Go or the Debian package is missing."""
    if shutil.which("go") is None or not (GO_LIBRARY / "src/github.com/docker/distribution"
                                          / "reference").is_dir():
        return None
    source = workdir / "gopath" / "src" / "goparse"
    source.mkdir(parents=True)
    shutil.copy(GO_SOURCE, source / "main.go")
    binary = workdir / "goparse"
    env = dict(os.environ, GOPATH=f"{workdir / 'gopath'}:{GO_LIBRARY}", GO111MODULE="off",
               GOCACHE=str(workdir / "gocache"), GOFLAGS="")
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=source, env=env, check=True,
                   capture_output=True)
    return binary


def go_round(binary: Path, lines: str) -> float:
    result = subprocess.run([str(binary), "-rounds", "1", "-loops", str(LOOPS)], input=lines,
                            capture_output=True, text=True, check=True)
    return float(json.loads(result.stdout)["seconds"][0])


def python_round(parse: object, inputs: list[str], clear: object = None) -> float:
    from registry_core.errors import InvalidReferenceError

    start = time.perf_counter()
    for _ in range(LOOPS):
        if clear is not None:
            clear()  # type: ignore[operator]
        for text in inputs:
            with contextlib.suppress(InvalidReferenceError):
                parse(text)  # type: ignore[operator]
    return time.perf_counter() - start


def run_parsing(report: Report, quick: bool = False) -> None:
    from registry_core import reference

    rounds = 3 if quick else ROUNDS
    vectors = [json.loads(line)["input"] for line in VECTORS.read_text().splitlines() if line]
    sets = {"conformance inputs": vectors, "common names": COMMON * 25}
    with tempfile.TemporaryDirectory(prefix="registry-core-bench-go-") as workdir:
        try:
            binary = build_go(Path(workdir))
        except subprocess.CalledProcessError as exc:
            report.skip("5 parsing", f"goparse did not build: {exc.stderr.decode()[-300:]}")
            binary = None
        if binary is None:
            report.skip("5 parsing", "Go or golang-github-docker-distribution-dev is missing")
            return
        for label, inputs in sets.items():
            lines = "".join(json.dumps(text) + "\n" for text in inputs)
            names = len(inputs) * LOOPS
            go: list[float] = []
            fresh: list[float] = []
            remembered: list[float] = []
            python_round(reference.parse_normalized_named, inputs)  # warm the cache
            for number in range(rounds):
                for step in _rotated(("go", "fresh", "remembered"), number):
                    if step == "go":
                        go.append(go_round(binary, lines))
                    elif step == "fresh":
                        fresh.append(python_round(reference._parse_normalized_named, inputs))
                    else:
                        remembered.append(python_round(reference.parse_normalized_named, inputs))
            go_rate = names / median(go) / 1000
            for title, seconds in (("each string parsed afresh", fresh),
                                   ("as called (answers remembered)", remembered)):
                rate = names / median(seconds) / 1000
                report.add(Row(
                    "5 parsing", f"parse_normalized_named, {label}, {title}", rate,
                    "Go ParseNormalizedNamed", go_rate, unit="k names/s",
                    target=">= 1.0x (higher is better)", met=rate >= go_rate,
                    details={"inputs": len(inputs), "rounds": rounds, "loops": LOOPS},
                ))


def _rotated(steps: tuple[str, ...], number: int) -> tuple[str, ...]:
    shift = number % len(steps)
    return steps[shift:] + steps[:shift]


class _Resolver:
    """Instant answers, every 33rd call stalls; counts calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        with self._lock:
            self.calls += 1
            stall = self.calls % 33 == 0
        if stall:
            time.sleep(STALL)
        return [ipaddress.ip_address("10.1.2.3")]


def run_lookups(report: Report, quick: bool = False) -> None:
    from registry_core.config import ServiceOptions
    from registry_core.hostlookup import CachingLookup
    from registry_core.service import DefaultService

    lookups = 100 if quick else LOOKUPS
    options = ServiceOptions(mirrors=["https://mirror.example.com"])
    plain, cached = _Resolver(), _Resolver()
    services = {
        "resolver as injected (the reference)": DefaultService(options, lookup_ip=plain),
        "CachingLookup around it": DefaultService(options, lookup_ip=CachingLookup(cached)),
    }
    seconds: dict[str, list[float]] = {name: [] for name in services}
    for number in range(lookups):
        for name in (list(services) if number % 2 == 0 else list(services)[::-1]):
            start = time.perf_counter()
            services[name].lookup_pull_endpoints("docker.io")
            seconds[name].append(time.perf_counter() - start)
    base_name, ours_name = list(services)
    mean_base = sum(seconds[base_name]) / lookups * 1000
    mean_ours = sum(seconds[ours_name]) / lookups * 1000
    report.add(Row(
        "5 lookups", f"Docker Hub pull lookup with a mirror, mean of {lookups} "
        f"(resolver stalls {STALL * 1000:.0f} ms on 1 call in 33)", mean_ours,
        "uncached", mean_base, target="stall hits at most once",
        met=cached.calls == 1,
        note=f"resolver calls: cached {cached.calls}, uncached {plain.calls}",
        details={"calls": cached.calls, "baseline_calls": plain.calls},
    ))
    report.add(Row(
        "5 lookups", f"same, median of {lookups}", median(seconds[ours_name]) * 1000,
        "uncached", median(seconds[base_name]) * 1000,
    ))


def run(report: Report, quick: bool = False) -> None:
    run_parsing(report, quick)
    run_lookups(report, quick)
