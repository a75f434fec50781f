"""Scenarios 1 and 2: reads on an open session, and opening sessions.

1. Reads: ``READS`` manifest GETs on a session already open (token in hand), against a bare
   ``requests.Session`` with the same headers and the same token, and against ``curl`` given
   all the URLs at once (one process, one connection; its start-up is spread over the reads).
2. Sessions: for each of the 21 repositories, open a session (``DefaultService.session``)
   and read its manifest, one after another and from 8 and 16 threads, all on one service.
   The baseline is a bare loop doing what must be done: one token request per repository
   (same scope, same credentials) and the manifest GET, on one ``requests.Session`` per
   thread. Pings, token requests and TCP connections are counted from the registry's access
   log, the issuer's request log and the relays in front of both (see bench.registry).

Targets (issue 13): one ping per registry, one token per scope, one connection per host and
thread, at most 1.5x the bare loop's time.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.common import Report, Row, alternate, median
from bench.registry import (
    ACCEPT,
    REPOSITORIES,
    SERVICE,
    TAG,
    USER,
    BenchRegistry,
    bench_registry,
    missing_programs,
)

READS = 100
ROUNDS = 7
SESSION_ROUNDS = 5
THREADS = (1, 8, 16)


def _service(env: BenchRegistry, host: str) -> Any:
    from registry_core_plugins.static_credentials import StaticCredentials

    from registry_core.manager import DEFAULT_PLUGINS, get_plugin_manager
    from registry_core.service import DefaultService
    from registry_core.types import AuthConfig

    credentials = StaticCredentials(AuthConfig(username=USER, password=env.password),
                                    registries=[host])
    manager = get_plugin_manager(plugins=[*DEFAULT_PLUGINS, credentials],
                                 load_entrypoints=False)
    return DefaultService(plugin_manager=manager)


def _info(service: Any, host: str, repository: str) -> Any:
    from registry_core.reference import parse_normalized_named

    return service.resolve_repository(parse_normalized_named(f"{host}/{repository}"))


def _bare_session(env: BenchRegistry) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    if env.ca_path is not None:
        session.verify = str(env.ca_path)
    return session


def _token(session: requests.Session, env: BenchRegistry, repository: str) -> str:
    response = session.get(
        env.realm, params={"service": SERVICE, "scope": f"repository:{repository}:pull"},
        auth=(USER, env.password), timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["token"])


def _read_manifest(session: requests.Session, url: str, token: str | None = None) -> None:
    headers = {"Accept": ACCEPT}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = session.get(url, headers=headers, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code}")
    response.content  # noqa: B018 - read the body, as a client does


# -- 1. reads on an open session ------------------------------------------------------------


def run_reads(report: Report, quick: bool = False) -> None:
    why = missing_programs()
    if why is not None:
        report.skip("registry", why)
        return
    reads = 20 if quick else READS
    rounds = 3 if quick else ROUNDS
    with bench_registry() as env:
        host = env.direct_host
        repository = REPOSITORIES[0]
        service = _service(env, host)
        ours = service.session(_info(service, host, repository))
        url = f"{ours.base_url}/v2/{repository}/manifests/{TAG}"
        bare = _bare_session(env)
        token = _token(bare, env, repository)
        def read_ours() -> None:
            for _ in range(reads):
                _read_manifest(ours, url)

        def read_bare() -> None:
            for _ in range(reads):
                _read_manifest(bare, url, token)

        contenders: dict[str, Callable[[], object]] = {
            "registry-core session": read_ours,
            "bare requests.Session": read_bare,
        }
        curl = shutil.which("curl")
        config_dir = tempfile.mkdtemp(prefix="registry-core-bench-curl-")
        if curl is not None:
            # Headers go in a config file: a token on the command line is visible to ps.
            config = os.path.join(config_dir, "curl.conf")
            with open(config, "w") as handle:
                handle.write(f'header = "Accept: {ACCEPT}"\n')
                handle.write(f'header = "Authorization: Bearer {token}"\n')
                for _ in range(reads):
                    handle.write(f'url = "{url}"\noutput = "/dev/null"\n')
            command = [curl, "-s", "-f", "--config", config]
            contenders["curl"] = lambda: subprocess.run(command, check=True)
        try:
            seconds = alternate(contenders, rounds)
        finally:
            ours.close()
            bare.close()
            shutil.rmtree(config_dir, ignore_errors=True)
    per_read = {name: median(values) / reads * 1000 for name, values in seconds.items()}
    ours_ms = per_read["registry-core session"]
    report.add(Row("1 reads", f"manifest GET on an open session (median of {rounds}x{reads})",
                   ours_ms, "bare requests.Session", per_read["bare requests.Session"],
                   target="<= 1.0x (physical floor)",
                   met=ours_ms <= per_read["bare requests.Session"] * 1.05))
    if "curl" in per_read:
        report.add(Row("1 reads", "same, against curl (one process, all URLs)", ours_ms,
                       "curl", per_read["curl"]))
    else:
        report.skip("1 reads", "curl is not installed")


# -- 2. opening sessions --------------------------------------------------------------------


def _ours_pass(env: BenchRegistry, service: Any, threads: int) -> None:
    def task(repository: str) -> None:
        with service.session(_info(service, env.host, repository)) as session:
            _read_manifest(session, f"{session.base_url}/v2/{repository}/manifests/{TAG}")

    _run(task, threads)


def _bare_pass(env: BenchRegistry, threads: int) -> None:
    local = threading.local()
    made: list[requests.Session] = []

    def task(repository: str) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = _bare_session(env)
            made.append(session)
        token = _token(session, env, repository)
        _read_manifest(session, f"{env.scheme}://{env.host}/v2/{repository}/manifests/{TAG}",
                       token)

    try:
        _run(task, threads)
    finally:
        for session in made:
            session.close()


def _run(task: Callable[[str], None], threads: int) -> None:
    if threads == 1:
        for repository in REPOSITORIES:
            task(repository)
        return
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(task, REPOSITORIES))


def _counted(env: BenchRegistry, action: Callable[[], None]) -> dict[str, int]:
    before = env.counts()
    action()
    after = env.counts()
    return {key: after[key] - before[key] for key in after}


def _cold_pass(env: BenchRegistry, threads: int) -> None:
    """A pass on a service of its own: everything it shares is built during the pass."""
    service = _service(env, env.host)
    try:
        _ours_pass(env, service, threads)
    finally:
        service.close()


def run_sessions(report: Report, quick: bool = False) -> None:
    why = missing_programs()
    if why is not None:
        report.skip("registry", why)
        return
    rounds = 2 if quick else SESSION_ROUNDS
    with bench_registry() as env:
        for threads in THREADS:
            how = "one after another" if threads == 1 else f"from {threads} threads"
            warm_service = _service(env, env.host)
            cold = functools.partial(_cold_pass, env, threads)
            warm = functools.partial(_ours_pass, env, warm_service, threads)
            bare = functools.partial(_bare_pass, env, threads)
            ours_counts = _counted(env, cold)
            bare_counts = _counted(env, bare)
            warm()  # the warm service's first pass builds what it then shares
            warm_counts = _counted(env, warm)
            seconds = alternate({"cold": cold, "warm": warm, "bare": bare}, rounds, warmup=0)
            warm_service.close()
            ms = {name: median(values) * 1000 for name, values in seconds.items()}
            report.add(Row(
                "2 sessions", f"21 repositories {how}, new service: open + 1 manifest "
                f"(median of {rounds})", ms["cold"], "bare token loop", ms["bare"],
                target="<= 1.5x", met=ms["cold"] <= 1.5 * ms["bare"],
                details={"counts": ours_counts, "baseline_counts": bare_counts},
            ))
            for key, label, target in (
                ("pings", "pings (GET /v2/)", 1),
                ("tokens", "token requests", len(REPOSITORIES)),
                ("registry_connections", "TCP connections to the registry (http)", threads),
                ("issuer_connections", "TCP connections to the issuer", threads),
            ):
                ours_value, bare_value = ours_counts[key], bare_counts[key]
                note = ""
                if key == "registry_connections":
                    # The https attempt the reference makes first on an insecure registry
                    # carries no request: shown apart, it is not a connection that reads.
                    ours_value -= ours_counts["registry_tls_attempts"]
                    bare_value -= bare_counts["registry_tls_attempts"]
                    note = (f"plus {ours_counts['registry_tls_attempts']} https attempt(s): "
                            "the reference tries https first on an insecure registry; the "
                            "service remembers the failure once the http endpoint answered")
                report.add(Row(
                    "2 sessions", f"  {how}, new service: {label}", ours_value, "bare",
                    bare_value, unit="count", target=f"<= {target}",
                    met=ours_value <= target, note=note,
                ))
            report.add(Row(
                "2 sessions", f"21 repositories {how}, same service again (median of "
                f"{rounds})", ms["warm"], "bare token loop", ms["bare"],
                note=f"beyond the reference: pings {warm_counts['pings']}, tokens "
                f"{warm_counts['tokens']}, connections: registry "
                f"{warm_counts['registry_connections']}, issuer "
                f"{warm_counts['issuer_connections']} (tokens are reused until they expire)",
                details={"counts": warm_counts},
            ))
