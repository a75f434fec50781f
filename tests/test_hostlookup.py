"""The service's caching host lookup: how often the resolver is asked, and what callers get.

Every test injects a resolver that counts its calls (and, where it matters, blocks until the
test lets it answer); no test measures time.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable

import pytest

from registry_core.config import IPAddress, ServiceOptions
from registry_core.hostlookup import CachingLookup
from registry_core.service import DefaultService

V4 = ipaddress.IPv4Address


class CountingResolver:
    """Answers from a table, counts calls per name, and can be held until released."""

    def __init__(self, answers: dict[str, list[IPAddress]] | None = None) -> None:
        self.answers = answers or {}
        self.calls: dict[str, int] = {}
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, host: str) -> list[IPAddress]:
        with self._lock:
            self.calls[host] = self.calls.get(host, 0) + 1
        self.entered.set()
        assert self.release.wait(30), "the test never released the resolver"
        if host not in self.answers:
            raise OSError("no such host")
        return list(self.answers[host])

    def total(self) -> int:
        return sum(self.calls.values())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wait_for(condition: Callable[[], bool]) -> None:
    event = threading.Event()
    for _ in range(3000):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError("condition never became true")


def test_a_name_is_asked_once_within_its_lifetime() -> None:
    resolver = CountingResolver({"reg.example": [V4("10.0.0.1")]})
    lookup = CachingLookup(resolver, ttl=30, clock=FakeClock())
    for _ in range(50):
        assert lookup("reg.example") == [V4("10.0.0.1")]
    assert resolver.calls == {"reg.example": 1}


def test_a_name_that_does_not_resolve_is_remembered_too() -> None:
    resolver = CountingResolver()
    lookup = CachingLookup(resolver, clock=FakeClock())
    assert [lookup("nowhere.example") for _ in range(10)] == [[]] * 10
    assert resolver.calls == {"nowhere.example": 1}


def test_an_old_answer_is_served_while_one_refresh_runs() -> None:
    clock = FakeClock()
    resolver = CountingResolver({"reg.example": [V4("10.0.0.1")]})
    lookup = CachingLookup(resolver, ttl=30, max_stale=600, clock=clock)
    assert lookup("reg.example") == [V4("10.0.0.1")]
    clock.now += 31
    resolver.release.clear()
    resolver.answers["reg.example"] = [V4("10.0.0.2")]
    # Past its lifetime: the old answer comes back at once, and only one refresh starts.
    for _ in range(20):
        assert lookup("reg.example") == [V4("10.0.0.1")]
    wait_for(lambda: resolver.calls["reg.example"] == 2)
    resolver.release.set()
    wait_for(lambda: lookup("reg.example") == [V4("10.0.0.2")])
    assert resolver.calls == {"reg.example": 2}


def test_an_answer_too_old_to_serve_is_waited_for() -> None:
    clock = FakeClock()
    resolver = CountingResolver({"reg.example": [V4("10.0.0.1")]})
    lookup = CachingLookup(resolver, ttl=30, max_stale=60, clock=clock)
    lookup("reg.example")
    clock.now += 100
    resolver.answers["reg.example"] = [V4("10.0.0.2")]
    assert lookup("reg.example") == [V4("10.0.0.2")]
    assert resolver.calls == {"reg.example": 2}


def test_concurrent_callers_share_one_lookup() -> None:
    resolver = CountingResolver({"reg.example": [V4("10.0.0.1")]})
    resolver.release.clear()
    lookup = CachingLookup(resolver, wait=None)
    results: list[list[IPAddress]] = []
    threads = [threading.Thread(target=lambda: results.append(lookup("reg.example")))
               for _ in range(16)]
    for thread in threads:
        thread.start()
    assert resolver.entered.wait(10)
    threading.Event().wait(0.2)  # let the other callers reach the lookup in flight
    resolver.release.set()
    for thread in threads:
        thread.join(10)
    assert results == [[V4("10.0.0.1")]] * 16
    assert resolver.calls == {"reg.example": 1}


def test_a_stalled_lookup_is_waited_for_once_and_its_answer_kept() -> None:
    resolver = CountingResolver({"slow.example": [V4("10.0.0.9")]})
    resolver.release.clear()  # the resolver stalls until released
    lookup = CachingLookup(resolver, wait=0.05)
    # The bounded wait runs out: "does not resolve" for now, as a failed net.LookupIP.
    assert lookup("slow.example") == []
    # Later callers do not start another lookup, and do not wait past the shared deadline.
    assert [lookup("slow.example") for _ in range(10)] == [[]] * 10
    assert resolver.calls == {"slow.example": 1}
    resolver.release.set()
    wait_for(lambda: lookup("slow.example") == [V4("10.0.0.9")])
    assert resolver.calls == {"slow.example": 1}


def test_an_unexpected_resolver_error_reaches_the_caller_and_is_not_remembered() -> None:
    calls = []

    def broken(host: str) -> list[IPAddress]:
        calls.append(host)
        raise RuntimeError("resolver bug")

    lookup = CachingLookup(broken)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="resolver bug"):
            lookup("reg.example")
    assert calls == ["reg.example", "reg.example"]


def test_the_least_recently_used_names_are_dropped() -> None:
    resolver = CountingResolver({f"h{n}.example": [V4(f"10.0.0.{n}")] for n in range(10)})
    lookup = CachingLookup(resolver, max_names=3, clock=FakeClock())
    for n in range(5):
        lookup(f"h{n}.example")
    lookup("h4.example")
    lookup("h0.example")  # dropped earlier: asked again
    assert resolver.calls["h0.example"] == 2
    assert resolver.calls["h4.example"] == 1


@pytest.mark.parametrize(
    "kwargs", [{"ttl": -1}, {"max_stale": -1}, {"wait": -0.5}, {"max_names": 0}]
)
def test_bad_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        CachingLookup(**kwargs)  # type: ignore[arg-type]


def test_docker_hub_pull_lookups_resolve_the_mirror_host_once() -> None:
    # The mirror's host is matched against the insecure ranges on every Hub lookup.
    resolver = CountingResolver({"mirror.example": [V4("10.1.2.3")]})
    service = DefaultService(
        ServiceOptions(mirrors=["https://mirror.example"]), lookup_ip=CachingLookup(resolver)
    )
    for _ in range(20):
        endpoints = service.lookup_pull_endpoints("docker.io")
        assert endpoints[0].url.startswith("https://mirror.example")
    assert resolver.calls == {"mirror.example": 1}


def test_a_service_caches_lookups_by_default() -> None:
    assert isinstance(DefaultService().lookup_ip, CachingLookup)
    # One service's answers are its own: no state shared between services.
    assert DefaultService().lookup_ip is not DefaultService().lookup_ip


def test_an_injected_resolver_is_called_as_given() -> None:
    resolver = CountingResolver({"reg.example": [V4("127.0.0.5")]})
    service = DefaultService(ServiceOptions(), lookup_ip=resolver)
    for _ in range(3):
        assert service.is_secure("reg.example:5000") is False
    assert resolver.calls == {"reg.example": 3}
