"""Scenario 3: the session task of scenario 2 done by python-dxf and oras-py, with the same
counts, on the same registry, next to registry-core and the bare loop.

The registry here serves HTTPS (token auth, certificates for 127.0.0.1 from a throw-away
CA): python-dxf refuses to authenticate over plain http (``DXFAuthInsecureError: Auth
requires HTTPS``), so the plain registry of scenario 2 cannot be used for it.

How each does "open repository N and read its manifest" (registry-core: on a new service
each pass, so what it shares is built within the pass, as the others build theirs):

- python-dxf: one ``DXF(host, repository)`` per repository, which is its design (a ``DXF``
  object is bound to one repository), used as a context manager (its way of keeping one
  connection); ``authenticate`` on the 401.
- oras-py: one ``OrasClient`` per repository. A single client cannot do the task: after its
  first repository it keeps sending the first token and its second repository's manifest
  GET fails with 401 (oras-py 0.2). Credentials come from ``login``, done once before the
  timed passes: it writes them to a Docker config file (pointed at a temporary directory
  here), and concurrent logins race on that file, so it cannot be done per thread.

Both need their packages (``pip install -e '.[bench]'``); a missing one is skipped with a note.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from typing import Any

from bench.common import Report, Row, alternate, median
from bench.registry import TAG, USER, BenchRegistry, bench_registry, missing_programs
from bench.sessions import _bare_pass, _cold_pass, _counted, _run

ROUNDS = 5
THREADS = (1, 8)
DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"


def _dxf_pass(env: BenchRegistry, threads: int) -> None:
    import dxf

    def auth(client: Any, response: Any) -> None:
        client.authenticate(USER, env.password, response=response)

    def task(repository: str) -> None:
        # As a context manager it keeps one requests.Session (without, one connection per
        # request through the requests module).
        with dxf.DXF(env.host, repository, auth=auth, tlsverify=str(env.ca_path)) as client:
            client.get_manifest(TAG)

    _run(task, threads)


def _oras_login(env: BenchRegistry) -> None:
    import oras.client

    client = oras.client.OrasClient(hostname=env.host, tls_verify=str(env.ca_path))
    client.login(USER, env.password, hostname=env.host)
    client.session.close()


def _oras_pass(env: BenchRegistry, threads: int) -> None:
    import oras.client

    def task(repository: str) -> None:
        # Credentials come from the Docker config file that _oras_login wrote.
        client = oras.client.OrasClient(hostname=env.host, tls_verify=str(env.ca_path))
        client.get_manifest(f"{env.host}/{repository}:{TAG}", allowed_media_type=[DOCKER_V2])
        client.session.close()

    _run(task, threads)


def run(report: Report, quick: bool = False) -> None:
    why = missing_programs()
    if why is not None:
        report.skip("registry", why)
        return
    rounds = 2 if quick else ROUNDS
    contenders: dict[str, Callable[[BenchRegistry, int], None]] = {}
    try:
        import dxf  # noqa: F401

        contenders["python-dxf"] = _dxf_pass
    except ImportError:
        report.skip("3 others", "python-dxf is not installed (pip install -e '.[bench]')")
    try:
        import oras.client  # noqa: F401

        contenders["oras-py"] = _oras_pass
    except ImportError:
        report.skip("3 others", "oras is not installed (pip install -e '.[bench]')")
    saved = {key: os.environ.get(key) for key in ("DOCKER_CONFIG", "HOME")}
    with tempfile.TemporaryDirectory(prefix="registry-core-bench-home-") as home, \
            bench_registry(tls=True) as env:
        os.environ["HOME"] = home
        os.environ["DOCKER_CONFIG"] = os.path.join(home, ".docker")
        try:
            if "oras-py" in contenders:
                _oras_login(env)
            for threads in THREADS:
                passes: dict[str, Callable[[], None]] = {
                    "registry-core": functools.partial(_cold_pass, env, threads),
                    "bare token loop": functools.partial(_bare_pass, env, threads),
                }
                for name, function in contenders.items():
                    passes[name] = functools.partial(function, env, threads)
                counts = {name: _counted(env, action) for name, action in passes.items()}
                seconds = alternate(passes, rounds, warmup=0)
                ms = {name: median(values) * 1000 for name, values in seconds.items()}
                how = "one after another" if threads == 1 else f"from {threads} threads"
                for name in passes:
                    if name == "bare token loop":
                        continue
                    c = counts[name]
                    report.add(Row(
                        "3 others", f"{name}, 21 repositories {how} over TLS (median of "
                        f"{rounds})", ms[name], "bare token loop", ms["bare token loop"],
                        note=f"pings {c['pings']}, tokens {c['tokens']}, connections: "
                        f"registry {c['registry_connections']}, issuer "
                        f"{c['issuer_connections']}",
                        details={"counts": c, "baseline_counts": counts["bare token loop"]},
                    ))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
