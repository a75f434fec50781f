"""The registry fixtures work against the real ``docker-registry`` (tested with requests)."""

from __future__ import annotations

import json
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from cryptography import x509

from registry_core.config import default_lookup_ip
from tests.http_stub import free_port
from tests.loopback_names import LoopbackResolver, OffHostGuard
from tests.registry_fixtures import (
    MANIFEST_V2,
    PKI,
    SECURE_HOSTNAME,
    SEED_REPOSITORY,
    SEED_TAGS,
    AccessLogEntry,
    RegistryEnv,
    RegistryStartError,
    push_image,
    start_registry,
)
from tests.token_issuer import TokenIssuer, decode_jwt, libtrust_key_id, parse_scope

pytest_plugins = ["tests.registry_fixtures"]

TAGS_PATH = f"/v2/{SEED_REPOSITORY}/tags/list"
PULL_SCOPE = f"repository:{SEED_REPOSITORY}:pull"


def _challenge_params(header: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def _plain_session() -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    return http


# -- PKI, names, ports -------------------------------------------------------------------


def test_pki_server_and_client_certificates_chain_to_their_own_ca(pki: PKI) -> None:
    server_ca = x509.load_pem_x509_certificate(pki.ca_cert_pem.encode())
    client_ca = x509.load_pem_x509_certificate(pki.client_ca_path.read_bytes())
    cert_path, key_path = pki.issue_server([SECURE_HOSTNAME, "::1"])
    server = x509.load_pem_x509_certificate(cert_path.read_bytes())
    server.verify_directly_issued_by(server_ca)
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == [SECURE_HOSTNAME]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["::1"]
    assert key_path.read_text().startswith("-----BEGIN PRIVATE KEY-----")

    client_path, _ = pki.issue_client("someone")
    client = x509.load_pem_x509_certificate(client_path.read_bytes())
    client.verify_directly_issued_by(client_ca)
    with pytest.raises(ValueError):
        client.verify_directly_issued_by(server_ca)


def _addresses(name: str, family: int = 0) -> set[str]:
    return {str(info[4][0]) for info in socket.getaddrinfo(name, 443, family)}


def test_secure_hostname_resolves_to_ipv6_loopback_only(secure_hostname: str) -> None:
    assert isinstance(socket.getaddrinfo, LoopbackResolver)  # the test's mapping answers
    assert _addresses(secure_hostname) == {"::1"}
    assert _addresses(secure_hostname.upper()) == {"::1"}  # names are case-insensitive
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo(secure_hostname, 443, socket.AF_INET)  # no IPv4 address
    with pytest.raises(socket.gaierror):  # a name is not a numeric host
        socket.getaddrinfo(secure_hostname, 443, flags=socket.AI_NUMERICHOST)
    assert [str(ip) for ip in default_lookup_ip(secure_hostname)] == ["::1"]  # the library's


def test_names_resolve_only_while_the_test_maps_them(loopback_resolver: LoopbackResolver,
                                                    off_host_guard: OffHostGuard) -> None:
    # A random name no hosts file or DNS knows: it resolves because the test says so.
    name = f"rc-{secrets.token_hex(6)}.test"
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo(name, 443)
    assert off_host_guard.take() == [name]  # refused without asking DNS
    loopback_resolver.add(name)
    assert _addresses(name) == {"::1"}
    assert "127.0.0.1" in _addresses("localhost")  # other names still go to the system
    with pytest.raises(ValueError, match="not a loopback address"):
        loopback_resolver.add("outside.test", "192.0.2.1")


def test_a_tls_registry_under_a_name_of_the_tests_own(
    loopback_resolver: LoopbackResolver, pki: PKI, tmp_path: Path
) -> None:
    name = f"rc-{secrets.token_hex(6)}.test"
    loopback_resolver.add(name)
    with start_registry(tmp_path, host=name, tls=pki.issue_server([name])) as registry, \
            _plain_session() as http:
        assert registry.host == f"{name}:{registry.port}"
        assert registry.bind == "::1"
        assert http.get(registry.url + "/v2/", verify=str(pki.ca_path)).status_code == 200


def test_start_registry_refuses_a_name_the_test_did_not_map(tmp_path: Path) -> None:
    # Even when /etc/hosts happens to map it: the suite never depends on the machine's names.
    with pytest.raises(RegistryStartError, match="secure_hostname fixture"):
        start_registry(tmp_path, host=SECURE_HOSTNAME)


def test_a_child_python_resolves_the_names_too(secure_hostname_child_env: dict[str, str]) -> None:
    code = "import socket; print(sorted({i[4][0] for i in socket.getaddrinfo(%r, 443)}))"
    child = subprocess.run([sys.executable, "-c", code % SECURE_HOSTNAME],
                           env=secure_hostname_child_env, capture_output=True, text=True)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "['::1']"


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_free_port_can_be_bound(host: str) -> None:
    port = free_port(host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, port))


# -- plain registry, content, access log -------------------------------------------------


def test_plain_registry_serves_the_seeded_tags(plain_registry: RegistryEnv) -> None:
    assert re.fullmatch(r"127\.0\.0\.1:\d+", plain_registry.host)
    assert plain_registry.url == f"http://{plain_registry.host}"
    with _plain_session() as http:
        tags = http.get(plain_registry.url + TAGS_PATH).json()
        # 2.8.2 lists tags in directory order, not sorted.
        assert tags["name"] == SEED_REPOSITORY and sorted(tags["tags"]) == list(SEED_TAGS)
        for tag, digest in plain_registry.tags.items():
            response = http.head(
                f"{plain_registry.url}/v2/{SEED_REPOSITORY}/manifests/{tag}",
                headers={"Accept": MANIFEST_V2},
            )
            assert response.status_code == 200
            assert response.headers["Docker-Content-Digest"] == digest


def test_push_image_is_deterministic_and_tags_land(plain_registry: RegistryEnv) -> None:
    first = push_image(plain_registry.url, "other/img", "x")
    second = push_image(plain_registry.url, "other/img", "y")
    again = push_image(plain_registry.url, "other/img", "x")
    assert first == again != second
    with _plain_session() as http:
        listed = http.get(plain_registry.url + "/v2/other/img/tags/list").json()["tags"]
        assert sorted(listed) == ["x", "y"]
        manifest = http.get(
            f"{plain_registry.url}/v2/other/img/manifests/{first}",
            headers={"Accept": MANIFEST_V2},
        ).json()
    assert manifest["mediaType"] == MANIFEST_V2
    assert len(manifest["layers"]) == 1


def test_access_log_counts_exactly_the_requests_made(plain_registry: RegistryEnv) -> None:
    registry = plain_registry.registry
    before = len(registry.access_log())
    with _plain_session() as http:
        for _ in range(3):
            http.get(registry.url + "/v2/")
        http.get(registry.url + "/v2/nobody/here/tags/list")
        http.head(f"{registry.url}/v2/{SEED_REPOSITORY}/manifests/1.0",
                  headers={"Accept": MANIFEST_V2})
    assert registry.access_log(since=before) == [
        ("GET", "/v2/", 200),
        ("GET", "/v2/", 200),
        ("GET", "/v2/", 200),
        ("GET", "/v2/nobody/here/tags/list", 404),
        ("HEAD", f"/v2/{SEED_REPOSITORY}/manifests/1.0", 200),
    ]
    assert registry.count(method="GET", path="/v2/") == 3
    assert isinstance(registry.access_log()[-1], AccessLogEntry)


def test_access_log_keeps_the_query_on_request(plain_registry: RegistryEnv) -> None:
    registry = plain_registry.registry
    with _plain_session() as http:
        assert http.get(registry.url + "/v2/_catalog?n=1").status_code == 200
    assert registry.access_log(with_query=True)[-1] == ("GET", "/v2/_catalog?n=1", 200)
    assert registry.access_log()[-1] == ("GET", "/v2/_catalog", 200)


def test_registries_can_share_storage(plain_registry: RegistryEnv, tmp_path: Path) -> None:
    digest = push_image(plain_registry.url, "shared/img", "1")
    storage = plain_registry.registry.storage_dir
    with start_registry(tmp_path / "second", storage_dir=storage) as second, \
            _plain_session() as http:
        response = http.head(f"{second.url}/v2/shared/img/manifests/1",
                             headers={"Accept": MANIFEST_V2})
    assert response.headers["Docker-Content-Digest"] == digest


def test_start_failure_raises_with_the_registry_log(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(RegistryStartError, match="docker-registry exited") as caught:
        start_registry(tmp_path, tls=(missing / "cert.pem", missing / "key.pem"))
    assert "cert.pem" in str(caught.value)


def test_start_registry_refuses_two_auth_methods(tmp_path: Path) -> None:
    with TokenIssuer(tmp_path / "issuer") as issuer, \
            pytest.raises(ValueError, match="one auth method"):
        start_registry(tmp_path, htpasswd={"a": "b"}, token=issuer.settings)


# -- TLS + basic auth --------------------------------------------------------------------


def test_tls_basic_registry_demands_credentials(tls_basic_registry: RegistryEnv) -> None:
    env = tls_basic_registry
    assert env.host == f"{SECURE_HOSTNAME}:{env.registry.port}"
    assert env.certs_dir is not None and env.ca_path is not None
    assert (env.certs_dir / env.host / "ca.crt").read_bytes() == env.ca_path.read_bytes()
    assert env.environ == {"REGISTRY_CORE_CERTS_DIR": str(env.certs_dir)}
    with env.session() as http:
        anonymous = http.get(env.url + TAGS_PATH)
        wrong = http.get(env.url + TAGS_PATH, auth=("alice", "not-" + str(env.password)))
    with env.session(auth=True) as http:
        good = http.get(env.url + TAGS_PATH)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert wrong.status_code == 401
    assert good.status_code == 200
    assert sorted(good.json()["tags"]) == list(SEED_TAGS)
    assert env.registry.access_log() == [
        ("GET", TAGS_PATH, 401), ("GET", TAGS_PATH, 401), ("GET", TAGS_PATH, 200),
    ]


def test_tls_registry_is_not_trusted_without_its_ca(
    tls_basic_registry: RegistryEnv, tmp_path: Path
) -> None:
    stranger = PKI(tmp_path / "stranger")
    with _plain_session() as http, pytest.raises(requests.exceptions.SSLError):
        http.get(tls_basic_registry.url + "/v2/", verify=str(stranger.ca_path))


def test_push_image_through_an_authenticated_session(tls_basic_registry: RegistryEnv) -> None:
    env = tls_basic_registry
    with env.session(auth=True) as http:
        digest = push_image(env.url, SEED_REPOSITORY, "3.0", session=http)
        response = http.head(f"{env.url}/v2/{SEED_REPOSITORY}/manifests/3.0",
                             headers={"Accept": MANIFEST_V2})
    assert response.headers["Docker-Content-Digest"] == digest


# -- token auth --------------------------------------------------------------------------


def test_token_registry_challenge_token_and_retry(token_registry: RegistryEnv) -> None:
    env = token_registry
    assert env.issuer is not None
    assert env.issuer.realm == f"https://{SECURE_HOSTNAME}:{env.issuer.port}/token"
    with env.session() as http:
        challenged = http.get(env.url + TAGS_PATH)
        assert challenged.status_code == 401
        scheme, _, rest = challenged.headers["WWW-Authenticate"].partition(" ")
        params = _challenge_params(rest)
        assert scheme == "Bearer"
        assert params == {"realm": env.issuer.realm, "service": SECURE_HOSTNAME,
                          "scope": PULL_SCOPE}
        answer = http.get(
            params["realm"],
            params={"service": params["service"], "scope": params["scope"],
                    "account": env.username},
            auth=(str(env.username), str(env.password)),
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["token"] == body["access_token"]
        assert "refresh_token" not in body
        granted = http.get(env.url + TAGS_PATH,
                           headers={"Authorization": f"Bearer {body['token']}"})
    assert granted.status_code == 200
    assert sorted(granted.json()["tags"]) == list(SEED_TAGS)
    assert env.registry.access_log() == [("GET", TAGS_PATH, 401), ("GET", TAGS_PATH, 200)]
    [fetch] = env.issuer.requests
    assert fetch.method == "GET" and fetch.status == 200
    assert fetch.basic == (env.username, env.password)
    assert fetch.scopes == [PULL_SCOPE]
    assert fetch.contains(str(env.password))


def test_issued_jwt_has_the_shape_the_registry_checks(token_registry: RegistryEnv) -> None:
    issuer = token_registry.issuer
    assert issuer is not None
    with token_registry.session() as http:
        token = http.get(issuer.realm, params={"scope": PULL_SCOPE},
                         auth=(str(token_registry.username), str(token_registry.password)))
    header, claims = decode_jwt(token.json()["token"])
    assert header == {"typ": "JWT", "alg": "ES256", "kid": issuer.key_id}
    assert re.fullmatch(r"([A-Z2-7]{4}:){11}[A-Z2-7]{4}", issuer.key_id)
    cert = x509.load_pem_x509_certificate(issuer.rootcert_path.read_bytes())
    assert libtrust_key_id(cert.public_key()) == issuer.key_id  # type: ignore[arg-type]
    assert claims["iss"] == issuer.issuer
    assert claims["aud"] == issuer.service == SECURE_HOSTNAME
    assert claims["sub"] == token_registry.username
    assert claims["nbf"] <= claims["iat"] < claims["exp"] == claims["iat"] + issuer.expires_in
    assert claims["access"] == [
        {"type": "repository", "name": SEED_REPOSITORY, "actions": ["pull"]}
    ]


def test_anonymous_and_wrong_password(token_registry: RegistryEnv) -> None:
    env = token_registry
    assert env.issuer is not None
    with env.session() as http:
        wrong = http.get(env.issuer.realm, params={"scope": PULL_SCOPE},
                         auth=(str(env.username), "wrong"))
        anonymous = http.get(env.issuer.realm, params={"scope": PULL_SCOPE}).json()["token"]
        refused = http.get(env.url + TAGS_PATH, headers={"Authorization": f"Bearer {anonymous}"})
    assert wrong.status_code == 401
    assert wrong.json() == {"details": "incorrect username or password"}
    assert decode_jwt(anonymous)[1]["access"] == []
    assert refused.status_code == 401
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]


def test_expired_token_is_refused(token_registry: RegistryEnv) -> None:
    env = token_registry
    assert env.issuer is not None
    access = [{"type": "repository", "name": SEED_REPOSITORY, "actions": ["pull"]}]
    fresh = env.issuer.mint("alice", access)
    stale = env.issuer.mint("alice", access, expires_in=-3600)
    with env.session() as http:
        assert http.get(env.url + TAGS_PATH,
                        headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
        assert http.get(env.url + TAGS_PATH,
                        headers={"Authorization": f"Bearer {stale}"}).status_code == 401


def test_refresh_token_flow(token_registry: RegistryEnv) -> None:
    env = token_registry
    issuer = env.issuer
    assert issuer is not None
    form = {"grant_type": "password", "username": str(env.username),
            "password": str(env.password), "client_id": "registry-core-test",
            "access_type": "offline", "service": SECURE_HOSTNAME, "scope": PULL_SCOPE}
    with env.session() as http:
        first = http.post(issuer.realm, data=form).json()
        refresh = first["refresh_token"]
        assert issuer.refresh_token_owner(refresh) == env.username
        renewed = http.post(issuer.realm, data={
            "grant_type": "refresh_token", "refresh_token": refresh,
            "client_id": "registry-core-test", "service": SECURE_HOSTNAME,
            "scope": f"{PULL_SCOPE} repository:other/thing:pull,push",
        })
        bogus = http.post(issuer.realm, data={
            "grant_type": "refresh_token", "refresh_token": "nope", "client_id": "x",
        })
        pulled = http.get(env.url + TAGS_PATH,
                          headers={"Authorization": f"Bearer {renewed.json()['access_token']}"})
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] == refresh
    assert renewed.json()["scope"] == f"{PULL_SCOPE} repository:other/thing:pull,push"
    assert [entry["name"] for entry in decode_jwt(renewed.json()["token"])[1]["access"]] == [
        SEED_REPOSITORY, "other/thing",
    ]
    assert bogus.status_code == 401
    assert pulled.status_code == 200
    posts = [r for r in issuer.requests if r.method == "POST"]
    assert [r.form["grant_type"] for r in posts] == [["password"], ["refresh_token"],
                                                      ["refresh_token"]]
    assert posts[0].contains(str(env.password)) and not posts[1].contains(str(env.password))


def test_get_offline_token_and_rotation(token_registry: RegistryEnv) -> None:
    env = token_registry
    issuer = env.issuer
    assert issuer is not None
    credentials = (str(env.username), str(env.password))
    with env.session() as http:
        offline = http.get(issuer.realm, params={"offline_token": "true", "client_id": "t"},
                           auth=credentials).json()
        issuer.rotate_refresh_tokens = True
        rotated = http.post(issuer.realm, data={
            "grant_type": "refresh_token", "refresh_token": offline["refresh_token"],
            "client_id": "t",
        }).json()
        issuer.issue_refresh_tokens = False
        none = http.get(issuer.realm, params={"offline_token": "true"}, auth=credentials).json()
    assert rotated["refresh_token"] != offline["refresh_token"]
    assert issuer.refresh_token_owner(rotated["refresh_token"]) == env.username
    assert "refresh_token" not in none


def test_issuer_knobs_for_negative_tests(token_registry: RegistryEnv) -> None:
    issuer = token_registry.issuer
    assert issuer is not None
    credentials = (str(token_registry.username), str(token_registry.password))
    with token_registry.session() as http:
        issuer.token_field = "access_token"
        only_access = http.get(issuer.realm, auth=credentials).json()
        issuer.token_field = "none"
        neither = http.get(issuer.realm, auth=credentials).json()
        issuer.support_oauth = False
        no_oauth = http.post(issuer.realm, data={"grant_type": "password", "client_id": "x"})
        issuer.fail_status = 503
        failing = http.get(issuer.realm, auth=credentials)
        issuer.fail_status = None
        issuer.expires_in = 1
        short = http.get(issuer.realm, auth=credentials).json()
        other_service = http.get(issuer.realm, params={"service": "elsewhere"})
    assert "access_token" in only_access and "token" not in only_access
    assert "access_token" not in neither and "token" not in neither
    assert no_oauth.status_code == 404
    assert failing.status_code == 503
    assert short["expires_in"] == 1
    assert other_service.status_code == 400
    assert issuer.count() == 6 and issuer.count("POST") == 1


def test_issuer_acl_and_rs256_over_plain_http(tmp_path: Path) -> None:
    issuer = TokenIssuer(
        tmp_path / "issuer", users={"bob": "secret"}, algorithm="RS256",
        grants={"bob": [("repository", "team/*", ["pull"])]},
        anonymous_grants=[("repository", "public/*", ["*"])],
    )
    with issuer, start_registry(tmp_path, token=issuer.settings) as registry, \
            _plain_session() as http:
        assert issuer.realm.startswith("http://127.0.0.1:")
        scopes = [PULL_SCOPE + ",push", "repository:private/x:pull", "repository:public/y:push"]
        bob = http.get(issuer.realm, params={"scope": scopes}, auth=("bob", "secret")).json()
        anon = http.get(issuer.realm, params={"scope": scopes}).json()
        pulled = http.get(registry.url + TAGS_PATH,
                          headers={"Authorization": f"Bearer {bob['token']}"})
    assert decode_jwt(bob["token"])[0]["alg"] == "RS256"
    assert decode_jwt(bob["token"])[1]["access"] == [
        {"type": "repository", "name": SEED_REPOSITORY, "actions": ["pull"]}
    ]
    assert decode_jwt(anon["token"])[1]["access"] == [
        {"type": "repository", "name": "public/y", "actions": ["push"]}
    ]
    assert decode_jwt(anon["token"])[1]["sub"] == ""
    # The registry accepted the RS256 signature: 404 (no such repository here), not 401.
    assert pulled.status_code == 404


def test_parse_scope_keeps_colons_in_names() -> None:
    assert parse_scope("repository:host:5000/a/b:pull,push") == (
        "repository", "host:5000/a/b", ["pull", "push"],
    )
    assert parse_scope("registry:catalog:*") == ("registry", "catalog", ["*"])
    assert parse_scope("nonsense") is None


# -- mutual TLS --------------------------------------------------------------------------


def test_mtls_registry_rejects_a_client_without_certificate(mtls_registry: RegistryEnv) -> None:
    env = mtls_registry
    assert env.certs_dir is not None and env.client_cert is not None
    host_dir = env.certs_dir / env.host
    assert sorted(p.name for p in host_dir.iterdir()) == ["ca.crt", "client.cert", "client.key"]
    with _plain_session() as http, pytest.raises(requests.exceptions.ConnectionError):
        http.get(env.url + "/v2/", verify=str(env.ca_path))
    with env.session() as http:
        accepted = http.get(env.url + TAGS_PATH)
    assert accepted.status_code == 200
    assert env.registry.access_log() == [("GET", TAGS_PATH, 200)]


def test_mtls_registry_rejects_a_certificate_from_another_ca(
    mtls_registry: RegistryEnv, tmp_path: Path
) -> None:
    cert, key = PKI(tmp_path / "stranger").issue_client("mallory")
    with _plain_session() as http, pytest.raises(requests.exceptions.ConnectionError):
        http.get(mtls_registry.url + "/v2/", verify=str(mtls_registry.ca_path),
                 cert=(str(cert), str(key)))


def test_issuer_records_tls_handshake_failures(token_registry: RegistryEnv,
                                               tmp_path: Path) -> None:
    issuer = token_registry.issuer
    assert issuer is not None
    stranger = PKI(tmp_path / "stranger")
    with _plain_session() as http, pytest.raises(requests.exceptions.SSLError):
        http.get(issuer.realm, verify=str(stranger.ca_path))
    assert issuer.requests == []


def test_registry_config_is_json_on_disk(tls_basic_registry: RegistryEnv) -> None:
    registry = tls_basic_registry.registry
    config = json.loads(registry.config_path.read_text())
    assert config["http"]["addr"] == f"[::1]:{registry.port}"
    assert config["log"]["accesslog"] == {"disabled": False}
    assert config["auth"]["htpasswd"]["path"].endswith("htpasswd")
    htpasswd = Path(config["auth"]["htpasswd"]["path"]).read_text()
    assert htpasswd.startswith("alice:$2b$04$")
