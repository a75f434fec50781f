"""Test host names that resolve to a loopback address inside the test process, and only there.

Why the tests need a name at all: the reference treats every 127.0.0.0/8 address and
``localhost`` as insecure (no TLS verification, no certs.d), so real verification is tested on
``[::1]``; but an image reference cannot carry an IPv6 literal, so tests that name images give
the registry a host name that resolves to ``::1`` alone. Editing ``/etc/hosts`` for that would
change the user's machine; instead :func:`resolver` wraps :func:`socket.getaddrinfo` so that
exactly the names it is given answer with their address, and every other name (and every
call that asks for a numeric host only) goes to the real resolver untouched. Everything in
the process that connects by name (requests, urllib3, ``http.client``, the library's own
``lookup_ip``) calls ``socket.getaddrinfo`` at call time, so they all see the mapping.

A child Python gets the same mapping from :func:`child_environment`: a ``sitecustomize.py``
in a directory of the test's own, put first on ``PYTHONPATH``. Programs that are not Python
(``docker-registry``, ``skopeo``) never see it: give them addresses, not these names.

Under every mapping sits an :class:`OffHostGuard` (installed for every test by
:mod:`tests.system_guard`, and in child Pythons by the same ``sitecustomize`` mechanism): no
test sends a DNS query off the host. IP literals (anything ``getaddrinfo`` reads as numeric)
and ``localhost`` go to the system, which answers them without the network; a name a test
mapped answers with its loopback address; any other name "does not resolve"
(:class:`socket.gaierror` ``EAI_NONAME``) at once, and the guard remembers it so that the
test fails (a test that expects the refusal takes it with :meth:`OffHostGuard.take`).

This module uses the standard library only, so that the ``sitecustomize.py`` of a child
process can import a copy of it.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["LOG_VARIABLE", "LoopbackResolver", "OffHostGuard", "child_environment",
           "guard_environment", "install", "install_guard", "resolver"]

#: Environment variable naming the file where a child Python's guard appends refused names.
LOG_VARIABLE = "REGISTRY_CORE_TEST_REFUSED_NAMES"

#: Names the system answers from its hosts file without a query (glibc, systemd).
LOCAL_NAMES = frozenset({"localhost", "localhost.", "localhost.localdomain", "ip6-localhost",
                         "ip6-loopback"})

GetAddrInfo = Callable[..., list[Any]]


class LoopbackResolver:
    """A stand-in for :func:`socket.getaddrinfo` that answers for some names itself.

    :param names: host name (matched case-insensitively, as DNS does) -> a loopback address.
    :param original: the resolver every other question goes to.
    """

    def __init__(self, names: Mapping[str, str], original: GetAddrInfo) -> None:
        self.names: dict[str, str] = {}
        self.original = original
        for name, address in names.items():
            self.add(name, address)

    def add(self, name: str, address: str = "::1") -> None:
        """Make ``name`` resolve to ``address``, which must be a loopback address."""
        if not ipaddress.ip_address(address).is_loopback:
            raise ValueError(f"{address} is not a loopback address: tests stay on loopback")
        self.names[name.lower()] = address

    def address_for(self, host: object) -> str | None:
        """The address this resolver gives ``host``, or ``None`` if it leaves it alone."""
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        return self.names.get(host.lower()) if isinstance(host, str) else None

    def __call__(self, host: Any, port: Any, family: int = 0, type: int = 0,  # noqa: A002
                 proto: int = 0, flags: int = 0) -> list[Any]:
        address = self.address_for(host)
        if address is None or flags & socket.AI_NUMERICHOST:
            # Not ours; or the caller asked whether the text *is* an address (a name is not).
            return self.original(host, port, family, type, proto, flags)
        # The real resolver builds the answer, so families, ports and errors (asking for
        # AF_INET for an IPv6 name fails) are exactly what a hosts-file entry would give.
        return self.original(address, port, family, type, proto, flags | socket.AI_NUMERICHOST)


class OffHostGuard:
    """A stand-in for :func:`socket.getaddrinfo` (and ``gethostbyname``) that never lets a
    question reach DNS: numeric hosts and :data:`LOCAL_NAMES` go to the system, any other
    name fails as "does not resolve" and is recorded in :attr:`refused` (and appended to
    the file ``log``, for a child process).

    :param original: the system's ``getaddrinfo``.
    """

    def __init__(self, original: GetAddrInfo, log: str | None = None) -> None:
        self.original = original
        self.log = log
        self.refused: list[str] = []

    def _name(self, host: Any) -> str | None:
        """``host`` as text when it is a name the system would send to DNS, else ``None``."""
        if host is None:
            return None
        if isinstance(host, (bytes, bytearray)):
            host = bytes(host).decode("ascii", "replace")
        text = str(host)
        if text == "" or text.lower() in LOCAL_NAMES:
            return None
        try:
            self.original(text, None, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
        except socket.gaierror:
            return text  # not numeric: a name
        # A host the system cannot even encode (UnicodeError: IDNA refuses "bad..name")
        # fails here as it would there, before any query.
        return None

    def refuse(self, name: str) -> socket.gaierror:
        """Record ``name`` and build the error a name that does not resolve gives."""
        self.refused.append(name)
        if self.log:
            with open(self.log, "a", encoding="utf-8") as file:
                file.write(json.dumps(name) + "\n")
        return socket.gaierror(
            socket.EAI_NONAME,
            f"{name!r} does not resolve: tests send no DNS query off the host (map it to "
            "loopback with tests.loopback_names, or inject lookup_ip=)",
        )

    def __call__(self, host: Any, port: Any, family: int = 0, type: int = 0,  # noqa: A002
                 proto: int = 0, flags: int = 0) -> list[Any]:
        if not flags & socket.AI_NUMERICHOST:
            name = self._name(host)
            if name is not None:
                raise self.refuse(name)
        return self.original(host, port, family, type, proto, flags)

    def gethostbyname(self, original: Callable[[str], Any]) -> Callable[[str], Any]:
        """``original`` (``socket.gethostbyname`` or ``gethostbyname_ex``) behind this guard."""

        def guarded(host: str) -> Any:
            name = self._name(host)
            if name is not None:
                raise self.refuse(name)
            return original(host)

        return guarded

    def take(self) -> list[str]:
        """The names refused since the last call, and forget them."""
        refused, self.refused = self.refused, []
        return refused


def install_guard(log: str | None = None) -> OffHostGuard:
    """Put an :class:`OffHostGuard` under ``socket`` for the rest of this process (for a
    child's ``sitecustomize``); ``log`` defaults to ``$REGISTRY_CORE_TEST_REFUSED_NAMES``."""
    current = socket.getaddrinfo
    if isinstance(current, OffHostGuard):
        return current
    guard = OffHostGuard(current, log if log is not None else os.environ.get(LOG_VARIABLE))
    socket.getaddrinfo = guard
    socket.gethostbyname = guard.gethostbyname(socket.gethostbyname)
    socket.gethostbyname_ex = guard.gethostbyname(socket.gethostbyname_ex)
    return guard


def resolver(names: Mapping[str, str], original: GetAddrInfo | None = None) -> LoopbackResolver:
    """A :class:`LoopbackResolver` over ``original`` (default: the current
    ``socket.getaddrinfo``); set it as ``socket.getaddrinfo`` with ``monkeypatch``."""
    return LoopbackResolver(names, original if original is not None else socket.getaddrinfo)


def install(names: Mapping[str, str]) -> LoopbackResolver:
    """Replace ``socket.getaddrinfo`` for the rest of this process (for ``sitecustomize``)."""
    patched = resolver(names)
    socket.getaddrinfo = patched
    return patched


_SITECUSTOMIZE = """\
# Written by tests/loopback_names.py: resolve some test names to loopback in this process.
import json

import _registry_core_loopback_names

_registry_core_loopback_names.install_guard()
_registry_core_loopback_names.install(json.loads({names!r}))
"""


def child_environment(directory: Path, names: Mapping[str, str],
                      base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a child Python that resolves ``names`` as this process does.

    Writes ``sitecustomize.py`` and a copy of this module into ``directory`` (the test's own
    temporary directory) and returns ``base`` (default: ``os.environ``) with ``directory``
    first on ``PYTHONPATH``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(__file__, directory / "_registry_core_loopback_names.py")
    (directory / "sitecustomize.py").write_text(
        _SITECUSTOMIZE.format(names=json.dumps(dict(names))), encoding="utf-8"
    )
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(directory), *filter(None, [env.get("PYTHONPATH", "")])]
    )
    return env


def guard_environment(directory: Path, log: Path,
                      base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a child Python whose resolver is guarded (no names mapped): the
    names it is refused are appended, one JSON string a line, to ``log``."""
    env = child_environment(directory, {}, base)
    env[LOG_VARIABLE] = str(log)
    return env
