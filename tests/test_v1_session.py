"""The v1 session against a v1 index and registry that follow the published specifications."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging

import pytest

from registry_core import Session, new_session
from registry_core.errors import (
    AuthenticationError,
    ImageAlreadyExistsError,
    RegistryError,
    RepositoryNotFoundError,
    TransportError,
    V1ResponseError,
)
from registry_core.reference import parse_normalized_named
from registry_core.resumable import ResumableLayerReader
from registry_core.service import DefaultService
from registry_core.tarsum import new_tar_sum
from registry_core.types import AuthConfig, ImgData
from registry_core.v1endpoint import V1Endpoint
from tests.http_stub import Answer, Seen, StubServer
from tests.v1_helpers import ALICE, Hub, hub_fixture, layer_tar, service_fixture  # noqa: F401 - fixtures
from tests.v1_server import reference_tarsum

ALICE_AUTH = AuthConfig(username=ALICE.username, password=ALICE.password)


def test_session_has_a_random_id(hub: Hub, service: DefaultService) -> None:
    endpoint = hub.endpoint(service)
    first = new_session(None, None, endpoint)
    second = new_session(None, None, hub.endpoint(service))
    assert len(first.id()) == 64 and int(first.id(), 16) >= 0
    assert first.id() != second.id()
    assert isinstance(first, Session)


def test_pull_a_repository(hub: Hub, service: DefaultService) -> None:
    """Index for the images and a token, then the registry for tags, ancestry, JSON and
    layers; every layer's digest checked against what the registry recorded."""
    endpoint = hub.endpoint(service, meta_headers={"X-Meta-Test": ["on"]})
    assert endpoint.scheme == "http"  # an insecure index: https failed, http answered
    session = new_session(None, None, endpoint)
    name = parse_normalized_named(f"{hub.host}/alice/app")

    data = session.get_repository_data(name)
    assert set(data.img_list) == {hub.parent.id, hub.child.id}
    assert data.endpoints == [hub.registry_v1]
    images_request = [s for s in hub.index.server.seen if s.path.endswith("/images")][0]
    assert images_request.header("X-Docker-Token") == "true"
    assert images_request.header("User-Agent") == "v1-test/1.0"
    assert images_request.header("X-Meta-Test") == "on"

    tags = session.get_remote_tags(data.endpoints, name)
    assert tags == {"latest": hub.child.id, "base": hub.parent.id}
    assert session.get_remote_tag(data.endpoints, name, "latest") == hub.child.id
    history = session.get_remote_history(hub.child.id, hub.registry_v1)
    assert history == [hub.child.id, hub.parent.id]

    for image_id in history:
        session.lookup_remote_image(image_id, hub.registry_v1)
        raw, size = session.get_remote_image_json(image_id, hub.registry_v1)
        assert json.loads(raw)["id"] == image_id
        stored = hub.registry.images[image_id]
        assert size == len(stored.layer or b"")
        stream = session.get_remote_image_layer(image_id, hub.registry_v1, size)
        assert isinstance(stream, ResumableLayerReader)  # the registry offers ranges
        with stream:
            layer = stream.read()
        assert "sha256:" + hashlib.sha256(raw + b"\n" + layer).hexdigest() == stored.payload
        tarsum = new_tar_sum(io.BytesIO(gzip.decompress(layer)), True, 0)
        tarsum.read()
        assert tarsum.sum(raw) == stored.checksum

    # The index's one-time token opened a session at the registry; its cookie did the rest.
    registry_seen = hub.registry.server.seen
    assert (registry_seen[0].header("Authorization") or "").startswith("Token signature=")
    assert all("session=" in (s.header("Cookie") or "") for s in registry_seen[1:])


def test_private_repository_needs_valid_credentials(hub: Hub, service: DefaultService) -> None:
    name = parse_normalized_named(f"{hub.host}/alice/secret-app")
    anonymous = new_session(None, None, hub.endpoint(service))
    with pytest.raises(AuthenticationError, match="unauthorized: authentication required"):
        anonymous.get_repository_data(name)
    wrong = new_session(None, AuthConfig(username="alice", password="nope"), hub.endpoint(service))
    with pytest.raises(AuthenticationError) as caught:
        wrong.get_repository_data(name)
    assert "nope" not in str(caught.value) and "nope" not in repr(caught.value)
    alice = new_session(None, ALICE_AUTH, hub.endpoint(service))
    data = alice.get_repository_data(name)
    assert list(data.img_list) == [hub.parent.id]
    seen = [s for s in hub.index.server.seen if s.path.endswith("secret-app/images")][-1]
    assert seen.basic == (ALICE.username, ALICE.password)


def test_unknown_repository_and_image(hub: Hub, service: DefaultService) -> None:
    session = new_session(None, None, hub.endpoint(service))
    with pytest.raises(V1ResponseError, match="^HTTP code: 404$") as caught:
        session.get_repository_data(parse_normalized_named(f"{hub.host}/alice/none"))
    assert caught.value.code == 404
    session.get_repository_data(parse_normalized_named(f"{hub.host}/alice/app"))
    missing = "0" * 64
    with pytest.raises(V1ResponseError, match="^HTTP code 404$"):
        session.lookup_remote_image(missing, hub.registry_v1)
    with pytest.raises(V1ResponseError, match="Server error: 404 trying to fetch remote history"):
        session.get_remote_history(missing, hub.registry_v1)
    with pytest.raises(V1ResponseError, match=r"Status 404 while fetching image layer \(0+\)"):
        session.get_remote_image_layer(missing, hub.registry_v1, 10)
    # The session's cookie is for alice/app: the registry refuses another repository (401),
    # and the reference moves on from a 401 as from any status but 200 and 404.
    with pytest.raises(RegistryError, match="^Could not reach any registry endpoint$"):
        session.get_remote_tags([hub.registry_v1], parse_normalized_named(f"{hub.host}/alice/x"))


def test_registry_refuses_requests_without_token_or_cookie(
    hub: Hub, service: DefaultService
) -> None:
    session = new_session(None, None, hub.endpoint(service))
    with pytest.raises(AuthenticationError):
        session.get_remote_history(hub.child.id, hub.registry_v1)


def test_push_a_repository(
    hub: Hub, service: DefaultService, caplog: pytest.LogCaptureFixture
) -> None:
    """Index allocation and token, JSON, layer (tarsum's gzipped re-encoding, chunked),
    checksum (verified by the registry), tag, then the checksums to the index."""
    caplog.set_level(logging.DEBUG)
    session = new_session(None, ALICE_AUTH, hub.endpoint(service))
    name = parse_normalized_named(f"{hub.host}/alice/new")
    tar = layer_tar({"usr/share/doc": b"documentation\n" * 500, "empty": b""})
    image_id = "ab" * 32
    json_raw = json.dumps({"id": image_id, "created": "2015-01-01T00:00:00Z"}).encode()

    allocated = session.push_image_json_index(name, [ImgData(id=image_id)], False, None)
    assert allocated.endpoints == [hub.registry_v1]
    registry = allocated.endpoints[0]
    session.push_image_json_registry(ImgData(id=image_id), json_raw, registry)
    checksum, payload = session.push_image_layer_registry(image_id, io.BytesIO(tar), registry,
                                                          json_raw)
    stored = hub.registry.images[image_id]
    assert stored.layer is not None and gzip.decompress(stored.layer).startswith(tar[:100])
    assert checksum == reference_tarsum(stored.layer, json_raw)
    assert payload == "sha256:" + hashlib.sha256(json_raw + b"\n" + stored.layer).hexdigest()
    layer_put = [s for s in hub.registry.server.seen if s.path.endswith("/layer")][0]
    assert layer_put.header("Transfer-Encoding") == "chunked"

    image = ImgData(id=image_id, checksum=checksum, checksum_payload=payload)
    session.push_image_checksum_registry(image, registry)  # the registry checks both sums
    assert stored.done
    session.push_registry_tag(name, image_id, "latest", registry)
    done = session.push_image_json_index(name, [image, ImgData(id="cd" * 32)], True,
                                         [hub.registry.server.host])
    assert done.endpoints == []
    assert hub.index.repositories["alice/new"].images[image_id] == checksum
    final = [s for s in hub.index.server.seen if s.path.endswith("alice/new/images")][-1]
    assert json.loads(final.body) == [{"id": image_id, "checksum": checksum}]
    assert final.header("X-Docker-Endpoints") == hub.registry.server.host

    # Pull it back with a fresh session.
    reader = new_session(None, None, hub.endpoint(service))
    data = reader.get_repository_data(name)
    assert data.img_list[image_id].checksum == checksum
    assert reader.get_remote_tag(data.endpoints, name, "latest") == image_id

    with pytest.raises(ImageAlreadyExistsError):
        session.push_image_json_registry(ImgData(id=image_id), json_raw, registry)
    with pytest.raises(ImageAlreadyExistsError):
        session.push_image_checksum_registry(image, registry)
    # The index's token went to the registry, and never into a log.
    token = [s for s in hub.registry.server.seen if s.header("Authorization")][0]
    signature = (token.header("Authorization") or "").split("signature=")[1].split(",")[0]
    assert signature not in caplog.text


def test_push_errors(hub: Hub, service: DefaultService) -> None:
    session = new_session(None, ALICE_AUTH, hub.endpoint(service))
    other = parse_normalized_named(f"{hub.host}/bob/app")
    with pytest.raises(V1ResponseError, match=r"^Error: Status 403 trying to push repository "
                       r"bob/app: ") as caught:
        session.push_image_json_index(other, [ImgData(id="ef" * 32)], False, None)
    assert caught.value.code == 403
    name = parse_normalized_named(f"{hub.host}/alice/broken")
    registry = session.push_image_json_index(name, [], False, None).endpoints[0]
    with pytest.raises(V1ResponseError, match=r"HTTP code 400 while uploading metadata"):
        session.push_image_json_registry(ImgData(id="12" * 32), b'{"id": "other"}', registry)
    json_raw = json.dumps({"id": "34" * 32}).encode()
    session.push_image_json_registry(ImgData(id="34" * 32), json_raw, registry)
    with pytest.raises(TransportError, match="Failed to upload layer"):
        session.push_image_layer_registry("34" * 32, io.BytesIO(b"not a tar" * 100), registry,
                                          json_raw)
    checksum, payload = session.push_image_layer_registry(
        "34" * 32, io.BytesIO(layer_tar({"f": b"x"})), registry, json_raw
    )
    with pytest.raises(V1ResponseError, match="HTTP code 400 while uploading metadata: "
                       '"{\\\\"error\\\\": \\\\"Checksum mismatch'):
        session.push_image_checksum_registry(
            ImgData(id="34" * 32, checksum=checksum, checksum_payload="sha256:" + "0" * 64),
            registry,
        )
    with pytest.raises(V1ResponseError, match=r"Internal server error: 404 trying to push tag"):
        session.push_registry_tag(name, "56" * 32, "latest", registry)
    never = parse_normalized_named(f"{hub.host}/alice/never-allocated")
    with pytest.raises(V1ResponseError, match="^Error: Status 404 trying to push checksums "
                       "alice/never-allocated: "):
        session.push_image_json_index(never, [ImgData(id="34" * 32, checksum=checksum)], True,
                                      [])
    anonymous = new_session(None, None, hub.endpoint(service))
    with pytest.raises(AuthenticationError):
        anonymous.push_image_json_index(name, [], False, None)
    assert payload  # the layer went up; only the checksum was wrong


# -- the registries loop, against scripted servers ---------------------------------------


def _registry(status: int, body: bytes = b"") -> StubServer:
    return StubServer(lambda seen: Answer(status, [("Content-Type", "application/json")], body))


def _session_on(url: str) -> Session:
    endpoint = V1Endpoint(url)
    return new_session(None, None, endpoint)


def test_remote_tags_try_registries_in_order() -> None:
    name = parse_normalized_named("127.0.0.1:1/app")
    with _registry(500) as broken, _registry(200, b'{"latest": "abc"}') as good, \
            _registry(200, b'{"other": "x"}') as unused:
        session = _session_on(good.url)
        hosts = [f"{s.url}/v1/" for s in (broken, good, unused)]
        assert session.get_remote_tags(hosts, name) == {"latest": "abc"}
        assert broken.seen[0].path == "/v1/repositories/library/app/tags"  # library/ added
        assert unused.seen == []
    with _registry(404) as missing, _registry(200, b'"abc"') as good:
        session = _session_on(good.url)
        with pytest.raises(RepositoryNotFoundError, match="Repository not found"):
            session.get_remote_tag([f"{missing.url}/v1/", f"{good.url}/v1/"], name, "latest")
        assert good.seen == []
        assert session.get_remote_tag([f"{good.url}/v1/"], name, "latest") == "abc"
    with _registry(503) as down:
        session = _session_on(down.url)
        with pytest.raises(RegistryError, match="^Could not reach any registry endpoint$"):
            session.get_remote_tags([f"{down.url}/v1/"], name)
        with _registry(200, b"{}") as after:
            with pytest.raises(TransportError):
                session.get_remote_tags(["http://127.0.0.1:1/v1/", f"{after.url}/v1/"], name)
            assert after.seen == []


def test_bad_answers_are_typed_errors() -> None:
    with _registry(200, b'{"latest": 5}') as numbers:
        session = _session_on(numbers.url)
        name = parse_normalized_named("127.0.0.1:1/team/app")
        with pytest.raises(RegistryError, match="cannot unmarshal number into Go value of "
                                                "type string"):
            session.get_remote_tags([f"{numbers.url}/v1/"], name)
        with pytest.raises(RegistryError, match="Error while reading the http response"):
            session.get_remote_history("a" * 64, f"{numbers.url}/v1/")

    def sized(seen: Seen) -> Answer:
        return Answer(200, [("X-Docker-Size", "12ab")], b"{}")

    with StubServer(sized) as server, \
            pytest.raises(RegistryError, match='parsing "12ab": invalid syntax'):
            _session_on(server.url).get_remote_image_json("a" * 64, f"{server.url}/v1/")


def test_endpoints_header_in_the_index_scheme() -> None:
    def index(seen: Seen) -> Answer:
        return Answer(200, [("X-Docker-Endpoints", "r1.example:5000, r2.example"),
                            ("X-Docker-Endpoints", "r3.example")], b'[{"id": "a"}, null]')

    with StubServer(index) as server:
        session = _session_on(server.url)
        data = session.get_repository_data(parse_normalized_named("127.0.0.1:1/team/app"))
    assert data.endpoints == ["http://r1.example:5000/v1/", "http://r2.example/v1/",
                              "http://r3.example/v1/"]
    assert list(data.img_list) == ["a"]

    with StubServer(lambda seen: Answer(200, [], b"[]")) as server:
        session = _session_on(server.url)
        data = session.get_repository_data(parse_normalized_named("127.0.0.1:1/team/app"))
    assert data.endpoints == [f"http://{server.host}/v1/"]  # the index's own host


def test_echoed_credentials_never_reach_a_message() -> None:
    """A hostile index echoes the request's Authorization header and the password in its
    error body; the error quotes the body with both redacted."""
    password = "hunter2-very-secret"

    def echo(seen: Seen) -> Answer:
        body = f'{{"auth": "{seen.header("Authorization")}", "said": "{password}"}}'
        return Answer(500, [], body.encode())

    with StubServer(echo) as server:
        session = new_session(None, AuthConfig(username="carol", password=password),
                              V1Endpoint(server.url))
        name = parse_normalized_named("127.0.0.1:1/carol/app")
        with pytest.raises(V1ResponseError) as caught:
            session.get_repository_data(name)
        with pytest.raises(V1ResponseError) as pushed:
            session.push_image_json_index(name, [], False, None)
    for error in (caught.value, pushed.value):
        text = str(error) + repr(error)
        assert password not in text
        assert "[redacted]" in text
        assert server.seen[0].basic == ("carol", password)  # it was sent, and echoed
