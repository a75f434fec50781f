"""Scenario 4: blob streaming with sha256, against a bare ``requests`` loop with ``hashlib``
and ``curl -o /dev/null``, with peak memory.

A 1 GiB blob of random bytes is pushed to a real ``docker-registry`` (plain HTTP on
loopback, its storage on local disk): generated a MiB at a time and streamed into one
``PATCH``, hashed on the way, so it is never held in memory. Then, round after round with
the order rotating, each contender reads it whole in a fresh process of its own:

* registry-core: ``DefaultService().repository(...)`` opened first (ping, endpoint choice:
  not timed), then ``open_blob(digest)`` read to its end with ``iter_chunks()``, which
  verifies the sha256 as the bytes pass and raises at the end on a mismatch;
* bare: one ``requests.Session``, ``GET`` with ``stream=True``, ``iter_content`` of 1 MiB
  pieces into ``hashlib.sha256``, the digest compared at the end;
* curl: ``curl -s -f -o /dev/null URL``: no hashing, the transfer alone (process start-up
  included, a few ms next to a GiB).

Memory is each reader's peak resident set growth over the reading: the child resets its
high-water mark (``/proc/self/clear_refs``) after start-up and reports ``VmHWM`` minus
the resident set it had then. curl's figure is its whole peak RSS (``wait4``).

Targets (issue 10): throughput at least 0.9x the bare loop's, memory growth under 64 MiB.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common import ROOT, Report, Row, median

BLOB_SIZE = 1 << 30
QUICK_BLOB_SIZE = 64 << 20
ROUNDS = 7
PIECE = 1 << 20
REPOSITORY = "bench/blob"
MEMORY_TARGET_MIB = 64
CONTENDERS = ("registry-core", "bare", "curl")


# -- the blob -------------------------------------------------------------------------------


def _pieces(size: int, hasher: hashlib._Hash) -> Iterator[bytes]:
    """``size`` random bytes, a MiB at a time, each hashed as it is handed out."""
    left = size
    while left:
        piece = os.urandom(min(PIECE, left))
        hasher.update(piece)
        left -= len(piece)
        yield piece


def push_blob(base_url: str, repository: str, size: int) -> str:
    """Push ``size`` random bytes as one blob with a bare streamed upload; its digest."""
    from urllib.parse import urljoin

    import requests

    hasher = hashlib.sha256()
    with requests.Session() as session:
        session.trust_env = False
        started = session.post(f"{base_url}/v2/{repository}/blobs/uploads/", timeout=60)
        started.raise_for_status()
        location = urljoin(started.url, started.headers["Location"])
        patched = session.patch(location, data=_pieces(size, hasher), timeout=600,
                                headers={"Content-Type": "application/octet-stream"})
        patched.raise_for_status()
        location = urljoin(patched.url, patched.headers["Location"])
        digest = f"sha256:{hasher.hexdigest()}"
        separator = "&" if "?" in location else "?"
        done = session.put(f"{location}{separator}digest={digest}", timeout=600)
        done.raise_for_status()
    return digest


# -- the readers (each in a child process: python -m bench.blobs MODE HOST DIGEST SIZE) -------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _read_ours(host: str, digest: str) -> tuple[float, int]:
    from registry_core.service import DefaultService

    with DefaultService() as service, service.repository(f"{host}/{REPOSITORY}") as repo:
        before = _measure_start()
        start = time.perf_counter()
        count = 0
        with repo.open_blob(digest) as reader:
            for chunk in reader.iter_chunks():
                count += len(chunk)
        seconds = time.perf_counter() - start
        return seconds, _growth(before, count)


def _read_bare(host: str, digest: str) -> tuple[float, int]:
    import requests

    with requests.Session() as session:
        session.trust_env = False
        session.get(f"http://{host}/v2/", timeout=60).content  # noqa: B018 - connect first
        before = _measure_start()
        start = time.perf_counter()
        hasher = hashlib.sha256()
        count = 0
        with session.get(f"http://{host}/v2/{REPOSITORY}/blobs/{digest}", stream=True,
                         timeout=60) as response:
            response.raise_for_status()
            for chunk in response.iter_content(PIECE):
                hasher.update(chunk)
                count += len(chunk)
        if f"sha256:{hasher.hexdigest()}" != digest:
            raise RuntimeError("the bare loop read other bytes")
        seconds = time.perf_counter() - start
        return seconds, _growth(before, count)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


_CPU_AT_START: list[float] = []


def _measure_start() -> int:
    _reset_peak()
    _CPU_AT_START.append(_cpu())
    return _status_kib("VmRSS")


def _growth(before_kib: int, count: int) -> int:
    if count == 0:
        raise RuntimeError("read nothing")
    return max(0, _status_kib("VmHWM") - before_kib)


def child(argv: list[str]) -> None:
    mode, host, digest = argv
    seconds, growth = (_read_ours if mode == "registry-core" else _read_bare)(host, digest)
    cpu = _cpu() - _CPU_AT_START[-1]
    print(json.dumps({"seconds": seconds, "growth_kib": growth, "cpu": cpu}))


def _run_child(mode: str, host: str, digest: str,
               env: dict[str, str]) -> tuple[float, int, float]:
    """Seconds, memory growth (KiB) and CPU seconds of one read by ``mode`` in a fresh
    process (curl: its whole run)."""
    if mode == "curl":
        url = f"http://{host}/v2/{REPOSITORY}/blobs/{digest}"
        start = time.perf_counter()
        process = subprocess.Popen(["curl", "-s", "-f", "-o", "/dev/null", url], env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"curl failed: {process.returncode}")
        return seconds, int(usage.ru_maxrss), usage.ru_utime + usage.ru_stime
    result = subprocess.run(
        [sys.executable, "-m", "bench.blobs", mode, host, digest],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    )
    answer = json.loads(result.stdout.splitlines()[-1])
    return float(answer["seconds"]), int(answer["growth_kib"]), float(answer["cpu"])


# -- the scenario ---------------------------------------------------------------------------


def run(report: Report, quick: bool = False) -> None:
    from bench.registry import missing_programs

    why = missing_programs()
    if why is not None:
        report.skip("4 blobs", why)
        return
    size = QUICK_BLOB_SIZE if quick else BLOB_SIZE
    rounds = 2 if quick else ROUNDS
    contenders = [c for c in CONTENDERS if c != "curl" or shutil.which("curl")]
    from tests.registry_fixtures import start_registry

    with tempfile.TemporaryDirectory(prefix="registry-core-bench-blob-") as name, \
            start_registry(Path(name)) as registry:
        started = time.perf_counter()
        digest = push_blob(registry.url, REPOSITORY, size)
        push_seconds = time.perf_counter() - started
        print(f"  pushed {size >> 20} MiB in {push_seconds:.1f} s", flush=True)
        env = _child_env(Path(name))
        seconds: dict[str, list[float]] = {c: [] for c in contenders}
        growth: dict[str, list[int]] = {c: [] for c in contenders}
        cpu: dict[str, list[float]] = {c: [] for c in contenders}
        for contender in contenders:  # warm-up: the registry's file into the page cache
            _run_child(contender, registry.host, digest, env)
        for number in range(rounds):
            shift = number % len(contenders)
            for contender in contenders[shift:] + contenders[:shift]:
                took, grew, used = _run_child(contender, registry.host, digest, env)
                seconds[contender].append(took)
                growth[contender].append(grew)
                cpu[contender].append(used)
    mib = size / (1 << 20)
    rate = {c: mib / median(values) for c, values in seconds.items()}
    peak_mib = {c: max(values) / 1024 for c, values in growth.items()}
    ratio = rate["registry-core"] / rate["bare"]
    report.add(Row(
        "4 blobs", f"{mib:.0f} MiB blob, open_blob + sha256 verification (median of {rounds})",
        rate["registry-core"], "bare requests + hashlib", rate["bare"], unit="MiB/s",
        target=">= 0.9x (higher is better)", met=ratio >= 0.9,
        details={"seconds": seconds},
    ))
    if "curl" in rate:
        report.add(Row(
            "4 blobs", "  same, against curl -o /dev/null (no hashing)", rate["registry-core"],
            "curl", rate["curl"], unit="MiB/s",
        ))
    gib = size / (1 << 30)
    report.add(Row(
        "4 blobs", "  CPU seconds per GiB read (user + system, median: less moved by load)",
        median(cpu["registry-core"]) / gib, "bare requests + hashlib",
        median(cpu["bare"]) / gib, unit="s",
        note="hashing is most of it: sha256 runs at about 1 GiB/s per core here at best",
        details={"cpu": cpu},
    ))
    report.add(Row(
        "4 blobs", "  peak memory growth while reading (largest of the rounds)",
        peak_mib["registry-core"], "bare requests + hashlib", peak_mib["bare"], unit="MiB",
        target=f"< {MEMORY_TARGET_MIB} MiB", met=peak_mib["registry-core"] < MEMORY_TARGET_MIB,
        note=(f"curl's whole peak RSS: {peak_mib['curl']:.1f} MiB" if "curl" in peak_mib
              else ""),
        details={"growth_kib": growth},
    ))


def _child_env(workdir: Path) -> dict[str, str]:
    """The readers' environment: no user configuration, no host certs.d, no proxies."""
    env = dict(os.environ)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    env.update({"HOME": str(home), "DOCKER_CONFIG": str(home / ".docker"),
                "REGISTRY_CORE_CERTS_DIR": str(home / "certs.d"),
                "XDG_RUNTIME_DIR": str(home), "XDG_CONFIG_HOME": str(home)})
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                  "ALL_PROXY"):
        env.pop(proxy, None)
    with contextlib.suppress(KeyError):
        del env["PYTHONDONTWRITEBYTECODE"]
    return env


if __name__ == "__main__":
    child(sys.argv[1:])
