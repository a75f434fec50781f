"""The service's public edge: a wrong argument type is an InvalidArgumentError naming the
method and argument, and a host name holding a password never reaches the resolver."""

from __future__ import annotations

import socket
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from registry_core.config import IPAddress
from registry_core.errors import InvalidArgumentError, InvalidHostnameError, RegistryError
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.types import AuthConfig

SECRET = "s3cr3t"
ADDRESSES = ["https://bob:s3cr3t@h:port/", "http://bob:s3cr3t@[::1/v2/", "bob:s3cr3t@[::1",
             "bob:s3cr3t@h:5000", "s3cr3t@h"]


class RecordingLookup:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[IPAddress]:
        self.asked.append(host)
        return []


@pytest.fixture
def system_resolver_asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the system resolver is asked in this test (it answers 'no such name')."""
    asked: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(str(host))
        raise socket.gaierror(socket.EAI_NONAME, "does not resolve")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def _text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error)


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("call", ["lookup_pull_endpoints", "lookup_push_endpoints", "tls_config",
                                  "is_secure"])
def test_a_host_name_with_user_info_is_refused_before_any_lookup(
        address: str, call: str, tmp_path, monkeypatch: pytest.MonkeyPatch,
        system_resolver_asked: list[str]) -> None:
    monkeypatch.setenv("REGISTRY_CORE_CERTS_DIR", str(tmp_path))
    lookup = RecordingLookup()
    service = DefaultService(lookup_ip=lookup)
    with pytest.raises(InvalidHostnameError) as caught:
        getattr(service, call)(address)
    assert isinstance(caught.value, InvalidArgumentError)
    assert SECRET not in _text(caught.value)
    assert "xxxxx@" in str(caught.value)
    assert lookup.asked == [] and system_resolver_asked == []


@pytest.mark.parametrize("address", ADDRESSES)
def test_a_login_to_an_address_with_a_password_never_resolves_it(
        address: str, tmp_path, monkeypatch: pytest.MonkeyPatch,
        system_resolver_asked: list[str]) -> None:
    """The login takes the host from the parsed address (as the reference): the password
    is neither resolved nor quoted, whether the address parses or not."""
    monkeypatch.setenv("REGISTRY_CORE_CERTS_DIR", str(tmp_path))
    lookup = RecordingLookup()
    config = AuthConfig(username="bob", password="pw", server_address=address)
    with pytest.raises(RegistryError) as caught:
        DefaultService(lookup_ip=lookup).auth(config, "ua")
    assert SECRET not in _text(caught.value)
    for asked in [*lookup.asked, *system_resolver_asked]:
        assert "@" not in asked and SECRET not in asked


@pytest.mark.parametrize("hostname", ["[::1", "a b", "h/x:5000", "127.0.0.1\x00x", "2130706433"])
def test_only_domain_names_reach_the_resolver(hostname: str,
                                              system_resolver_asked: list[str]) -> None:
    """What Go's resolver would not send to DNS is not sent here either; the answer stays
    the reference's (the name does not resolve, so it is secure)."""
    lookup = RecordingLookup()
    service = DefaultService(lookup_ip=lookup)
    assert service.is_secure(hostname)
    assert lookup.asked == [] and system_resolver_asked == []


def test_a_domain_name_still_reaches_the_given_lookup() -> None:
    lookup = RecordingLookup()
    DefaultService(lookup_ip=lookup).is_secure("my-reg.test:5000")
    assert lookup.asked == ["my-reg.test"]


NAMED = parse_normalized_named("r.test/app")


def _calls(service: DefaultService) -> list[tuple[str, Callable[[], object]]]:
    info = service.resolve_repository(NAMED)
    return [
        ("resolve_repository", lambda: service.resolve_repository(None)),  # type: ignore[arg-type]
        ("resolve_repository", lambda: service.resolve_repository("r.test/app")),  # type: ignore[arg-type]
        ("is_secure", lambda: service.is_secure(None)),  # type: ignore[arg-type]
        ("tls_config", lambda: service.tls_config(5)),  # type: ignore[arg-type]
        ("lookup_pull_endpoints", lambda: service.lookup_pull_endpoints(None)),  # type: ignore[arg-type]
        ("lookup_push_endpoints", lambda: service.lookup_push_endpoints(b"r.test")),  # type: ignore[arg-type]
        ("lookup_pull_endpoints", lambda: service.lookup_pull_endpoints("r.test", 5)),  # type: ignore[arg-type]
        ("auth", lambda: service.auth(None, "ua")),  # type: ignore[arg-type]
        ("auth", lambda: service.auth(AuthConfig(), 5)),  # type: ignore[arg-type]
        ("search", lambda: service.search(None, 25, None, "ua", None)),  # type: ignore[arg-type]
        ("search", lambda: service.search("x", "25", None, "ua", None)),  # type: ignore[arg-type]
        ("search", lambda: service.search("x", True, None, "ua", None)),
        ("search", lambda: service.search("x", 25, "bob", "ua", None)),  # type: ignore[arg-type]
        ("search", lambda: service.search("x", 25, None, "ua", ["h"])),  # type: ignore[arg-type]
        ("session", lambda: service.session(None)),  # type: ignore[arg-type]
        ("session", lambda: service.session(info, "pull")),
        ("session", lambda: service.session(info, [None])),  # type: ignore[list-item]
        ("session", lambda: service.session(info, reference="r.test/app")),  # type: ignore[arg-type]
        ("session", lambda: service.session(info, user_agent=5)),  # type: ignore[arg-type]
        ("session", lambda: service.session(info, meta_headers=["h"])),  # type: ignore[arg-type]
        ("repository", lambda: service.repository(None)),  # type: ignore[arg-type]
        ("repository", lambda: service.repository("r.test/app", None)),  # type: ignore[arg-type]
        ("load_mirrors", lambda: service.load_mirrors(None)),  # type: ignore[arg-type]
        ("load_insecure_registries", lambda: service.load_insecure_registries(5)),  # type: ignore[arg-type]
        ("load_allow_nondistributable_artifacts",
         lambda: service.load_allow_nondistributable_artifacts("r.test")),
    ]


def test_every_public_method_types_its_arguments() -> None:
    lookup = RecordingLookup()
    service = DefaultService(lookup_ip=lookup)
    public = {name for name in dir(DefaultService) if not name.startswith("_")
              and callable(getattr(DefaultService, name))}
    without_arguments = {"close", "service_config"}
    calls = _calls(service)
    assert public - without_arguments == {name for name, _ in calls}
    for name, call in calls:
        with pytest.raises(InvalidArgumentError) as caught:
            call()
        assert caught.value.__class__.__module__.startswith("registry_core"), name
        message = str(caught.value)
        assert message.startswith(f"DefaultService.{name}: ") or name.startswith("load_"), message
        assert " must be " in message, message


def test_the_constructor_types_its_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match="lookup_ip must be None, not str"):
        DefaultService(lookup_ip="8.8.8.8")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="DefaultService: options must be"):
        DefaultService({"registry-mirrors": []})  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="user_agent must be str or None, not int"):
        DefaultService(user_agent=5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="meta_headers must be Mapping or None"):
        DefaultService(meta_headers=["X-A: b"])  # type: ignore[arg-type]


@pytest.mark.parametrize("actions", [("pull",), ("pull", "push")])
def test_binding_a_repository_lists_every_endpoint_that_failed(actions: tuple[str, ...]) -> None:
    """A loopback registry has an https and an http endpoint; when neither answers (a dead
    port), the error is the session's AllEndpointsFailedError naming both, not the last."""
    from registry_core.errors import AllEndpointsFailedError, TransportError
    from tests.http_stub import free_port

    host = f"127.0.0.1:{free_port()}"
    with DefaultService() as service, pytest.raises(AllEndpointsFailedError) as caught:
        service.repository(f"{host}/team/app", actions)
    assert isinstance(caught.value, TransportError)
    assert [url for url, _, _ in caught.value.attempts] == [f"https://{host}", f"http://{host}"]
    message = str(caught.value)
    assert "all 2 endpoints failed, in the order tried:" in message
    assert f"endpoint https://{host}:" in message and f"endpoint http://{host}:" in message
