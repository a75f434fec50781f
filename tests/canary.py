"""Secret canaries for every test: a password, an identity token and a registry token that
must never show up where a secret must not.

Registered from ``tests/conftest.py`` (``pytest_plugins``). Every test gets three fresh
values through the ``secret_canary`` fixture (autouse, so the checks run for every test,
whether or not it uses them)::

    def test_login(secret_canary, ...):
        config = AuthConfig(username="u", password=secret_canary.password)
        secret_canary.allow("127.0.0.1:5000")   # the one host it is meant for
        ...

A test fails, after it has otherwise passed, when a canary (as sent, URL-encoded,
JSON-escaped, or inside a basic-auth header) appears in:

- a log record of any logger at any level: a handler on the root logger at ``DEBUG``
  formats every record, arguments and exception text included;
- the text or repr of any :class:`~registry_core.errors.RegistryError` created during the
  test, or of the exceptions chained to it (``__cause__``, ``__context__``): every such error
  is recorded when it is constructed, so one the test caught with ``pytest.raises`` counts;
- what the test printed (captured stdout and stderr) and the failure report;
- a request sent by the library to a host the test did not :meth:`Canary.allow`: every
  request through :class:`~registry_core.tlsadapter.RegistryTransport` is looked at (URL,
  headers, body) before it leaves.

Limits: exceptions that are not ``RegistryError`` are seen only when they reach a log record
or the report; requests sent by other means (a test's own ``requests`` call, a subprocess)
are not seen; output of a subprocess is seen only if the test prints it; a secret
transformed in some other way (hashed, split, another encoding) is not recognised.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import secrets
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

import pytest

from registry_core.errors import RegistryError

__all__ = ["Canary", "secret_canary"]


@dataclass
class Canary:
    """The three canaries, and the hosts a test meant them for."""

    password: str
    identity_token: str
    registry_token: str
    allowed_hosts: set[str] = field(default_factory=set)
    #: Leaks found so far: (where, which canary).
    leaks: list[tuple[str, str]] = field(default_factory=list)

    def allow(self, *hosts: str) -> None:
        """Let requests to ``hosts`` (``host:port`` as in a URL) carry the canaries."""
        self.allowed_hosts.update(host.lower() for host in hosts)

    def values(self) -> dict[str, str]:
        return {"password": self.password, "identity token": self.identity_token,
                "registry token": self.registry_token}

    def find(self, text: str) -> str | None:
        """Which canary ``text`` holds, in any of the forms it is sent or quoted in."""
        for name, value in self.values().items():
            forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
            if any(form in text for form in forms):
                return name
        return None

    def check(self, where: str, text: str) -> None:
        found = self.find(text)
        if found is not None:
            self.leaks.append((where, found))


def _new_canary() -> Canary:
    # Characters that change under URL and JSON encoding, so each form is exercised.
    return Canary(
        password=f"cnry-pw+{secrets.token_hex(6)}/=",
        identity_token=f"cnry-it+{secrets.token_hex(6)}/=",
        registry_token=f"cnry-rt-{secrets.token_hex(6)}",
    )


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.texts.append(self.format(record))
        except Exception as exc:  # noqa: BLE001 - a record that cannot be formatted
            self.texts.append(f"unformattable record {record.msg!r}: {exc!r}")


def _error_text(error: BaseException) -> str:
    parts = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(getattr(current, "args", ()))]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def _request_text(request: Any) -> str:
    """URL, headers and body of a prepared request, with basic-auth headers decoded."""
    parts = [str(request.url)]
    for name, value in (request.headers or {}).items():
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        parts.append(f"{name}: {text}")
        if text.lower().startswith("basic "):
            with contextlib.suppress(ValueError):
                parts.append(base64.b64decode(text[6:].strip()).decode("utf-8", "replace"))
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        parts += [body, unquote_plus(body)]
    return "\n".join(parts)


@pytest.fixture(autouse=True)
def secret_canary(monkeypatch: pytest.MonkeyPatch) -> Iterator[Canary]:
    """The canaries of this test; the test fails if one leaks (see the module)."""
    found = _new_canary()
    records = _Records()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(records)
    root.setLevel(logging.DEBUG)

    errors: list[BaseException] = []
    original_init = RegistryError.__init__

    def recording_init(self: RegistryError, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        errors.append(self)

    monkeypatch.setattr(RegistryError, "__init__", recording_init)

    from registry_core.tlsadapter import RegistryTransport

    original_send = RegistryTransport.send

    def watching_send(self: RegistryTransport, request: Any, *args: Any, **kwargs: Any) -> Any:
        host = (urlsplit(str(request.url)).netloc.rpartition("@")[2]).lower()
        if host not in found.allowed_hosts:
            found.check(f"a request to {host}", _request_text(request))
        return original_send(self, request, *args, **kwargs)

    monkeypatch.setattr(RegistryTransport, "send", watching_send)
    try:
        yield found
    finally:
        root.removeHandler(records)
        root.setLevel(old_level)
    for text in records.texts:
        found.check("a log record", text)
    for error in errors:
        found.check(f"a {type(error).__name__}", _error_text(error))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Fail a test whose canaries leaked, and look in what it printed and its report."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    found = getattr(item, "funcargs", {}).get("secret_canary")
    if not isinstance(found, Canary) or report.when != "teardown":
        return
    for title, content in report.sections:
        if "stdout" in title or "stderr" in title:
            found.check(title, content)
    if found.leaks and report.passed:
        where = "; ".join(f"the {what} in {place}" for place, what in found.leaks)
        report.outcome = "failed"
        report.longrepr = f"secret canary leaked: {where}"
