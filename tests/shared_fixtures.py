"""Pytest plugin: fixtures several test modules share (listed in ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from registry_core.tlsadapter import new_transport
from tests.tls_helpers import CertificateAuthority, make_ca

__all__ = ["CA_NAME", "Clock", "ca", "http"]

#: The common name of the :func:`ca` fixture's certificate.
CA_NAME = "registry-core test CA"


@pytest.fixture(scope="session")
def ca() -> CertificateAuthority:
    """A throw-away certificate authority for the whole run; sign leaves with
    :func:`tests.tls_helpers.issue_cert`. Nothing may trust it but the tests themselves."""
    return make_ca(CA_NAME)


class Clock:
    """A clock for code that takes ``now``: it says :attr:`now` until a test moves it."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A plain requests session for token requests to loopback stub servers: no proxy from
    the environment, and the project's own transport for ``http://``."""
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", new_transport())
    yield session
    session.close()
