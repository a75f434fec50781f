"""``copy_image`` of a 20-layer image through real token-auth registries, counted: one TCP
connection per host and copying thread, one token per scope.

Counts, never time: each registry and each token issuer sits behind a
:class:`tests.fault_proxy.FaultProxy` (its ``connections`` counter), and the issuers' request
logs give the scopes asked for. Endpoints are the plain-http ones only, so the reference's
https attempt on an insecure registry does not enter the counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin

import pytest
import requests
from registry_core_plugins.static_credentials import StaticCredentials

from registry_core import hookimpl
from registry_core.content import copy_image
from registry_core.manager import DEFAULT_PLUGINS, get_plugin_manager
from registry_core.service import DefaultService
from registry_core.types import APIEndpoint, AuthConfig
from tests.fault_proxy import FaultProxy, fault_proxy
from tests.registry_fixtures import start_registry
from tests.token_issuer import TokenAuthSettings, TokenIssuer

pytest_plugins = ["tests.registry_fixtures"]
__all__ = ["fault_proxy"]  # the fixture, imported to be found

LAYERS = 20
SOURCE = "team/source"
TAG = "1.0"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


@dataclass
class Counted:
    """A token-auth registry and its issuer, each behind a counting proxy."""

    proxy: FaultProxy
    issuer: TokenIssuer
    issuer_proxy: FaultProxy
    password: str

    @property
    def host(self) -> str:
        return self.proxy.host

    def scopes(self) -> Counter[str]:
        """How many token requests (``GET`` or OAuth2 ``POST``) asked for each set of
        scopes."""
        asked: Counter[str] = Counter()
        for seen in self.issuer.requests:
            fields = parse_qs(seen.body.decode()) if seen.method == "POST" else seen.query
            # A GET repeats ``scope``; an OAuth2 POST joins them with spaces.
            asked[" ".join(sorted(s for v in fields.get("scope", []) for s in v.split()))] += 1
        return asked


def _push_blob(session: requests.Session, url: str, data: bytes) -> dict[str, Any]:
    digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
    started = session.post(f"{url}/v2/{SOURCE}/blobs/uploads/", timeout=30)
    started.raise_for_status()
    location = urljoin(started.url, started.headers["Location"])
    done = session.put(f"{location}{'&' if '?' in location else '?'}digest={digest}",
                       data=data, timeout=30)
    done.raise_for_status()
    return {"size": len(data), "digest": digest}


def _seed(storage: Path, workdir: Path) -> None:
    """A 20-layer image as ``team/source:1.0``, pushed over plain http into ``storage``."""
    with start_registry(workdir, storage_dir=storage) as seeder, requests.Session() as http:
        http.trust_env = False
        layers = [dict(_push_blob(http, seeder.url, os.urandom(4096)),
                       mediaType="application/vnd.docker.image.rootfs.diff.tar.gzip")
                  for _ in range(LAYERS)]
        config = dict(_push_blob(http, seeder.url, json.dumps({"os": "linux"}).encode()),
                      mediaType="application/vnd.docker.container.image.v1+json")
        manifest = {"schemaVersion": 2, "mediaType": MANIFEST_TYPE, "config": config,
                    "layers": layers}
        http.put(f"{seeder.url}/v2/{SOURCE}/manifests/{TAG}", data=json.dumps(manifest),
                 headers={"Content-Type": MANIFEST_TYPE}, timeout=30).raise_for_status()


@pytest.fixture
def counted(tmp_path: Path, fault_proxy: Callable[..., FaultProxy]) -> Iterator[
        Callable[[str, Path], Counted]]:
    """A factory: ``counted(name, storage)`` starts a counted registry serving ``storage``."""
    with contextlib.ExitStack() as stack:

        def make(name: str, storage: Path) -> Counted:
            password = "pw-" + secrets.token_urlsafe(12)
            issuer = stack.enter_context(TokenIssuer(
                tmp_path / name / "issuer", users={"alice": password}, host="127.0.0.1",
                service=name))
            issuer_proxy = fault_proxy(("127.0.0.1", issuer.port))
            settings = TokenAuthSettings(realm=f"{issuer_proxy.url}/token", service=name,
                                         issuer=issuer.issuer,
                                         rootcertbundle=str(issuer.rootcert_path))
            registry = stack.enter_context(start_registry(tmp_path / name, token=settings,
                                                          storage_dir=storage))
            return Counted(fault_proxy(registry.host), issuer, issuer_proxy, password)

        yield make


class _PlainEndpoints:
    """Each counted host's plain-http endpoint alone (no https attempt first)."""

    def __init__(self, hosts: list[str]) -> None:
        self.hosts = hosts

    @hookimpl(tryfirst=True)
    def registry_endpoints(self, service: Any, config: Any, hostname: str,
                           action: str) -> list[APIEndpoint] | None:
        return [APIEndpoint(url=f"http://{hostname}")] if hostname in self.hosts else None


def _service(*registries: Counted) -> DefaultService:
    plugins: list[Any] = [p for p in DEFAULT_PLUGINS if "host_endpoints" not in str(p)]
    plugins.append(_PlainEndpoints([r.host for r in registries]))
    plugins += [StaticCredentials(AuthConfig(username="alice", password=r.password),
                                  registries=[r.host]) for r in registries]
    manager = get_plugin_manager(plugins=plugins, load_entrypoints=False)
    return DefaultService(plugin_manager=manager)


def _threads(jobs: int) -> int:
    """The threads that talk to a host at once: the copying ones (the calling thread fetches
    and pushes the manifests, but waits while they copy: its connection is theirs to reuse).
    Sessions that built transports of their own, or dropped connections, would need more."""
    return max(1, jobs)


@pytest.mark.parametrize("jobs", [1, 4])
def test_copy_between_registries_opens_one_connection_per_host_and_thread_and_one_token_per_scope(
    tmp_path: Path, counted: Callable[[str, Path], Counted], jobs: int
) -> None:
    storage = tmp_path / "source-storage"
    _seed(storage, tmp_path / "seed")
    source = counted("source", storage)
    destination = counted("destination", tmp_path / "destination-storage")
    with _service(source, destination) as service, \
            service.repository(f"{source.host}/{SOURCE}") as src, \
            service.repository(f"{destination.host}/team/copy", ("pull", "push")) as dst:
        result = copy_image(src, TAG, dst, jobs=jobs)
    assert result.copied == LAYERS + 1  # and the config
    for registry in (source, destination):
        assert registry.proxy.connections <= _threads(jobs)
        assert registry.issuer_proxy.connections <= _threads(jobs)
    assert source.scopes() == Counter({f"repository:{SOURCE}:pull": 1})
    assert destination.scopes() == Counter({"repository:team/copy:pull,push": 1})


def test_copy_within_a_registry_mounts_with_one_connection_per_thread_and_one_token_per_scope(
    tmp_path: Path, counted: Callable[[str, Path], Counted]
) -> None:
    storage = tmp_path / "storage"
    _seed(storage, tmp_path / "seed")
    registry = counted("registry", storage)
    jobs = 4
    with _service(registry) as service, \
            service.repository(f"{registry.host}/{SOURCE}") as src, \
            service.repository(f"{registry.host}/team/copy", ("pull", "push")) as dst:
        result = copy_image(src, TAG, dst, jobs=jobs)
    assert (result.mounted, result.copied) == (LAYERS + 1, 0)
    assert registry.proxy.connections <= _threads(jobs)
    assert registry.issuer_proxy.connections <= _threads(jobs)
    scopes = registry.scopes()
    # The source's pull token, the destination's, and the mount's (which also covers pull
    # on the source, as the engine asks): each fetched once, whatever the threads.
    assert scopes == Counter({
        f"repository:{SOURCE}:pull": 1,
        "repository:team/copy:pull,push": 1,
        f"repository:team/copy:pull,push repository:{SOURCE}:pull": 1,
    })
