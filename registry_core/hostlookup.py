"""Host lookups that remember their answers: a caching ``lookup_ip`` for the service.

The reference asks the system resolver (Go's ``net.LookupIP``) every time it matches a host
against the insecure or nondistributable CIDR ranges, which happens on every endpoint lookup,
TLS decision and login, for the mirrors of Docker Hub as well as the registry itself. Each of
those asks DNS again. On a machine whose resolver stalls now and then (a lost UDP answer
costs glibc its 5 s timeout), every call risks that stall.

:class:`CachingLookup` wraps any ``lookup_ip`` function and, beyond the reference:

* remembers each name's answer for ``ttl`` seconds (answers that say "does not resolve" too);
* after that, answers at once with the remembered addresses while one refresh runs in the
  background, for up to ``max_stale`` seconds more; only then does a caller wait again;
* runs one lookup per name at a time: callers asking about a name already being looked up
  wait for that lookup instead of starting their own;
* waits at most ``wait`` seconds for an answer, shared by every caller of one lookup; a lookup
  still running then counts as "does not resolve" (as a failed ``net.LookupIP`` does: no
  insecure range matches, so TLS stays verified) and its answer is kept when it arrives;
* remembers at most ``max_names`` names, dropping the least recently used.

:class:`~registry_core.service.DefaultService` uses one by default, around
:func:`~registry_core.config.default_lookup_ip`; a ``lookup_ip`` passed to it is used as given
(wrap it in a :class:`CachingLookup` to have both).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from .config import IPAddress, LookupIP, default_lookup_ip

__all__ = ["CachingLookup"]

logger = logging.getLogger(__name__)


@dataclass
class _Answer:
    addresses: tuple[IPAddress, ...]
    at: float


@dataclass
class _Lookup:
    """One lookup of a name in progress, shared by every caller that asks meanwhile."""

    deadline: float | None
    done: threading.Event = field(default_factory=threading.Event)
    addresses: tuple[IPAddress, ...] = ()
    error: BaseException | None = None


class CachingLookup:
    """A ``lookup_ip`` that remembers answers, shares lookups in flight and bounds the wait.

    Safe to call from any number of threads. See the module documentation for the rules.

    :param lookup_ip: the resolver to ask; :func:`~registry_core.config.default_lookup_ip`
        by default. An :class:`OSError` or :class:`ValueError` from it means "does not
        resolve" and is remembered as such; any other exception reaches the callers of that
        lookup and is not remembered.
    :param ttl: seconds an answer is used without asking again.
    :param max_stale: seconds past ``ttl`` an answer is still used while a refresh runs.
    :param wait: the longest a caller waits for an answer, in seconds; ``None`` waits for
        as long as the resolver takes.
    :param max_names: how many names are remembered.
    :param clock: seconds from a monotonic clock (for tests).
    """

    def __init__(
        self,
        lookup_ip: LookupIP | None = None,
        *,
        ttl: float = 30.0,
        max_stale: float = 600.0,
        wait: float | None = 5.0,
        max_names: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl < 0 or max_stale < 0 or (wait is not None and wait < 0) or max_names < 1:
            raise ValueError("ttl, max_stale and wait must not be negative; max_names >= 1")
        self.lookup_ip: LookupIP = lookup_ip if lookup_ip is not None else default_lookup_ip
        self.ttl = ttl
        self.max_stale = max_stale
        self.wait = wait
        self.max_names = max_names
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, _Answer] = OrderedDict()
        self._lookups: dict[str, _Lookup] = {}

    def __call__(self, host: str) -> list[IPAddress]:
        with self._lock:
            now = self._clock()
            answer = self._answers.get(host)
            if answer is not None:
                self._answers.move_to_end(host)
                age = now - answer.at
                if age < self.ttl:
                    return list(answer.addresses)
                if age < self.ttl + self.max_stale:
                    self._start(host, now)  # a refresh, unless one is running
                    return list(answer.addresses)
            lookup = self._start(host, now)
        if lookup.deadline is None:
            lookup.done.wait()
        else:
            lookup.done.wait(max(0.0, lookup.deadline - self._clock()))
        if not lookup.done.is_set():
            logger.warning(
                "looking up %r takes longer than %ss: treating it as not resolving for now",
                host,
                self.wait,
            )
            return []
        if lookup.error is not None:
            raise lookup.error
        return list(lookup.addresses)

    def forget(self) -> None:
        """Drop every remembered answer (lookups in flight still finish and are kept)."""
        with self._lock:
            self._answers.clear()

    def _start(self, host: str, now: float) -> _Lookup:
        """The lookup of ``host`` in flight, started now if there is none. Holds the lock."""
        lookup = self._lookups.get(host)
        if lookup is None:
            lookup = _Lookup(deadline=None if self.wait is None else now + self.wait)
            self._lookups[host] = lookup
            threading.Thread(
                target=self._run, args=(host, lookup), name="registry-core-lookup", daemon=True
            ).start()
        return lookup

    def _run(self, host: str, lookup: _Lookup) -> None:
        try:
            lookup.addresses = tuple(self.lookup_ip(host))
        except (OSError, ValueError):
            lookup.addresses = ()
        except BaseException as err:  # handed to the callers waiting for this lookup
            lookup.error = err
        with self._lock:
            del self._lookups[host]
            if lookup.error is None:
                self._answers[host] = _Answer(lookup.addresses, self._clock())
                self._answers.move_to_end(host)
                while len(self._answers) > self.max_names:
                    self._answers.popitem(last=False)
        lookup.done.set()
