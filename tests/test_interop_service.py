"""hosts.toml and registries.conf in the service: lookups by image, precedence, origins, TLS."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Any

import pytest
from registry_core_plugins.hosts_toml import HOSTS_DIR_ENV, HostsDirectory
from registry_core_plugins.registries_conf import CONF_ENV, RegistriesConf

from registry_core.config import IPAddress, ServiceOptions
from registry_core.endpoint_lookup import BlockedRegistryError
from registry_core.hostsconfig import HostsFileError
from registry_core.manager import get_plugin_manager
from registry_core.reference import parse_normalized_named
from registry_core.service import DefaultService
from registry_core.types import APIEndpoint
from tests.tls_helpers import issue_cert, make_ca

FILE_PLUGINS = ["registry_core_plugins.hosts_toml", "registry_core_plugins.registries_conf"]
DIGEST = "sha256:" + "a" * 64


@pytest.fixture(autouse=True)
def _no_system_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The module plugins must not read this machine's /etc/containers or home directory."""
    monkeypatch.setattr("registry_core_plugins.registries_conf.SYSTEM_REGISTRIES_CONF_DIR",
                        str(tmp_path / "system-registries.conf.d"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def no_dns(host: str) -> list[IPAddress]:
    return [ipaddress.IPv4Address("127.0.0.1")] if host == "localhost" else []


def service(
    hosts_root: Path | None = None,
    conf: Path | None = None,
    conf_dir: Path | None = None,
    options: ServiceOptions | None = None,
    **hosts_options: Any,
) -> DefaultService:
    """A service whose file plugins read the given test files only."""
    pm = get_plugin_manager(block=[*FILE_PLUGINS, "registry_core_plugins.certsd"],
                            load_entrypoints=False)
    if conf is not None:
        pm.register(RegistriesConf(conf, conf_dir), name="test-registries-conf")
    if hosts_root is not None:
        pm.register(HostsDirectory(hosts_root, **hosts_options), name="test-hosts-toml")
    return DefaultService(options, plugin_manager=pm, lookup_ip=no_dns)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def urls(endpoints: list[APIEndpoint]) -> list[str]:
    return [e.url for e in endpoints]


# ---- with no configuration the answers are the reference's ---------------------------------


@pytest.mark.parametrize("host", ["docker.io", "localhost:5000", "registry.example.com",
                                  "127.0.0.1:5000", "index.docker.io"])
@pytest.mark.parametrize("push", [False, True])
def test_module_plugins_change_nothing_without_configuration(
    host: str, push: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HOSTS_DIR_ENV, str(tmp_path / "certs.d"))
    monkeypatch.setenv(CONF_ENV, str(write(tmp_path / "registries.conf", "")))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    options = ServiceOptions(mirrors=["https://mirror.example.com"],
                             insecure_registries=["localhost:5000"])
    with_files = DefaultService(
        options, plugin_manager=get_plugin_manager(load_entrypoints=False), lookup_ip=no_dns
    )
    without = DefaultService(
        options, plugin_manager=get_plugin_manager(block=FILE_PLUGINS, load_entrypoints=False),
        lookup_ip=no_dns,
    )
    lookup = "lookup_push_endpoints" if push else "lookup_pull_endpoints"
    assert getattr(with_files, lookup)(host) == getattr(without, lookup)(host)


def test_an_empty_hosts_dir_variable_turns_the_plugin_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "certs.d"
    write(root / "docker.io" / "hosts.toml", '[host."https://m.example.com"]\n')
    monkeypatch.setenv(CONF_ENV, str(write(tmp_path / "registries.conf", "")))
    pm = get_plugin_manager(load_entrypoints=False)
    monkeypatch.setenv(HOSTS_DIR_ENV, str(root))
    assert urls(DefaultService(plugin_manager=pm).lookup_pull_endpoints("docker.io"))[0] == (
        "https://m.example.com"
    )
    monkeypatch.setenv(HOSTS_DIR_ENV, "")
    assert urls(DefaultService(plugin_manager=pm).lookup_pull_endpoints("docker.io")) == [
        "https://registry-1.docker.io"
    ]


# ---- hosts.toml -----------------------------------------------------------------------------


HUB_HOSTS = """
[host."https://mirror.example.com"]
  capabilities = ["pull", "resolve"]
  header = {"X-Team" = "build"}

[host."https://digests.example.com/cache"]
  capabilities = ["pull"]

[host."https://push.example.com"]
  capabilities = ["push"]
"""


def test_hosts_toml_pull_endpoints_in_containerds_order(tmp_path: Path) -> None:
    path = write(tmp_path / "docker.io" / "hosts.toml", HUB_HOSTS)
    svc = service(tmp_path)
    by_digest = svc.lookup_pull_endpoints("docker.io", f"docker.io/library/busybox@{DIGEST}")
    assert urls(by_digest) == ["https://mirror.example.com", "https://digests.example.com/cache",
                               "https://registry-1.docker.io"]
    mirror, cache, hub = by_digest
    assert (mirror.mirror, mirror.auth_config_key, mirror.headers) == (
        True, "mirror.example.com", {"X-Team": ["build"]})
    assert mirror.origin == f'{path} [host."https://mirror.example.com"]'
    assert cache.auth_config_key == "digests.example.com"
    assert (hub.mirror, hub.official, hub.auth_config_key) == (False, True, None)
    assert hub.origin == str(path)


def test_hosts_toml_host_without_resolve_is_skipped_for_a_tag(tmp_path: Path) -> None:
    write(tmp_path / "docker.io" / "hosts.toml", HUB_HOSTS)
    by_tag = service(tmp_path).lookup_pull_endpoints("docker.io", "busybox:latest")
    assert urls(by_tag) == ["https://mirror.example.com", "https://registry-1.docker.io"]


def test_hosts_toml_pushes_go_only_to_hosts_with_push(tmp_path: Path) -> None:
    write(tmp_path / "docker.io" / "hosts.toml", HUB_HOSTS)
    assert urls(service(tmp_path).lookup_push_endpoints("docker.io")) == [
        "https://push.example.com", "https://registry-1.docker.io"]


def test_hosts_toml_server_and_port_directory(tmp_path: Path) -> None:
    write(tmp_path / "registry.example.com_5000_" / "hosts.toml",
          'server = "http://10.0.0.5:5000/prefix"\n[host."https://cache.example.com"]\n')
    endpoints = service(tmp_path).lookup_pull_endpoints("registry.example.com:5000")
    assert urls(endpoints) == ["https://cache.example.com", "http://10.0.0.5:5000/prefix"]
    assert endpoints[1].tls_config.insecure_skip_verify  # plain http marks the host insecure


def test_hosts_toml_api_root_not_ending_in_v2_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "docker.io" / "hosts.toml",
          '[host."https://m.example.com/raw"]\n  override_path = true\n')
    assert urls(service(tmp_path).lookup_pull_endpoints("docker.io")) == [
        "https://registry-1.docker.io"]
    assert "not a registry API root ending in /v2" in caplog.text


def test_hosts_toml_tls_settings_reach_the_endpoint_and_tls_config(tmp_path: Path) -> None:
    ca = make_ca("hosts-toml-ca")
    client = issue_cert(ca, ["client"], client=True)
    directory = tmp_path / "registry.example.com"
    write(directory / "ca.pem", ca.cert_pem)
    write(directory / "client.pem", client.cert_pem + client.key_pem)
    write(directory / "hosts.toml",
          'server = "https://registry.example.com"\nca = "ca.pem"\nclient = "client.pem"\n'
          '[host."https://m.example.com"]\n  skip_verify = true\n')
    svc = service(tmp_path)
    mirror, own = svc.lookup_pull_endpoints("registry.example.com")
    assert mirror.tls_config.insecure_skip_verify and mirror.tls_config.root_cas is None
    assert not own.tls_config.insecure_skip_verify
    assert own.tls_config.root_cas and "BEGIN CERTIFICATE" in own.tls_config.root_cas[0]
    assert [(c.cert_file, c.key_file) for c in own.tls_config.client_certificates] == [
        (str(directory / "client.pem"), str(directory / "client.pem"))]
    tls = svc.tls_config("registry.example.com")  # the TLS hook: logins use it too
    assert tls.root_cas == own.tls_config.root_cas
    assert tls.client_certificates == own.tls_config.client_certificates
    own.tls_config.ssl_context()  # the material loads into a real context


def test_broken_hosts_toml_is_logged_naming_the_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "docker.io" / "hosts.toml",
                 '[host."https://m.example.com"]\n  capabilities = ["pull", "delete"]\n')
    assert urls(service(tmp_path).lookup_pull_endpoints("docker.io")) == [
        "https://registry-1.docker.io"]
    assert f"ignoring {path}: line 2: unknown capability delete" in caplog.text


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[host."https://m.example.com"]\n  capabilities = ["pull", "delete"]\n', 2,
         "unknown capability delete"),
        ('server = "https://a"\n[host."https://m"\n', 2, "failed to parse TOML"),
        ('server = "https://a"\n\n[host."https://m"]\n  skip_verify = "yes"\n', 4,
         "skip_verify"),
        ('server = "https://a"\n', None, "invalid `host` tree"),
    ],
)
def test_strict_mode_names_file_and_line(
    tmp_path: Path, text: str, line: int | None, message: str
) -> None:
    path = write(tmp_path / "docker.io" / "hosts.toml", text)
    with pytest.raises(HostsFileError) as caught:
        service(tmp_path, strict=True).lookup_pull_endpoints("docker.io")
    where = f"{path}: line {line}: " if line else f"{path}: "
    assert str(caught.value).startswith(where), str(caught.value)
    assert message in str(caught.value)


# ---- registries.conf ------------------------------------------------------------------------


REGISTRIES = """
[[registry]]
prefix = "example.com/team"
location = "internal.example.com/mirrored/team"
[[registry.mirror]]
location = "digest-cache.example.com/team"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "cache.example.com:5000/team"

[[registry]]
location = "blocked.example.com"
blocked = true
"""


def test_registries_conf_digest_only_mirror_is_skipped_for_a_tag(tmp_path: Path) -> None:
    conf = write(tmp_path / "registries.conf", REGISTRIES)
    svc = service(conf=conf)
    by_tag = svc.lookup_pull_endpoints("example.com", "example.com/team/app:1.0")
    assert urls(by_tag) == ["https://cache.example.com:5000", "https://internal.example.com"]
    by_digest = svc.lookup_pull_endpoints("example.com", f"example.com/team/app@{DIGEST}")
    assert urls(by_digest) == ["https://digest-cache.example.com",
                               "https://cache.example.com:5000", "https://internal.example.com"]


def test_registries_conf_rewritten_location_carries_the_repository_path(tmp_path: Path) -> None:
    conf = write(tmp_path / "registries.conf", REGISTRIES)
    mirror, own = service(conf=conf).lookup_pull_endpoints("example.com", "example.com/team/app:1")
    assert (mirror.repository_path, mirror.mirror) == ("", True)  # same path, another host
    assert (own.repository_path, own.mirror) == ("mirrored/team/app", False)
    # Another host than the registry's: its own credentials, not example.com's.
    assert (mirror.auth_config_key, own.auth_config_key) == ("cache.example.com:5000",
                                                            "internal.example.com")
    assert own.origin == (f'{conf}: [[registry]] prefix="example.com/team" '
                          'location="internal.example.com/mirrored/team"')


def test_registries_conf_mirrors_serve_pulls_only(tmp_path: Path) -> None:
    conf = write(tmp_path / "registries.conf", REGISTRIES)
    pushed = service(conf=conf).lookup_push_endpoints("example.com", "example.com/team/app:1")
    assert urls(pushed) == ["https://example.com"]
    assert pushed[0].auth_config_key is None


def test_registries_conf_blocked_registry_is_an_error_naming_the_file(tmp_path: Path) -> None:
    conf = write(tmp_path / "registries.conf", REGISTRIES)
    svc = service(conf=conf)
    for lookup in (svc.lookup_pull_endpoints, svc.lookup_push_endpoints):
        with pytest.raises(BlockedRegistryError, match=f"blocked in {conf}"):
            lookup("blocked.example.com", "blocked.example.com/x:1")


def test_registries_conf_insecure_location_adds_plain_http(tmp_path: Path) -> None:
    conf = write(tmp_path / "registries.conf",
                 '[[registry]]\nlocation = "reg.example.com"\ninsecure = true\n')
    endpoints = service(conf=conf).lookup_pull_endpoints("reg.example.com", "reg.example.com/a:1")
    assert urls(endpoints) == ["https://reg.example.com", "http://reg.example.com"]
    assert all(e.tls_config.insecure_skip_verify for e in endpoints)


def test_registries_conf_hostname_only_leaves_out_locations_with_a_path(tmp_path: Path) -> None:
    conf = write(tmp_path / "registries.conf", """
[[registry]]
location = "quay.io"
[[registry.mirror]]
location = "mirror.example.com"
[[registry.mirror]]
location = "mirror.example.com/quay"
""")
    assert urls(service(conf=conf).lookup_pull_endpoints("quay.io")) == [
        "https://mirror.example.com", "https://quay.io"]


def test_registries_conf_load_error_has_the_reference_text(tmp_path: Path) -> None:
    conf = write(tmp_path / "registries.conf", '[[registry]]\nprefix = "https://x"\n')
    with pytest.raises(Exception, match="invalid location 'https://x': URI schemes"):
        service(conf=conf).lookup_pull_endpoints("x")


# ---- which file decides --------------------------------------------------------------------


def test_precedence_hosts_toml_then_registries_conf_then_daemon_json(tmp_path: Path) -> None:
    hosts_root = tmp_path / "certs.d"
    hosts_file = write(hosts_root / "docker.io" / "hosts.toml",
                       '[host."https://containerd-mirror.example.com"]\n'
                       '  capabilities = ["pull", "resolve"]\n')
    conf = write(tmp_path / "registries.conf",
                 '[[registry]]\nlocation = "docker.io"\n'
                 '[[registry.mirror]]\nlocation = "podman-mirror.example.com"\n')
    options = ServiceOptions(mirrors=["https://daemon-mirror.example.com"])
    ref = "docker.io/library/busybox:latest"

    all_three = service(hosts_root, conf, options=options).lookup_pull_endpoints("docker.io", ref)
    assert [(e.url, e.origin) for e in all_three] == [
        ("https://containerd-mirror.example.com",
         f'{hosts_file} [host."https://containerd-mirror.example.com"]'),
        ("https://registry-1.docker.io", str(hosts_file)),
    ]
    without_hosts = service(None, conf, options=options).lookup_pull_endpoints("docker.io", ref)
    assert [(e.url, e.origin) for e in without_hosts] == [
        ("https://podman-mirror.example.com",
         f'{conf}: [[registry]] prefix="docker.io" mirror location="podman-mirror.example.com"'),
        ("https://registry-1.docker.io",
         f'{conf}: [[registry]] prefix="docker.io" location="docker.io"'),
    ]
    daemon_only = service(options=options).lookup_pull_endpoints("docker.io", ref)
    assert [(e.url, e.origin) for e in daemon_only] == [
        ("https://daemon-mirror.example.com/",
         "daemon.json registry-mirrors https://daemon-mirror.example.com/"),
        ("https://registry-1.docker.io", "built-in: Docker Hub"),
    ]


def test_blocked_in_registries_conf_wins_over_hosts_toml(tmp_path: Path) -> None:
    write(tmp_path / "certs.d" / "docker.io" / "hosts.toml", '[host."https://m.example.com"]\n')
    conf = write(tmp_path / "registries.conf", '[[registry]]\nlocation = "docker.io"\nblocked = '
                 "true\n")
    with pytest.raises(BlockedRegistryError):
        service(tmp_path / "certs.d", conf).lookup_pull_endpoints("docker.io", "busybox")


def test_registries_conf_from_the_environment(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    conf = write(tmp_path / "registries.conf",
                 '[[registry]]\nprefix = "quay.io"\nlocation = "quay-mirror.example.com"\n')
    monkeypatch.setenv(CONF_ENV, str(conf))
    monkeypatch.setenv(HOSTS_DIR_ENV, str(tmp_path / "certs.d"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("registry_core_plugins.registries_conf.SYSTEM_REGISTRIES_CONF_DIR",
                        str(tmp_path / "none.d"))
    svc = DefaultService(plugin_manager=get_plugin_manager(load_entrypoints=False),
                         lookup_ip=no_dns)
    found = svc.lookup_pull_endpoints("quay.io", parse_normalized_named("quay.io/a/b:1"))
    assert urls(found) == ["https://quay-mirror.example.com"]
    assert found[0].repository_path == ""  # the path is unchanged: only the host moved


def test_caplog_is_quiet_for_good_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    write(tmp_path / "docker.io" / "hosts.toml", HUB_HOSTS)
    service(tmp_path).lookup_pull_endpoints("docker.io")
    assert caplog.text == ""


@pytest.mark.parametrize("host", ["..", ".", "a/b", ""])
def test_a_host_that_cannot_name_a_directory_is_not_configured(host: str, tmp_path: Path) -> None:
    from registry_core_plugins.hosts_toml import hosts_toml_endpoints

    write(tmp_path / "_default" / "hosts.toml", '[host."https://m.example.com"]\n')
    assert hosts_toml_endpoints(tmp_path, host, "pull", None) is None
    assert hosts_toml_endpoints(tmp_path / "missing", "docker.io", "pull", None) is None


def test_a_password_in_a_host_url_stays_out_of_origins_logs_and_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "s3cret-canary"
    path = write(tmp_path / "docker.io" / "hosts.toml",
                 f'[host."https://ci:{secret}@m.example.com"]\n')
    endpoints = service(tmp_path).lookup_pull_endpoints("docker.io")
    assert endpoints[0].origin == f'{path} [host."https://***@m.example.com"]'
    assert all(secret not in e.origin and secret not in e.url for e in endpoints)
    write(path.parent / "hosts.toml", f'[host."https://ci:{secret}@m.example.com:bad"]\n')
    assert urls(service(tmp_path).lookup_pull_endpoints("docker.io")) == [
        "https://registry-1.docker.io"]
    assert "unable to parse server https://***@m.example.com:bad" in caplog.text
    with pytest.raises(HostsFileError) as caught:
        service(tmp_path, strict=True).lookup_pull_endpoints("docker.io")
    assert secret not in str(caught.value) and "***@m.example.com" in str(caught.value)
    assert secret not in caplog.text


def test_configure_hosts_refuses_a_host_that_leaves_the_root(tmp_path: Path) -> None:
    from registry_core.hostsconfig import HostsConfigError, configure_hosts

    with pytest.raises(HostsConfigError, match="invalid registry host"):
        configure_hosts("..", tmp_path)


def test_find_registry_with_a_missing_file_has_the_reference_text(tmp_path: Path,
                                                                  monkeypatch) -> None:
    from registry_core.registriesconf import RegistriesConfError, find_registry

    monkeypatch.chdir(tmp_path)
    with pytest.raises(RegistriesConfError) as caught:
        find_registry("example.com/a:1", "missing.conf")
    assert str(caught.value) == (
        'loading registries configuration "missing.conf": open missing.conf: '
        "no such file or directory"
    )


def test_registries_conf_files_are_read_again_when_they_change(tmp_path: Path) -> None:
    conf = write(tmp_path / "registries.conf", '[[registry]]\nlocation = "a.example.com"\n')
    svc = service(conf=conf)
    assert urls(svc.lookup_pull_endpoints("a.example.com")) == ["https://a.example.com"]
    write(conf, '[[registry]]\nprefix = "a.example.com"\nlocation = "b.example.com"\n')
    assert urls(svc.lookup_pull_endpoints("a.example.com")) == ["https://b.example.com"]


def test_default_search_prefers_the_users_file(tmp_path: Path) -> None:
    from registry_core import registriesconf as rc

    home = tmp_path / "home"
    user_dir = str(home / ".config/containers/registries.conf.d")
    assert rc.default_search(str(home)) == (
        rc.SYSTEM_REGISTRIES_CONF, [rc.SYSTEM_REGISTRIES_CONF_DIR, user_dir], True)
    user_file = write(home / ".config/containers/registries.conf", "")
    assert rc.default_search(str(home)) == (str(user_file), [user_dir], False)


def test_module_plugin_uses_the_default_search_without_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = write(tmp_path / "etc" / "registries.conf",
                   '[[registry]]\nprefix = "quay.io"\nlocation = "system-mirror.example.com"\n')
    monkeypatch.setattr("registry_core.registriesconf.SYSTEM_REGISTRIES_CONF", str(system))
    monkeypatch.setattr("registry_core.registriesconf.SYSTEM_REGISTRIES_CONF_DIR",
                        str(tmp_path / "etc" / "registries.conf.d"))
    monkeypatch.delenv(CONF_ENV, raising=False)
    monkeypatch.setenv(HOSTS_DIR_ENV, "")
    svc = DefaultService(plugin_manager=get_plugin_manager(load_entrypoints=False),
                         lookup_ip=no_dns)
    assert urls(svc.lookup_pull_endpoints("quay.io")) == ["https://system-mirror.example.com"]
    user = write(tmp_path / "home" / ".config/containers/registries.conf",
                 '[[registry]]\nprefix = "quay.io"\nlocation = "user-mirror.example.com"\n')
    assert user.exists()
    assert urls(svc.lookup_pull_endpoints("quay.io")) == ["https://user-mirror.example.com"]


def test_a_configured_authorization_header_stays_out_of_reprs(tmp_path: Path) -> None:
    secret = "Bearer s3cret-canary"
    write(tmp_path / "docker.io" / "hosts.toml",
          f'[host."https://m.example.com"]\n  header = {{"Authorization" = "{secret}"}}\n')
    from registry_core.hostsconfig import configure_hosts

    hosts = configure_hosts("docker.io", tmp_path)
    assert hosts[0].header == {"Authorization": [secret]}
    endpoint = service(tmp_path).lookup_pull_endpoints("docker.io")[0]
    assert endpoint.headers == {"Authorization": [secret]}
    assert secret not in repr(hosts) and secret not in repr(endpoint)
