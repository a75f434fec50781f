"""Pytest plugin: fixtures several test modules share (listed in ``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from tests.tls_helpers import CertificateAuthority, make_ca

__all__ = ["CA_NAME", "ca"]

#: The common name of the :func:`ca` fixture's certificate.
CA_NAME = "registry-core test CA"


@pytest.fixture(scope="session")
def ca() -> CertificateAuthority:
    """A throw-away certificate authority for the whole run; sign leaves with
    :func:`tests.tls_helpers.issue_cert`. Nothing may trust it but the tests themselves."""
    return make_ca(CA_NAME)
