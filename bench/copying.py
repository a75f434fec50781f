"""Scenario 4 (continued): ``copy_image`` of a 20-layer image, counted.

Two real token-auth registries, each with its issuer, every one of the four behind a
counting relay (:class:`bench.registry.CountingProxy`). The source holds a Docker schema 2
image of ``LAYERS`` random layers. One service copies it

* between the registries (source to destination: every blob streams through), and
* within the source registry, to another repository (every blob is mounted),

with ``JOBS`` threads, into a repository of its own each round. Counted: TCP connections
accepted by each relay, and the issuers' token requests by scope (their request logs).

Targets (issue 10): one connection per host and thread (the ``JOBS`` copying threads and
the calling thread, which fetches and pushes the manifests), one token per scope. The time
is shown next to ``skopeo copy`` of the same image when skopeo is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin

import requests

from bench.common import Report, Row, median
from bench.registry import USER, BenchRegistry, bench_registry, missing_programs

LAYERS = 20
LAYER_SIZE = 1 << 20
JOBS = 4
ROUNDS = 3
SOURCE = "bench/source"
TAG = "1.0"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


def _push_blob(session: requests.Session, base_url: str, repository: str, data: bytes) -> str:
    digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
    started = session.post(f"{base_url}/v2/{repository}/blobs/uploads/", timeout=60)
    started.raise_for_status()
    location = urljoin(started.url, started.headers["Location"])
    separator = "&" if "?" in location else "?"
    done = session.put(f"{location}{separator}digest={digest}", data=data, timeout=60,
                       headers={"Content-Type": "application/octet-stream"})
    done.raise_for_status()
    return digest


def seed_image(base_url: str, layers: int = LAYERS, layer_size: int = LAYER_SIZE) -> None:
    """Push a ``layers``-layer image of random bytes as ``SOURCE:TAG``."""
    with requests.Session() as session:
        session.trust_env = False
        descriptors = []
        for _ in range(layers):
            data = os.urandom(layer_size)
            descriptors.append({"mediaType": LAYER_TYPE, "size": len(data),
                                "digest": _push_blob(session, base_url, SOURCE, data)})
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": [
                                 d["digest"] for d in descriptors]}}).encode()
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                       "size": len(config),
                       "digest": _push_blob(session, base_url, SOURCE, config)},
            "layers": descriptors,
        }).encode()
        answer = session.put(f"{base_url}/v2/{SOURCE}/manifests/{TAG}", data=manifest,
                             headers={"Content-Type": MANIFEST_TYPE}, timeout=60)
        answer.raise_for_status()


def _service(*envs: BenchRegistry) -> Any:
    from registry_core_plugins.static_credentials import StaticCredentials

    from registry_core.manager import DEFAULT_PLUGINS, get_plugin_manager
    from registry_core.service import DefaultService
    from registry_core.types import AuthConfig

    plugins: list[Any] = [*DEFAULT_PLUGINS]
    for env in envs:
        plugins.append(StaticCredentials(AuthConfig(username=USER, password=env.password),
                                         registries=[env.host]))
    manager = get_plugin_manager(plugins=plugins, load_entrypoints=False)
    return DefaultService(plugin_manager=manager)


def _scopes(env: BenchRegistry, since: int) -> list[str]:
    """The scopes of each token request the issuer answered since request ``since``."""
    asked = []
    for seen in env.issuer.requests[since:]:
        values = seen.query.get("scope", [])
        if seen.method == "POST":
            values = parse_qs(seen.body.decode("utf-8", "replace")).get("scope", values)
        # A GET repeats ``scope``; an OAuth2 POST joins them with spaces.
        asked.append(" ".join(sorted(s for value in values for s in value.split())))
    return asked


def _copy(source_env: BenchRegistry, destination_env: BenchRegistry, target: str,
          jobs: int) -> dict[str, Any]:
    """One copy on a new service; the counts it caused."""
    from registry_core.content import copy_image

    envs = {id(e): e for e in (source_env, destination_env)}.values()
    before = {id(e): (e.counts(), len(e.issuer.requests)) for e in envs}
    service = _service(*envs)
    start = time.perf_counter()
    try:
        with service.repository(f"{source_env.host}/{SOURCE}") as src, \
                service.repository(f"{destination_env.host}/{target}", ("pull", "push")) as dst:
            result = copy_image(src, TAG, dst, TAG, jobs=jobs)
    finally:
        service.close()
    seconds = time.perf_counter() - start
    counts: dict[str, Any] = {"seconds": seconds, "copied": result.copied,
                              "mounted": result.mounted}
    for label, env in (("source", source_env), ("destination", destination_env)):
        if label == "destination" and env is source_env:
            continue
        counts_before, requests_before = before[id(env)]
        after = env.counts()
        counts[label] = {key: after[key] - counts_before[key] for key in after}
        counts[label]["scopes"] = _scopes(env, requests_before)
    return counts


def _skopeo_copy(source_env: BenchRegistry, destination_env: BenchRegistry, target: str,
                 authfile: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["skopeo", "copy", "--quiet", "--authfile", str(authfile), "--src-tls-verify=false",
         "--dest-tls-verify=false", f"docker://{source_env.host}/{SOURCE}:{TAG}",
         f"docker://{destination_env.host}/{target}:{TAG}"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return time.perf_counter() - start


def _authfile(directory: Path, *envs: BenchRegistry) -> Path:
    import base64

    path = directory / "auth.json"
    path.write_text(json.dumps({"auths": {
        env.host: {"auth": base64.b64encode(f"{USER}:{env.password}".encode()).decode()}
        for env in envs}}))
    path.chmod(0o600)
    return path


def run(report: Report, quick: bool = False) -> None:
    why = missing_programs()
    if why is not None:
        report.skip("4 copy", why)
        return
    rounds = 1 if quick else ROUNDS
    layers, size = (LAYERS, 64 << 10) if quick else (LAYERS, LAYER_SIZE)

    def seed(url: str) -> None:
        seed_image(url, layers, size)

    with bench_registry(seed=seed, service="bench-source") as source, \
            bench_registry(seed=lambda url: None, service="bench-destination") as destination, \
            tempfile.TemporaryDirectory(prefix="registry-core-bench-copy-") as scratch:
        skopeo = shutil.which("skopeo")
        authfile = _authfile(Path(scratch), source, destination)
        for where, target_env in (("between two registries", destination),
                                  ("within one registry (mounts)", source)):
            runs = []
            skopeo_seconds = []
            for number in range(rounds):
                runs.append(_copy(source, target_env, f"bench/copy-ours-{number}", JOBS))
                if skopeo is not None:
                    skopeo_seconds.append(_skopeo_copy(source, target_env,
                                                       f"bench/copy-skopeo-{number}", authfile))
            _report(report, where, runs, skopeo_seconds, layers)


def _report(report: Report, where: str, runs: list[dict[str, Any]],
            skopeo_seconds: list[float], layers: int) -> None:
    ms = median([r["seconds"] for r in runs]) * 1000
    last = runs[-1]
    moved = f"{last['copied']} streamed, {last['mounted']} mounted"
    report.add(Row(
        "4 copy", f"copy_image of a {layers}-layer image {where}, {JOBS} jobs "
        f"(median of {len(runs)})", ms,
        "skopeo copy" if skopeo_seconds else "", median(skopeo_seconds) * 1000
        if skopeo_seconds else None, note=f"blobs: {moved}", details={"runs": runs},
    ))
    limit = JOBS + 1
    hosts: list[tuple[str, str, Callable[[dict[str, Any]], int]]] = []
    for label in ("source", "destination"):
        if label not in last:
            continue
        hosts.append((label, "registry (http)",
                      lambda r, label=label: r[label]["registry_connections"]
                      - r[label]["registry_tls_attempts"]))
        hosts.append((label, "issuer", lambda r, label=label: r[label]["issuer_connections"]))
    for label, what, count in hosts:
        worst = max(count(r) for r in runs)
        tls = max(r[label]["registry_tls_attempts"] for r in runs)
        report.add(Row(
            "4 copy", f"  {where}: TCP connections to the {label} {what} (most of the rounds)",
            worst, unit="count", target=f"<= {limit} ({JOBS} jobs + the calling thread)",
            met=worst <= limit,
            note=(f"plus {tls} https attempt(s): the reference tries https first on an "
                  "insecure registry; the service remembers the failure once the http endpoint "
                  "answered" if what.startswith("registry") and tls
                  else ""),
        ))
    for label in ("source", "destination"):
        if label not in last:
            continue
        worst_tokens = max(r[label]["tokens"] for r in runs)
        scopes = Counter(last[label]["scopes"])
        report.add(Row(
            "4 copy", f"  {where}: token requests to the {label} issuer (most of the rounds)",
            worst_tokens, "distinct scopes", len(scopes), unit="count",
            target="one per scope", met=all(
                r[label]["tokens"] == len(set(r[label]["scopes"])) for r in runs),
            note="scopes: " + "; ".join(f"{s or '(none)'} x{n}" for s, n in scopes.items()),
        ))
