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

__all__ = ["LoopbackResolver", "child_environment", "install", "resolver"]

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
