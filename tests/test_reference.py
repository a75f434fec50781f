"""Tests of registry_core.reference, the port of distribution's reference package.

The tables ported from distribution's own Go tests (reference_test.go, normalize_test.go,
regexp_test.go) keep their expectations; expectations not in those tables were checked against
the Go package through the oracle and a small Go driver built from the same sources.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import pickle
import random
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from registry_core import reference as ref_module
from registry_core.errors import InvalidArgumentError, InvalidReferenceError
from registry_core.reference import (
    DIGEST_REGEXP,
    DOMAIN_REGEXP,
    IDENTIFIER_REGEXP,
    NAME_REGEXP,
    NAME_TOTAL_LENGTH_MAX,
    REFERENCE_REGEXP,
    SHORT_IDENTIFIER_REGEXP,
    TAG_REGEXP,
    Canonical,
    CanonicalReference,
    Digest,
    Digested,
    DigestReference,
    Named,
    NamedTagged,
    Reference,
    Repository,
    Tagged,
    TaggedCanonicalReference,
    TaggedReference,
    domain,
    familiar_name,
    familiar_string,
    is_name_only,
    parse,
    parse_any_reference,
    parse_digest,
    parse_docker_ref,
    parse_named,
    parse_normalized_named,
    path,
    split_hostname,
    tag_name_only,
    trim_named,
    with_digest,
    with_name,
    with_tag,
)
from tests.conformance import load_cases

SHA256_F = "sha256:" + "f" * 64
SHA256_A = "sha256:" + "a" * 64
SHA512_F = "sha512:" + "f" * 128
SHORT_DIGEST = "sha256:1234567890098765432112345667890098765"
BUSYBOX_DIGEST = "sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582"
REDIS_DIGEST = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"


def describe(named: Named) -> dict[str, str]:
    """What the oracle's ``parse_reference`` op reports about a named reference."""
    answer = {
        "name": named.name,
        "familiar": familiar_name(named),
        "string": str(named),
        "familiar_string": familiar_string(named),
        "domain": domain(named),
        "path": path(named),
    }
    if isinstance(named, Tagged):
        answer["tag"] = named.tag
    if isinstance(named, Digested):
        answer["digest"] = str(named.digest)
    return answer


def parse_answer(text: str) -> dict[str, str]:
    try:
        return describe(parse_normalized_named(text))
    except InvalidReferenceError as err:
        return {"error": str(err)}


def error_of(func: Any, *args: Any) -> str:
    with pytest.raises(InvalidReferenceError) as info:
        func(*args)
    return str(info.value)


# --- conformance ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", load_cases("parse_reference"))
def test_parse_reference_conformance(case: dict[str, Any]) -> None:
    assert parse_answer(case["input"]) == case["expect"]


# --- parse_normalized_named ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "familiar", "string", "familiar_str"),
    [
        ("ubuntu", "docker.io/library/ubuntu", "ubuntu", "docker.io/library/ubuntu", "ubuntu"),
        ("library/ubuntu", "docker.io/library/ubuntu", "ubuntu", "docker.io/library/ubuntu",
         "ubuntu"),
        ("index.docker.io/ubuntu:22.04", "docker.io/library/ubuntu", "ubuntu",
         "docker.io/library/ubuntu:22.04", "ubuntu:22.04"),
        ("dmcgowan/myapp", "docker.io/dmcgowan/myapp", "dmcgowan/myapp",
         "docker.io/dmcgowan/myapp", "dmcgowan/myapp"),
        # Only a two-component Hub name loses "library/".
        ("library/a/b", "docker.io/library/a/b", "library/a/b", "docker.io/library/a/b",
         "library/a/b"),
        ("localhost/app", "localhost/app", "localhost/app", "localhost/app", "localhost/app"),
        ("localhost:5000/app:1", "localhost:5000/app", "localhost:5000/app",
         "localhost:5000/app:1", "localhost:5000/app:1"),
        # A first component without "." or ":" is a Hub namespace, not a registry.
        ("myhost/app", "docker.io/myhost/app", "myhost/app", "docker.io/myhost/app",
         "myhost/app"),
        # Domains keep their case; only index.docker.io in lower case is the Hub.
        ("Example.COM/app", "Example.COM/app", "Example.COM/app", "Example.COM/app",
         "Example.COM/app"),
        ("INDEX.docker.io/app", "INDEX.docker.io/app", "INDEX.docker.io/app",
         "INDEX.docker.io/app", "INDEX.docker.io/app"),
    ],
)
def test_parse_normalized_named(
    text: str, name: str, familiar: str, string: str, familiar_str: str
) -> None:
    named = parse_normalized_named(text)
    assert (named.name, familiar_name(named), str(named), familiar_string(named)) == (
        name, familiar, string, familiar_str
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid reference format"),
        ("a" * 64, f"invalid repository name ({'a' * 64}), cannot specify 64-byte hexadecimal "
         "strings"),
        ("Ubuntu", "invalid reference format: repository name must be lowercase"),
        ("foo/Bar", "invalid reference format: repository name must be lowercase"),
        # The capital is in the domain, so the normalized name fails; lowered, it would parse.
        ("RQR76.QOVT__QPF5/rf2", "repository name must be lowercase"),
        ("a:İ", "repository name must be lowercase"),
        ("İ.com/foo", "repository name must be lowercase"),
        ("a/" * 127 + "a", "repository name must not be more than 255 characters"),
        ("a@sha256:" + "A" * 64, "invalid checksum digest format"),
        ("a@sha256:" + "a" * 63, "invalid checksum digest length"),
        ("a@foo:" + "a" * 32, "unsupported digest algorithm"),
        ("a@sha256+x:" + "a" * 32, "unsupported digest algorithm"),
        ("a@sha256:" + "a" * 31, "invalid reference format"),
        ("[::1]/foo", "invalid reference format"),
        ("[::1]:5000/foo", "invalid reference format"),
        ("a\n", "invalid reference format"),
        ("a:latest\n", "invalid reference format"),
        ("a٣", "invalid reference format"),
        ("a:" + "t" * 129, "invalid reference format"),
        ("-docker", "invalid reference format"),
        ("docker///docker", "invalid reference format"),
        ("https://github.com/docker/docker", "invalid reference format"),
    ],
)
def test_parse_normalized_named_errors(text: str, message: str) -> None:
    assert error_of(parse_normalized_named, text) == message


def test_the_length_limit_counts_the_normalized_name() -> None:
    # Documented quirk: "docker.io/library/" counts towards the 255 characters.
    assert familiar_name(parse_normalized_named("a" * 237)) == "a" * 237
    assert error_of(parse_normalized_named, "a" * 238) == (
        "repository name must not be more than 255 characters"
    )


def test_the_familiar_form_of_a_hex_name_does_not_parse_back() -> None:
    hex_name = "0123456789abcdef" * 4
    named = parse_normalized_named("library/" + hex_name)
    assert familiar_name(named) == hex_name
    assert error_of(parse_normalized_named, hex_name).startswith("invalid repository name (")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("AB_C.com/x", "repository name must be lowercase"),
        ("localhost:5000/İ", "invalid reference format: repository name must be lowercase"),
        ("a@Sha256:" + "a" * 64, "invalid reference format: repository name must be lowercase"),
        ("a:-A", "invalid reference format"),
    ],
)
def test_which_lowercase_message(text: str, message: str) -> None:
    assert error_of(parse_normalized_named, text) == message


def test_errors_are_typed_value_errors() -> None:
    with pytest.raises(InvalidArgumentError):
        parse_normalized_named("Ubuntu")
    with pytest.raises(ValueError):
        with_tag(parse_normalized_named("ubuntu"), "-bad")


@pytest.mark.parametrize(
    "text",
    [
        "docker/docker", "library/debian", "debian", "docker.io/docker/docker",
        "docker.io/library/debian", "docker.io/debian", "index.docker.io/docker/docker",
        "index.docker.io/library/debian", "index.docker.io/debian",
        "127.0.0.1:5000/docker/docker", "127.0.0.1:5000/library/debian", "127.0.0.1:5000/debian",
        "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
        "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
        "docker-rules/docker", "docker---rules/docker", "doc/docker", "d/docker", "jess/t",
        "dock__er/docker",
    ],
)
def test_valid_names_from_the_go_tests(text: str) -> None:
    assert isinstance(parse_normalized_named(text), Repository)


@pytest.mark.parametrize(
    "text",
    [
        "https://github.com/docker/docker", "docker/Docker", "-docker", "-docker/docker",
        "-docker.io/docker/docker", "docker///docker", "docker.io/docker/Docker",
        "docker.io/docker///docker",
        "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
        "docker-/docker", "-docker-/docker", "____/____", "_docker/_docker", "dock..er/docker",
        "dock_.er/docker", "dock-.er/docker", "docker/", "this_is_not_a_valid_namespace" * 9 + "/x",
    ],
)
def test_invalid_names_from_the_go_tests(text: str) -> None:
    with pytest.raises(InvalidReferenceError):
        parse_normalized_named(text)


@pytest.mark.parametrize(
    ("text", "expected_domain", "expected_path"),
    [
        ("test.com/foo", "test.com", "foo"),
        ("test_com/foo", "docker.io", "test_com/foo"),
        ("docker/migrator", "docker.io", "docker/migrator"),
        ("test.com:8080/foo", "test.com:8080", "foo"),
        ("test-com:8080/foo", "test-com:8080", "foo"),
        ("foo", "docker.io", "library/foo"),
        ("xn--n3h.com/foo", "xn--n3h.com", "foo"),
        ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
        ("docker.io/foo", "docker.io", "library/foo"),
        ("docker.io/library/foo", "docker.io", "library/foo"),
        ("docker.io/library/foo/bar", "docker.io", "library/foo/bar"),
    ],
)
def test_normalized_split_hostname(text: str, expected_domain: str, expected_path: str) -> None:
    named = parse_normalized_named(text)
    assert split_hostname(named) == (expected_domain, expected_path)
    assert (named.domain, named.path) == (expected_domain, expected_path)


def test_tag_and_digest_together() -> None:
    short = "busybox:latest@" + BUSYBOX_DIGEST
    named = parse_normalized_named(short)
    assert isinstance(named, TaggedCanonicalReference)
    assert isinstance(named, NamedTagged)
    assert isinstance(named, Canonical)
    assert str(named) == "docker.io/library/" + short
    assert familiar_string(named) == short
    assert familiar_name(named) == "busybox"
    assert (named.tag, named.digest) == ("latest", BUSYBOX_DIGEST)


# --- parse ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "expected_domain", "tag", "digest"),
    [
        ("test_com", "test_com", "", None, None),
        ("test.com:tag", "test.com", "", "tag", None),
        ("test.com:5000", "test.com", "", "5000", None),
        ("test.com/repo:tag", "test.com/repo", "test.com", "tag", None),
        ("test:5000/repo", "test:5000/repo", "test:5000", None, None),
        ("test:5000/repo:tag", "test:5000/repo", "test:5000", "tag", None),
        ("test:5000/repo@" + SHA256_F, "test:5000/repo", "test:5000", None, SHA256_F),
        ("test:5000/repo:tag@" + SHA256_F, "test:5000/repo", "test:5000", "tag", SHA256_F),
        ("lowercase:Uppercase", "lowercase", "", "Uppercase", None),
        ("a/" * 127 + "a:tag-puts-this-over-max", "a/" * 127 + "a", "a",
         "tag-puts-this-over-max", None),
        ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com",
         None, None),
        ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io/test.example.com/my-app",
         "b.gcr.io", "test.example.com", None),
        ("xn--7o8h.com/myimage:xn--7o8h.com@" + SHA512_F, "xn--7o8h.com/myimage",
         "xn--7o8h.com", "xn--7o8h.com", SHA512_F),
        ("foo_bar.com:8080", "foo_bar.com", "", "8080", None),
        ("foo/foo_bar.com:8080", "foo/foo_bar.com", "foo", "8080", None),
        # Unlike parse_normalized_named, parse does not treat "Uppercase/" specially.
        ("Uppercase/lowercase:tag", "Uppercase/lowercase", "Uppercase", "tag", None),
    ],
)
def test_parse(
    text: str, name: str, expected_domain: str, tag: str | None, digest: str | None
) -> None:
    parsed = parse(text)
    assert str(parsed) == text
    assert isinstance(parsed, Named)
    assert parsed.name == name
    assert parsed.domain == expected_domain
    assert isinstance(parsed, Tagged) == (tag is not None)
    assert isinstance(parsed, Digested) == (digest is not None)
    if isinstance(parsed, Tagged):
        assert parsed.tag == tag
    if isinstance(parsed, Digested):
        assert parsed.digest == digest


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "repository name must have at least one component"),
        (":justtag", "invalid reference format"),
        ("@" + SHA256_F, "invalid reference format"),
        ("repo@sha256:" + "f" * 34, "invalid checksum digest length"),
        ("validname@invaliddigest:" + "f" * 64, "unsupported digest algorithm"),
        ("Uppercase:tag", "repository name must be lowercase"),
        ("test:5000/Uppercase/lowercase:tag", "repository name must be lowercase"),
        ("a/" * 128 + "a:tag", "repository name must not be more than 255 characters"),
        ("aa/asdf$$^/aa", "invalid reference format"),
        ("a" * 256, "repository name must not be more than 255 characters"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    assert error_of(parse, text) == message


def test_parse_keeps_a_name_of_exactly_the_maximum_length() -> None:
    assert parse("a" * NAME_TOTAL_LENGTH_MAX) == Repository("", "a" * NAME_TOTAL_LENGTH_MAX)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a", Repository),
        ("a:b", TaggedReference),
        ("a@" + SHA256_A, CanonicalReference),
        ("a:b@" + SHA256_A, TaggedCanonicalReference),
    ],
)
def test_parse_returns_the_narrowest_type(text: str, kind: type[Reference]) -> None:
    assert type(parse(text)) is kind


# --- parse_named, parse_any_reference, parse_docker_ref ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("test.com/foo", ("test.com", "foo")),
        ("test:8080/foo", ("test:8080", "foo")),
        ("docker.io/library/foo", ("docker.io", "library/foo")),
    ],
)
def test_parse_named(text: str, expected: tuple[str, str]) -> None:
    assert split_hostname(parse_named(text)) == expected


@pytest.mark.parametrize(
    "text", ["test_com/foo", "test.com", "foo", "library/foo", "docker.io/foo"]
)
def test_parse_named_wants_the_canonical_form(text: str) -> None:
    assert error_of(parse_named, text) == "repository name must be canonical"


def test_parse_named_passes_parse_errors_through() -> None:
    assert error_of(parse_named, "Foo") == (
        "invalid reference format: repository name must be lowercase"
    )


@pytest.mark.parametrize(
    ("text", "equivalent"),
    [
        ("redis", "docker.io/library/redis"),
        ("redis:latest", "docker.io/library/redis:latest"),
        ("docker.io/library/redis:latest", "docker.io/library/redis:latest"),
        ("redis@" + REDIS_DIGEST, "docker.io/library/redis@" + REDIS_DIGEST),
        ("dmcgowan/myapp", "docker.io/dmcgowan/myapp"),
        ("dmcgowan/myapp@" + REDIS_DIGEST, "docker.io/dmcgowan/myapp@" + REDIS_DIGEST),
        (REDIS_DIGEST[7:-1], "docker.io/library/" + REDIS_DIGEST[7:-1]),
    ],
)
def test_parse_any_reference_names(text: str, equivalent: str) -> None:
    parsed = parse_any_reference(text)
    assert str(parsed) == equivalent
    assert parsed == parse(equivalent)


@pytest.mark.parametrize("text", [REDIS_DIGEST[7:], REDIS_DIGEST])
def test_parse_any_reference_digests(text: str) -> None:
    parsed = parse_any_reference(text)
    assert parsed == DigestReference(REDIS_DIGEST)
    assert not isinstance(parsed, Named)
    assert familiar_string(parsed) == REDIS_DIGEST


def test_parse_any_reference_errors_come_from_the_name_parser() -> None:
    # Not a digest (go-digest wants a lower-case algorithm), so it is read as name:tag.
    assert str(parse_any_reference("sha256:" + "A" * 64)) == "docker.io/library/sha256:" + "A" * 64
    assert error_of(parse_any_reference, "Sha256:" + "a" * 64) == (
        "invalid reference format: repository name must be lowercase"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:latest", "docker.io/library/busybox:latest"),
        ("busybox@" + BUSYBOX_DIGEST, "docker.io/library/busybox@" + BUSYBOX_DIGEST),
        ("library/busybox", "docker.io/library/busybox:latest"),
        ("docker.io/busybox", "docker.io/library/busybox:latest"),
        ("docker.io/library/busybox", "docker.io/library/busybox:latest"),
        ("docker.io/busybox:latest", "docker.io/library/busybox:latest"),
        ("gcr.io/library/busybox", "gcr.io/library/busybox:latest"),
        ("gcr.io/library/busybox:latest@" + BUSYBOX_DIGEST,
         "gcr.io/library/busybox@" + BUSYBOX_DIGEST),
    ],
)
def test_parse_docker_ref(text: str, expected: str) -> None:
    output = str(parse_docker_ref(text))
    assert output == expected
    assert str(parse(output)) == output


def test_reference_without_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    # parse() never returns a nameless reference for "domain/remainder"; the check guards it all
    # the same, and must say what it got.
    monkeypatch.setattr(ref_module, "parse", lambda text: DigestReference(SHA256_A))
    # The one-match shortcut for common names would not call parse at all.
    monkeypatch.setattr(ref_module, "_match_remainder", lambda text: None)
    ref_module.clear_parse_cache()  # an earlier answer for "x" must not be remembered...
    try:
        assert error_of(parse_normalized_named, "x") == f"reference {SHA256_A} has no name"
    finally:
        ref_module.clear_parse_cache()  # ...nor this one, once parse is itself again


# --- with_name, with_tag, with_digest, trim_named, tag_name_only ---------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("test.com/foo", ("test.com", "foo")),
        ("test_com/foo", ("", "test_com/foo")),
        ("test:8080/foo", ("test:8080", "foo")),
        ("test.com:8080/foo", ("test.com:8080", "foo")),
        ("test-com:8080/foo", ("test-com:8080", "foo")),
        ("xn--n3h.com:18080/foo", ("xn--n3h.com:18080", "foo")),
        ("ubuntu", ("", "ubuntu")),
    ],
)
def test_with_name(text: str, expected: tuple[str, str]) -> None:
    named = with_name(text)
    assert type(named) is Repository
    assert split_hostname(named) == expected
    assert str(named) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid reference format"),
        (":justtag", "invalid reference format"),
        ("@" + SHA256_F, "invalid reference format"),
        ("validname@invaliddigest:" + "f" * 64, "invalid reference format"),
        ("a/" * 128 + "a:tag", "repository name must not be more than 255 characters"),
        ("aa/asdf$$^/aa", "invalid reference format"),
        ("a:tag", "invalid reference format"),
        ("a\n", "invalid reference format"),
        # The limit is in bytes, as Go's len(): 128 two-byte letters are 256 bytes.
        ("é" * 128, "repository name must not be more than 255 characters"),
        ("é" * 127, "invalid reference format"),
    ],
)
def test_with_name_errors(text: str, message: str) -> None:
    assert error_of(with_name, text) == message


@pytest.mark.parametrize(
    ("name", "digest", "tag", "combined"),
    [
        ("test.com/foo", None, "tag", "test.com/foo:tag"),
        ("foo", None, "tag2", "foo:tag2"),
        ("test.com:8000/foo", None, "tag4", "test.com:8000/foo:tag4"),
        ("test.com:8000/foo", None, "TAG5", "test.com:8000/foo:TAG5"),
        ("test.com:8000/foo", SHORT_DIGEST, "TAG5", "test.com:8000/foo:TAG5@" + SHORT_DIGEST),
    ],
)
def test_with_tag(name: str, digest: str | None, tag: str, combined: str) -> None:
    named: Named = with_name(name)
    if digest is not None:
        named = with_digest(named, digest)
    tagged = with_tag(named, tag)
    assert str(tagged) == combined
    assert tagged.tag == tag
    assert isinstance(tagged, Digested) == (digest is not None)


@pytest.mark.parametrize(
    ("name", "tag", "combined"),
    [
        ("test.com/foo", None, "test.com/foo@" + SHORT_DIGEST),
        ("foo", None, "foo@" + SHORT_DIGEST),
        ("test.com:8000/foo", None, "test.com:8000/foo@" + SHORT_DIGEST),
        ("test.com:8000/foo", "latest", "test.com:8000/foo:latest@" + SHORT_DIGEST),
    ],
)
def test_with_digest(name: str, tag: str | None, combined: str) -> None:
    named: Named = with_name(name)
    if tag is not None:
        named = with_tag(named, tag)
    digested = with_digest(named, SHORT_DIGEST)
    assert str(digested) == combined
    assert digested.digest == SHORT_DIGEST
    assert isinstance(digested, Tagged) == (tag is not None)


def test_with_tag_replaces_a_tag_and_keeps_a_digest() -> None:
    full = parse_normalized_named("busybox:1@" + BUSYBOX_DIGEST)
    retagged = with_tag(full, "2")
    assert isinstance(retagged, TaggedCanonicalReference)
    assert str(retagged) == "docker.io/library/busybox:2@" + BUSYBOX_DIGEST
    assert familiar_string(retagged) == "busybox:2@" + BUSYBOX_DIGEST


def test_with_digest_replaces_a_digest_and_keeps_a_tag() -> None:
    full = parse_normalized_named("localhost:5000/app:1@" + BUSYBOX_DIGEST)
    redigested = with_digest(full, SHA256_A)
    assert redigested == TaggedCanonicalReference("localhost:5000", "app", "1", SHA256_A)
    canonical = with_digest(parse_normalized_named("app@" + BUSYBOX_DIGEST), SHA256_A)
    assert canonical == CanonicalReference("docker.io", "library/app", SHA256_A)


@pytest.mark.parametrize("tag", ["-foo", ".a", "", "a" * 129, "a\n", "a/b", "é", "a:b"])
def test_with_tag_errors(tag: str) -> None:
    assert error_of(with_tag, parse_normalized_named("busybox"), tag) == "invalid tag format"


@pytest.mark.parametrize(
    "digest",
    ["foo", "sha256:" + "a" * 31, "sha256:" + "g" * 64, "1sha:" + "a" * 32, "sha256" + "a" * 64,
     SHA256_A + "\n", ":" + "a" * 64],
)
def test_with_digest_errors(digest: str) -> None:
    assert error_of(with_digest, parse_normalized_named("busybox"), digest) == (
        "invalid digest format"
    )


def test_with_digest_checks_only_the_grammar() -> None:
    # As in Go: upper-case hex and unknown algorithms pass with_digest, though parse() would
    # refuse them through go-digest.
    upper = "sha256:" + "A" * 37
    assert str(with_digest(with_name("a"), upper)) == "a@" + upper
    assert str(with_digest(with_name("a"), "my.alg+x:" + "f" * 32)) == "a@my.alg+x:" + "f" * 32


@pytest.mark.parametrize(
    "text",
    ["busybox", "busybox:1", "busybox@" + BUSYBOX_DIGEST, "busybox:1@" + BUSYBOX_DIGEST],
)
def test_trim_named(text: str) -> None:
    trimmed = trim_named(parse_normalized_named(text))
    assert trimmed == Repository("docker.io", "library/busybox")
    assert familiar_string(trimmed) == "busybox"


@pytest.mark.parametrize(
    ("text", "name_only", "tagged"),
    [
        ("busybox", True, "docker.io/library/busybox:latest"),
        ("busybox:1", False, "docker.io/library/busybox:1"),
        ("busybox@" + BUSYBOX_DIGEST, False, "docker.io/library/busybox@" + BUSYBOX_DIGEST),
        ("busybox:1@" + BUSYBOX_DIGEST, False,
         "docker.io/library/busybox:1@" + BUSYBOX_DIGEST),
    ],
)
def test_is_name_only_and_tag_name_only(text: str, name_only: bool, tagged: str) -> None:
    named = parse_normalized_named(text)
    assert is_name_only(named) is name_only
    result = tag_name_only(named)
    assert str(result) == tagged
    if not name_only:
        assert result is named


# --- a Named that is not one of ours --------------------------------------------------------


class PlainName(Named):
    """A Named that only knows its full name, like a third-party Go type would."""

    __slots__ = ("_name",)
    _name: str

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    @property
    def name(self) -> str:
        return self._name

    def __str__(self) -> str:
        return self.name


def test_a_foreign_named_is_split_by_the_name_grammar() -> None:
    assert split_hostname(PlainName("localhost:5000/a/b")) == ("localhost:5000", "a/b")
    assert split_hostname(PlainName("ubuntu")) == ("", "ubuntu")
    # A name the grammar rejects is all path, as in Go's splitDomain.
    assert split_hostname(PlainName("Not Valid")) == ("", "Not Valid")


def test_a_foreign_named_is_not_familiarized() -> None:
    foreign = PlainName("docker.io/library/ubuntu")
    assert familiar_name(foreign) == "docker.io/library/ubuntu"
    assert familiar_string(foreign) == "docker.io/library/ubuntu"


def test_with_tag_puts_a_foreign_name_whole_into_the_path() -> None:
    tagged = with_tag(PlainName("localhost:5000/app"), "1")
    assert type(tagged) is TaggedReference
    assert (tagged.domain, tagged.path, str(tagged)) == ("", "localhost:5000/app",
                                                          "localhost:5000/app:1")
    digested = with_digest(PlainName("localhost:5000/app"), SHA256_A)
    assert (digested.domain, digested.path) == ("", "localhost:5000/app")
    # trim_named goes through split_hostname, so it does split the foreign name.
    assert trim_named(PlainName("localhost:5000/app")) == Repository("localhost:5000", "app")


# --- the reference types --------------------------------------------------------------------


ALL_KINDS: list[Reference] = [
    Repository("docker.io", "library/a"),
    TaggedReference("docker.io", "library/a", "1"),
    CanonicalReference("docker.io", "library/a", SHA256_A),
    TaggedCanonicalReference("docker.io", "library/a", "1", SHA256_A),
    DigestReference(SHA256_A),
]


@pytest.mark.parametrize("value", ALL_KINDS, ids=lambda v: type(v).__name__)
def test_references_are_immutable(value: Reference) -> None:
    for attribute in ("_digest", "_path", "tag", "digest", "name", "new_attribute"):
        with pytest.raises(AttributeError):
            setattr(value, attribute, "x")
        with pytest.raises(AttributeError):
            delattr(value, attribute)
    assert str(value).endswith(("library/a", "1", SHA256_A))


@pytest.mark.parametrize("value", ALL_KINDS, ids=lambda v: type(v).__name__)
def test_references_survive_pickle_and_copy(value: Reference) -> None:
    for clone in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert clone == value
        assert type(clone) is type(value)
        assert hash(clone) == hash(value)


@pytest.mark.parametrize("value", ALL_KINDS, ids=lambda v: type(v).__name__)
def test_repr_rebuilds_the_reference(value: Reference) -> None:
    namespace = {cls.__name__: cls for cls in map(type, ALL_KINDS)}
    assert eval(repr(value), namespace) == value


def test_equality_needs_the_same_kind_and_parts() -> None:
    assert parse_normalized_named("ubuntu") == Repository("docker.io", "library/ubuntu")
    assert parse_normalized_named("ubuntu:1") != parse_normalized_named("ubuntu:2")
    assert parse_normalized_named("ubuntu") != parse_normalized_named("ubuntu:latest")
    # Same string, different split: not equal, as Go's struct comparison.
    assert with_tag(PlainName("a.com/b"), "1") != with_tag(with_name("a.com/b"), "1")
    assert Repository("", "a") != "a"
    assert len({parse_normalized_named("ubuntu"), parse_normalized_named("library/ubuntu"),
                parse_normalized_named("ubuntu:1")}) == 2


def test_type_hierarchy_follows_the_go_interfaces() -> None:
    repo, tagged, canonical, full, digest_only = ALL_KINDS
    assert isinstance(repo, Named) and not isinstance(repo, (Tagged, Digested))
    assert isinstance(tagged, NamedTagged) and not isinstance(tagged, Digested)
    assert isinstance(canonical, Canonical) and not isinstance(canonical, Tagged)
    assert isinstance(full, NamedTagged) and isinstance(full, Canonical)
    assert isinstance(digest_only, Digested) and not isinstance(digest_only, Named)
    with pytest.raises(TypeError):
        Named()  # type: ignore[abstract]


def test_familiar_keeps_the_kind() -> None:
    full = parse_normalized_named("busybox:1@" + BUSYBOX_DIGEST)
    assert isinstance(full, TaggedCanonicalReference)
    assert full.familiar() == TaggedCanonicalReference("", "busybox", "1", BUSYBOX_DIGEST)
    other = parse_normalized_named("quay.io/library/busybox:1")
    assert isinstance(other, TaggedReference)
    assert other.familiar() == other


# --- digests --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", [SHA256_A, "sha384:" + "0" * 96, "sha512:" + "9" * 128, REDIS_DIGEST]
)
def test_parse_digest(text: str) -> None:
    digest = parse_digest(text)
    assert digest == text
    assert isinstance(digest, Digest)
    assert (digest.algorithm, digest.encoded) == tuple(text.split(":"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid checksum digest format"),
        (":" + "a" * 64, "invalid checksum digest format"),
        ("sha256:", "invalid checksum digest format"),
        ("sha256" + "a" * 64, "invalid checksum digest format"),
        ("sha256:" + "A" * 64, "invalid checksum digest format"),
        ("sha256:" + "a" * 65, "invalid checksum digest length"),
        ("sha512:" + "a" * 64, "invalid checksum digest length"),
        # go-digest counts bytes: 32 two-byte letters are the 64 of a sha256 digest.
        ("sha256:" + "é" * 32, "invalid checksum digest format"),
        ("md5:" + "a" * 32, "unsupported digest algorithm"),
        ("sha256+b64:abc=", "unsupported digest algorithm"),
        ("SHA256:" + "a" * 64, "invalid checksum digest format"),
        ("md5:a*", "invalid checksum digest format"),
    ],
)
def test_parse_digest_errors(text: str, message: str) -> None:
    assert error_of(parse_digest, text) == message


def test_digest_parts_need_a_separator() -> None:
    assert error_of(lambda: Digest("nocolon").algorithm) == "invalid checksum digest format"


# --- the regular expressions ----------------------------------------------------------------

# Go's productions, written out as in regexp.go. RE2 runs them in linear time; Python's
# backtracking engine does not, so the module uses rewritten forms. These check that the
# rewrites accept the same strings and capture the same groups.
GO_ALPHA_NUMERIC = "[a-z0-9]+"
GO_SEPARATOR = "(?:[._]|__|[-]*)"
GO_NAME_COMPONENT = f"{GO_ALPHA_NUMERIC}(?:(?:{GO_SEPARATOR}{GO_ALPHA_NUMERIC})+)?"
GO_DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
GO_DOMAIN = f"{GO_DOMAIN_COMPONENT}(?:(?:[.]{GO_DOMAIN_COMPONENT})+)?(?:[:][0-9]+)?"
GO_TAG = r"[\w][\w.-]{0,127}"
GO_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
GO_NAME = f"(?:{GO_DOMAIN}[/])?{GO_NAME_COMPONENT}(?:(?:[/]{GO_NAME_COMPONENT})+)?"
GO_REFERENCE = f"({GO_NAME})(?:[:]({GO_TAG}))?(?:[@]({GO_DIGEST}))?"
GO_ANCHORED_NAME = (
    f"(?:({GO_DOMAIN})[/])?({GO_NAME_COMPONENT}(?:(?:[/]{GO_NAME_COMPONENT})+)?)"
)


def short_strings(alphabet: str, max_length: int) -> list[str]:
    return [
        "".join(chars)
        for length in range(max_length + 1)
        for chars in itertools.product(alphabet, repeat=length)
    ]


def same_full_matches(ours: re.Pattern[str], go_pattern: str, inputs: list[str]) -> None:
    go = re.compile(go_pattern, re.ASCII)
    for text in inputs:
        mine = ours.fullmatch(text)
        theirs = go.fullmatch(text)
        assert (mine is None) == (theirs is None), text
        if mine is not None and theirs is not None:
            assert mine.groups() == theirs.groups(), text


def test_name_regexps_match_go_productions() -> None:
    inputs = short_strings("a.-_/:1A", 5)
    same_full_matches(NAME_REGEXP, GO_NAME, inputs)
    same_full_matches(DOMAIN_REGEXP, GO_DOMAIN, inputs)
    same_full_matches(re.compile(ref_module._ANCHORED_NAME_REGEXP.pattern), GO_ANCHORED_NAME,
                      inputs)


def test_reference_regexp_matches_go_production() -> None:
    hex32 = "f" * 32
    inputs = [
        prefix + middle + suffix
        for prefix in short_strings("a.-_/:", 3)
        for middle in ("", ":", ":t", ":T.-", "@")
        for suffix in ("", "@sha256:" + hex32, "@a.b:" + hex32, ":" + hex32)
    ]
    same_full_matches(REFERENCE_REGEXP, GO_REFERENCE, inputs)
    same_full_matches(TAG_REGEXP, GO_TAG, short_strings("aA_.-é٣", 3))
    algorithms = short_strings("aB1-_+.:", 3)
    same_full_matches(DIGEST_REGEXP, GO_DIGEST, [a + ":" + hex32 for a in algorithms])


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("registry.com:8080/myapp:tag", ("registry.com:8080/myapp", "tag", None)),
        ("registry.com:8080/myapp@" + SHA256_F, ("registry.com:8080/myapp", None, SHA256_F)),
        ("registry.com:8080/myapp:tag2@" + SHA256_F,
         ("registry.com:8080/myapp", "tag2", SHA256_F)),
        ("localhost:8080@" + SHA256_F, ("localhost", "8080", SHA256_F)),
        ("localhost@" + SHA256_F, ("localhost", None, SHA256_F)),
        ("registry.com:8080/myapp@sha256:badbadbadbad", None),
        ("registry.com:8080/myapp:invalid~tag", None),
        ("bad_hostname.com:8080/myapp:tag", None),
        ("localhost:http/name@" + SHA256_F, None),
        ("registry.com:8080/myapp@bad", None),
        ("registry.com:8080/myapp@2bad", None),
        ("myapp\n", None),
    ],
)
def test_reference_regexp(text: str, groups: tuple[str | None, ...] | None) -> None:
    match = REFERENCE_REGEXP.match(text)
    assert (match.groups() if match else None) == groups


def test_identifier_regexps() -> None:
    full = "da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821"
    assert IDENTIFIER_REGEXP.fullmatch(full)
    assert not IDENTIFIER_REGEXP.fullmatch(full.upper())
    assert not IDENTIFIER_REGEXP.fullmatch(full[:-4])
    assert SHORT_IDENTIFIER_REGEXP.fullmatch(full[:6])
    assert not SHORT_IDENTIFIER_REGEXP.fullmatch(full[:5])
    assert not SHORT_IDENTIFIER_REGEXP.fullmatch(full + "00")


@pytest.mark.parametrize(
    "text",
    [
        "a" * 5000 + "!",
        "a-" * 3000 + "!",
        "a_" * 3000 + "_",
        "x.com/" + "a-b" * 2000 + "@sha256:" + "a" * 5000 + "!",
        ("a" * 50 + "/") * 100 + "A",
    ],
)
def test_long_bad_names_fail_without_backtracking_blow_up(text: str) -> None:
    # Go's separator pattern, run by a backtracking engine, would not finish on these.
    with pytest.raises(InvalidReferenceError):
        parse_normalized_named(text)


# --- against the oracle, when it is there ---------------------------------------------------

ORACLE = Path(os.environ.get("REGISTRY_CORE_ORACLE", "/tmp/registry-oracle/oracle"))


def ask_oracle(inputs: list[str]) -> list[dict[str, Any]]:
    request = "".join(json.dumps({"op": "parse_reference", "input": i}) + "\n" for i in inputs)
    result = subprocess.run(
        [str(ORACLE)], input=request, capture_output=True, text=True, check=True, timeout=120
    )
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(inputs)
    return answers


def odd_inputs(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "ab09AZ._-:/@+ \n\tİKΣé٣ǅ"
    domains = ["localhost", "localhost:5000", "example.com", "Example.COM:443", "docker.io",
               "index.docker.io", "a-b.c", "-a.com", "[::1]", "[::1]:5000", "127.0.0.1:5000",
               "a_b.com", "a..b", "a:", "İ.com", "foo"]
    paths = ["ubuntu", "library/ubuntu", "a__b", "a___b", "a--b", "a.-b", "_a", "Ab", "a/b/c",
             "a//b", "", "library/a/b", "a٣", "a" * 250, "sha256"]
    tags = ["", ":latest", ":Tag_1.0-x", ":", ":.a", ":-a", ":" + "t" * 128, ":" + "t" * 129,
            ":İ"]
    hexes = ["a" * 64, "A" * 64, "a" * 63, "a" * 32, "a" * 96, "a" * 128, "g" * 64]
    algorithms = ["sha256", "sha384", "sha512", "SHA256", "foo", "a+b", "1a", ""]
    out = []
    for _ in range(count):
        if rng.random() < 0.3:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))))
            continue
        text = (rng.choice(domains) + "/" if rng.random() < 0.6 else "") + rng.choice(paths)
        if rng.random() < 0.5:
            text += rng.choice(tags)
        if rng.random() < 0.4:
            text += "@" + rng.choice(algorithms) + ":" + rng.choice(hexes)
        if rng.random() < 0.2:
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(alphabet) + text[at:]
        out.append(text)
    return out


@pytest.mark.skipif(not ORACLE.is_file(), reason="the Go oracle is not built here")
def test_against_the_oracle_on_odd_inputs() -> None:
    inputs = odd_inputs(seed=20240, count=600)
    for text, expected in zip(inputs, ask_oracle(inputs), strict=True):
        assert parse_answer(text) == expected, text


@pytest.mark.skipif(not ORACLE.is_file(), reason="the Go oracle is not built here")
def test_against_the_oracle_on_every_cased_letter() -> None:
    # Which letters count as upper case decides between two error messages; Go and Python must
    # agree for every letter that has a case, in the repository part and in the domain.
    letters = [chr(c) for c in range(0x80, 0x110000) if chr(c).lower() != chr(c)]
    inputs = [form.format(c) for c in letters for form in ("a/a{}", "{}.com/a")]
    for text, expected in zip(inputs, ask_oracle(inputs), strict=True):
        assert parse_answer(text) == expected, ascii(text)
