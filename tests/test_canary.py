"""The canary plugin finds what it promises to find (run with pytester, so a leak fails an
inner test and not this one)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

_LEAKS = {
    "log": """
import logging
def test_x(secret_canary):
    logging.getLogger("registry_core.anything").debug("sent %s", secret_canary.password)
""",
    "error": """
import pytest
from registry_core.errors import TransportError
def test_x(secret_canary):
    with pytest.raises(TransportError):
        raise TransportError("token " + secret_canary.registry_token)
""",
    "chained": """
import pytest
from registry_core.errors import TransportError
def test_x(secret_canary):
    with pytest.raises(TransportError):
        try:
            raise ValueError(secret_canary.identity_token)
        except ValueError as exc:
            raise TransportError("wrapped") from exc
""",
    "printed": """
def test_x(secret_canary):
    print("the password is", secret_canary.password)
""",
    "url-encoded": """
from urllib.parse import quote
import logging
def test_x(secret_canary):
    logging.getLogger("x").info("body=%s", quote(secret_canary.password, safe=""))
""",
    "request": """
import requests, pytest
from registry_core.tlsadapter import new_transport
from registry_core.errors import TransportError
def test_x(secret_canary):
    session = requests.Session()
    session.mount("http://", new_transport())
    with pytest.raises(TransportError):
        session.get("http://127.0.0.1:9/v2/", auth=("u", secret_canary.password), timeout=5)
""",
}


def test_each_kind_of_leak_fails_its_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["tests.canary"]')
    for kind, source in _LEAKS.items():
        pytester.makepyfile(**{f"test_{kind.replace('-', '_')}": source})
    result = pytester.runpytest("-p", "no:cacheprovider")
    # each inner test passes its own assertions, then errors at teardown for its leak
    result.assert_outcomes(passed=len(_LEAKS), errors=len(_LEAKS))
    assert result.stdout.str().count("secret canary leaked") >= len(_LEAKS)


def test_a_request_to_an_allowed_host_and_clean_output_pass(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["tests.canary"]')
    pytester.makepyfile("""
import requests, pytest, logging
from registry_core.tlsadapter import new_transport
from registry_core.errors import TransportError
def test_x(secret_canary):
    secret_canary.allow("127.0.0.1:9")
    session = requests.Session()
    session.mount("http://", new_transport())
    with pytest.raises(TransportError):
        session.get("http://127.0.0.1:9/v2/", auth=("u", secret_canary.password), timeout=5)
    logging.getLogger("x").debug("nothing secret here")
""")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
