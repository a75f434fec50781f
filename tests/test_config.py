"""Options, validation, resolution and host matching (registry_core.config).

Expected messages were taken from the reference (the oracle), not derived from our code.
No test resolves a name through DNS: the resolver is injected.
"""

from __future__ import annotations

import ipaddress
import json
import logging

import pytest

from registry_core.config import (
    IPAddress,
    ServiceOptions,
    allow_nondistributable_artifacts,
    convert_to_hostname,
    default_lookup_ip,
    get_auth_config_key,
    host_endpoint_url,
    is_secure_index,
    load_allow_nondistributable_artifacts,
    load_insecure_registries,
    load_mirrors,
    mirror_endpoint_url,
    new_index_info,
    new_repository_info,
    new_service_config,
    parse_repository_info,
    parse_search_index_info,
    resolve_auth_config,
    split_repos_search_term,
    validate_index_name,
    validate_mirror,
    validate_no_scheme,
)
from registry_core.constants import INDEX_SERVER
from registry_core.errors import (
    InvalidIndexNameError,
    InvalidMirrorError,
    InvalidRegistryOptionError,
    InvalidRepositoryNameError,
    RegistryError,
)
from registry_core.gojson import JSONObject
from registry_core.reference import parse_normalized_named
from registry_core.types import AuthConfig, IndexInfo, ServiceConfig

V4 = ipaddress.IPv4Address
V6 = ipaddress.IPv6Address


class Resolver:
    """A fake ``net.LookupIP``: a fixed table, and a record of the names asked."""

    def __init__(self, table: dict[str, list[IPAddress]] | None = None) -> None:
        self.table = table or {}
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[IPAddress]:
        self.asked.append(host)
        return list(self.table.get(host, []))


def failing_resolver(host: str) -> list[IPAddress]:
    raise OSError("no such host")


def config_of(**options: list[str]) -> ServiceConfig:
    return new_service_config(ServiceOptions(**options))


# ---- ServiceOptions and daemon.json ---------------------------------------------------------


def test_options_from_daemon_json_reads_the_three_keys_and_ignores_others():
    options = ServiceOptions.from_daemon_json(
        {
            "registry-mirrors": ["https://m.example.com"],
            "insecure-registries": ["10.0.0.0/8"],
            "allow-nondistributable-artifacts": ["myreg:5000"],
            "debug": True,
            "log-driver": "json-file",
        }
    )
    assert options == ServiceOptions(
        allow_nondistributable_artifacts=["myreg:5000"],
        mirrors=["https://m.example.com"],
        insecure_registries=["10.0.0.0/8"],
    )


def test_options_keys_match_without_case_and_null_means_empty():
    options = ServiceOptions.from_daemon_json(
        {"Registry-Mirrors": ["https://m"], "INSECURE-REGISTRIES": None}
    )
    assert options.mirrors == ["https://m"]
    assert options.insecure_registries == []


def test_options_null_element_is_an_empty_string_as_in_go():
    options = ServiceOptions.from_daemon_json({"registry-mirrors": [None, "https://x"]})
    assert options.mirrors == ["", "https://x"]
    # ...which the reference then refuses as a mirror.
    with pytest.raises(InvalidMirrorError, match='unsupported scheme "" in ""'):
        new_service_config(options)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"registry-mirrors": "https://m"},
            "json: cannot unmarshal string into Go struct field "
            "ServiceOptions.registry-mirrors of type []string",
        ),
        (
            {"insecure-registries": [5000]},
            "json: cannot unmarshal number into Go struct field "
            "ServiceOptions.insecure-registries of type string",
        ),
        (
            {"allow-nondistributable-artifacts": {"a": 1}},
            "json: cannot unmarshal object into Go struct field "
            "ServiceOptions.allow-nondistributable-artifacts of type []string",
        ),
        (
            {"registry-mirrors": [True]},
            "json: cannot unmarshal bool into Go struct field "
            "ServiceOptions.registry-mirrors of type string",
        ),
    ],
)
def test_options_of_the_wrong_type_are_refused(data, message):
    with pytest.raises(InvalidRegistryOptionError) as info:
        ServiceOptions.from_daemon_json(data)
    assert str(info.value) == message


def test_options_from_null_are_empty_as_in_go():
    # Go decodes null into a struct without an error, leaving it as it is.
    assert ServiceOptions.from_daemon_json(None) == ServiceOptions()


def test_null_replaces_an_earlier_list_and_the_last_key_wins():
    data = JSONObject([("registry-mirrors", ["https://a"]), ("Registry-Mirrors", None)])
    assert ServiceOptions.from_daemon_json(data).mirrors == []
    data = JSONObject([("registry-mirrors", ["https://a"]), ("REGISTRY-MIRRORS", ["https://b"])])
    assert ServiceOptions.from_daemon_json(data).mirrors == ["https://b"]


def test_a_bad_value_is_an_error_even_when_a_later_key_replaces_it():
    # Go reports the first type error of the document, even for a member a later one
    # overwrites (checked with Go's encoding/json).
    data = JSONObject([("registry-mirrors", 1), ("registry-mirrors", ["https://a"])])
    with pytest.raises(InvalidRegistryOptionError) as info:
        ServiceOptions.from_daemon_json(data)
    assert str(info.value) == (
        "json: cannot unmarshal number into Go struct field ServiceOptions.registry-mirrors "
        "of type []string"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # The oracle (its request.options is a registry.ServiceOptions) gives these texts.
        ({"insecure-registries": [None, 1]}, "number into Go struct field "
         "ServiceOptions.insecure-registries of type string"),
        ({"insecure-registries": 1.5}, "number into Go struct field "
         "ServiceOptions.insecure-registries of type []string"),
        ({"insecure-registries": [[]]}, "array into Go struct field "
         "ServiceOptions.insecure-registries of type string"),
        ({"insecure-registries": [{}]}, "object into Go struct field "
         "ServiceOptions.insecure-registries of type string"),
        ({"insecure-registries": 1, "registry-mirrors": "x"}, "number into Go struct field "
         "ServiceOptions.insecure-registries of type []string"),
        ({"registry-mirrors": "x", "insecure-registries": 1}, "string into Go struct field "
         "ServiceOptions.registry-mirrors of type []string"),
        (123, "number into Go value of type registry.ServiceOptions"),
        ("x", "string into Go value of type registry.ServiceOptions"),
        (True, "bool into Go value of type registry.ServiceOptions"),
    ],
)
def test_type_errors_name_the_json_kind_as_go_does(data, message):
    with pytest.raises(InvalidRegistryOptionError) as info:
        ServiceOptions.from_daemon_json(data)
    assert str(info.value) == "json: cannot unmarshal " + message


@pytest.mark.parametrize(
    ("key", "attr"),
    [
        ("inſecure-registries", "insecure_registries"),  # U+017F long s folds to s
        ("INSECURE-REGISTRIES", "insecure_registries"),
        ("inſecure-regiſtrieſ", "insecure_registries"),
        ("Registry-Mirrorſ", "mirrors"),
        ("allow-nondiſtributable-artifacts", "allow_nondistributable_artifacts"),
    ],
)
def test_options_keys_fold_as_go_does(key, attr):
    # The oracle accepts each of these keys for the option.
    options = ServiceOptions.from_daemon_json({key: ["10.0.0.0/8"]})
    assert getattr(options, attr) == ["10.0.0.0/8"]


@pytest.mark.parametrize(
    "key",
    [
        "ınsecure-registries",  # U+0131 dotless i: not a fold of i in Go
        "İnsecure-registries",  # U+0130
        "insecure_registries",
        "insecure-registries ",
        "registry-mirrorß",
    ],
)
def test_options_keys_that_go_does_not_fold_are_ignored(key):
    assert ServiceOptions.from_daemon_json({key: ["10.0.0.0/8"]}) == ServiceOptions()


def test_options_from_something_not_an_object_are_refused():
    with pytest.raises(InvalidRegistryOptionError) as info:
        ServiceOptions.from_daemon_json(["x"])  # type: ignore[arg-type]
    assert str(info.value) == (
        "json: cannot unmarshal array into Go value of type registry.ServiceOptions"
    )


def test_options_to_daemon_json_round_trips_and_leaves_out_empty_lists():
    options = ServiceOptions(mirrors=["https://m/"], insecure_registries=["10.0.0.0/8"])
    data = options.to_daemon_json()
    assert data == {"registry-mirrors": ["https://m/"], "insecure-registries": ["10.0.0.0/8"]}
    assert ServiceOptions.from_daemon_json(data) == options


def test_options_from_daemon_config_file(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text(json.dumps({"registry-mirrors": ["https://m"], "debug": True}))
    assert ServiceOptions.from_daemon_config_file(path).mirrors == ["https://m"]


def test_daemon_config_file_with_bad_json_names_the_file(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text('{"registry-mirrors": [')
    with pytest.raises(InvalidRegistryOptionError) as info:
        ServiceOptions.from_daemon_config_file(path)
    assert str(info.value) == (
        f"unable to configure the Docker daemon with file {path}: unexpected EOF"
    )


# Each message was printed by go1.19's json.NewDecoder(...).Decode into a struct with the
# three options, as the daemon reads daemon.json.
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "EOF"),
        (b" \n\t", "EOF"),
        (b"{", "unexpected EOF"),
        (b"fals", "unexpected EOF"),
        (b"\xef\xbb\xbf{}", "invalid character '\u00ef' looking for beginning of value"),
        (b"NaN", "invalid character 'N' looking for beginning of value"),
        (b'{"a":1,}', "invalid character '}' looking for beginning of object key string"),
        (b"[1,]", "invalid character ']' looking for beginning of value"),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b'{"a":1 "b"}', "invalid character '\"' after object key:value pair"),
        (b"[1 2]", "invalid character '2' after array element"),
        (b"{'a':1}", "invalid character '\\'' looking for beginning of object key string"),
        (b'"\x01"', "invalid character '\\x01' in string literal"),
        (b'"\\x"', "invalid character 'x' in string escape code"),
        (b'"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"),
        (b"-a", "invalid character 'a' in numeric literal"),
        (b"1.a", "invalid character 'a' after decimal point in numeric literal"),
        (b"1ea", "invalid character 'a' in exponent of numeric literal"),
        (b"tx", "invalid character 'x' in literal true (expecting 'r')"),
        (b"nulL", "invalid character 'L' in literal null (expecting 'l')"),
        (b"\x80", "invalid character '\\u0080' looking for beginning of value"),
        (b"\xad", "invalid character '\\u00ad' looking for beginning of value"),
        (b"\xff\xfe{}", "invalid character '\u00ff' looking for beginning of value"),
        (b"[" * 10001, "invalid character '[' exceeded max depth"),
        # After the first value nothing is read: the value itself is then decoded.
        (b"123abc", "json: cannot unmarshal number into Go value of type "
         "registry.ServiceOptions"),
        (b'"x"y', "json: cannot unmarshal string into Go value of type registry.ServiceOptions"),
        (b'{"registry-mirrors":[1, "a", true]}', "json: cannot unmarshal number into Go "
         "struct field ServiceOptions.registry-mirrors of type string"),
        (b'{"registry-mirrors":1, "registry-mirrors":["a"]}', "json: cannot unmarshal number "
         "into Go struct field ServiceOptions.registry-mirrors of type []string"),
    ],
)
def test_daemon_config_file_errors_are_go_s(tmp_path, content, message):
    path = tmp_path / "daemon.json"
    path.write_bytes(content)
    with pytest.raises(InvalidRegistryOptionError) as info:
        ServiceOptions.from_daemon_config_file(path)
    assert str(info.value) == f"unable to configure the Docker daemon with file {path}: {message}"


@pytest.mark.parametrize(
    ("content", "options"),
    [
        (b"null", ServiceOptions()),
        (b" null \n", ServiceOptions()),
        # Only the first value counts, as with the daemon's json.Decoder.
        (b'{"registry-mirrors":["https://a.com"]}\n{"x":1}', ServiceOptions(mirrors=["https://a.com"])),
        (b'{"registry-mirrors":["https://a.com"]} garbage', ServiceOptions(mirrors=["https://a.com"])),
        (b'{"registry-mirrors":null}', ServiceOptions()),
        (b'{"registry-mirrors":[null,"a"]}', ServiceOptions(mirrors=["", "a"])),
        ('{"inſecure-registries":["a"]}'.encode(), ServiceOptions(insecure_registries=["a"])),
        # Invalid UTF-8 in a string is one U+FFFD a byte; a lone surrogate escape is U+FFFD.
        (b'{"registry-mirrors":["\xff\xe2\x82x", "\\ud800\\u0041"]}',
         ServiceOptions(mirrors=["\ufffd\ufffd\ufffdx", "\ufffdA"])),
        (b'{"debug": 1e308, "x": [[[{"y": -0.5e-3}]]]}', ServiceOptions()),
    ],
)
def test_daemon_config_file_reads_as_go_does(tmp_path, content, options):
    path = tmp_path / "daemon.json"
    path.write_bytes(content)
    assert ServiceOptions.from_daemon_config_file(path) == options


def test_daemon_config_file_with_a_bad_value_names_the_file(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text('{"insecure-registries": "10.0.0.0/8"}')
    with pytest.raises(InvalidRegistryOptionError) as info:
        ServiceOptions.from_daemon_config_file(path)
    assert str(info.value) == (
        f"unable to configure the Docker daemon with file {path}: json: cannot unmarshal "
        "string into Go struct field ServiceOptions.insecure-registries of type []string"
    )


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" + "0" * 400])
def test_daemon_config_file_with_a_number_too_large_for_a_float64(tmp_path, number):
    # The daemon's first pass decodes the whole file into a map, numbers into float64s.
    path = tmp_path / "daemon.json"
    path.write_text(f'{{"registry-mirrors": ["https://m.example"], "x": [{{"y": {number}}}]}}')
    with pytest.raises(InvalidRegistryOptionError) as info:
        ServiceOptions.from_daemon_config_file(path)
    assert str(info.value) == (
        f"unable to configure the Docker daemon with file {path}: json: cannot unmarshal "
        f"number {number} into Go value of type float64"
    )


def test_daemon_config_file_that_is_missing_or_not_utf8(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(InvalidRegistryOptionError) as info:
        ServiceOptions.from_daemon_config_file(missing)
    assert str(info.value) == (
        f"unable to configure the Docker daemon with file {missing}: No such file or directory"
    )
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    with pytest.raises(InvalidRegistryOptionError, match=str(binary)):
        ServiceOptions.from_daemon_config_file(binary)


@pytest.mark.parametrize(
    ("load", "option"),
    [
        (load_mirrors, "registry-mirrors"),
        (load_insecure_registries, "insecure-registries"),
        (load_allow_nondistributable_artifacts, "allow-nondistributable-artifacts"),
    ],
)
def test_load_functions_refuse_what_is_not_a_list_of_strings(load, option):
    config = new_service_config()
    with pytest.raises(InvalidRegistryOptionError) as info:
        load(config, "myreg:5000")
    assert str(info.value) == f"{option} must be a list of strings, not a string"
    with pytest.raises(InvalidRegistryOptionError) as info:
        load(config, ["myreg:5000", 5000])
    assert str(info.value) == f"{option} entries must be strings, not int"
    assert config == new_service_config()


# ---- validate_index_name, validate_mirror ---------------------------------------------------


def test_validate_index_name():
    assert validate_index_name("index.docker.io") == "docker.io"
    assert validate_index_name("myreg:5000") == "myreg:5000"
    for bad in ("-myreg", "myreg-"):
        with pytest.raises(InvalidIndexNameError) as info:
            validate_index_name(bad)
        assert str(info.value) == f"invalid index name ({bad}). Cannot begin or end with a hyphen"
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("mirror", "value"),
    [
        ("https://m.example.com", "https://m.example.com/"),
        ("https://m.example.com/", "https://m.example.com/"),
        ("HTTP://[::1]:5000", "HTTP://[::1]:5000/"),
        # Quirks of Go's URL parser that the reference lets through:
        ("http://m.example.com?", "http://m.example.com?/"),  # an empty query is no query
        ("https:m.example.com", "https:m.example.com/"),  # an opaque URL has no path
        ("https://[fe80::1%25lo]:5000", "https://[fe80::1%25lo]:5000/"),
    ],
)
def test_validate_mirror_accepts(mirror, value):
    assert validate_mirror(mirror) == value


@pytest.mark.parametrize(
    ("mirror", "message"),
    [
        ("m.example.com", 'invalid mirror: unsupported scheme "" in "m.example.com"'),
        ("ftp://m", 'invalid mirror: unsupported scheme "ftp" in "ftp://m"'),
        ("m .com", 'invalid mirror: unsupported scheme "" in "m%20.com"'),
        ("https://m/v2", 'invalid mirror: path, query, or fragment at end of the URI "https://m/v2"'),
        ("HTTPS://m//", 'invalid mirror: path, query, or fragment at end of the URI "https://m//"'),
        ("https://m?x=1", 'invalid mirror: path, query, or fragment at end of the URI "https://m?x=1"'),
        ("https://m#f", 'invalid mirror: path, query, or fragment at end of the URI "https://m#f"'),
        ("https:/m", 'invalid mirror: path, query, or fragment at end of the URI "https:/m"'),
        ("https://x#\u00e9\t", 'invalid mirror: path, query, or fragment at end of the URI '
         '"https://x#%C3%A9%09"'),
        ("https://m .com/", 'invalid mirror: "https://m .com/" is not a valid URI'),
        ("https://x/\x01", 'invalid mirror: "https://x/\\x01" is not a valid URI'),
        ("http://x:abc", 'invalid mirror: "http://x:abc" is not a valid URI'),
        ("https://ex%41mple.com", 'invalid mirror: "https://ex%41mple.com" is not a valid URI'),
        ("1http://x", 'invalid mirror: "1http://x" is not a valid URI'),
        ("h\u00e9://x", 'invalid mirror: "h\u00e9://x" is not a valid URI'),
        ("http://u%zz@x", 'invalid mirror: "http://u%zz@x" is not a valid URI'),
    ],
)
def test_validate_mirror_refuses(mirror, message):
    with pytest.raises(InvalidMirrorError) as info:
        validate_mirror(mirror)
    assert str(info.value) == message


def test_validate_mirror_never_shows_the_password():
    with pytest.raises(InvalidMirrorError) as info:
        validate_mirror("https://admin:hunter2@m.example.com/")
    assert str(info.value) == (
        'invalid mirror: username/password not allowed in URI "https://admin:xxxxx@m.example.com/"'
    )
    assert "hunter2" not in str(info.value)
    with pytest.raises(InvalidMirrorError) as info:
        validate_mirror("http://u@m")
    assert str(info.value) == 'invalid mirror: username/password not allowed in URI "http://u:xxxxx@m"'


def test_validate_no_scheme():
    validate_no_scheme("myreg:5000/foo")
    with pytest.raises(InvalidRepositoryNameError) as info:
        validate_no_scheme("https://myreg/foo")
    assert str(info.value) == 'Invalid repository name (ex: "registry.domain.tld/myrepos")'


# ---- loading options ------------------------------------------------------------------------


def test_default_configuration():
    config = new_service_config()
    assert [str(n) for n in config.insecure_registry_cidrs] == ["127.0.0.0/8"]
    assert config.mirrors == []
    assert config.index_configs == {
        "docker.io": IndexInfo(name="docker.io", mirrors=[], secure=True, official=True)
    }
    assert config.allow_nondistributable_artifacts_cidrs == []
    assert config.allow_nondistributable_artifacts_hostnames == []


def test_options_are_loaded_in_the_reference_order():
    # Each list holds a bad entry: allow-nondistributable-artifacts is checked first, then
    # mirrors, then insecure registries.
    options = {
        "allow_nondistributable_artifacts": ["-a"],
        "mirrors": ["ftp://m"],
        "insecure_registries": ["-i"],
    }
    with pytest.raises(InvalidIndexNameError, match=r"\(-a\)"):
        config_of(**options)
    options["allow_nondistributable_artifacts"] = []
    with pytest.raises(InvalidMirrorError):
        config_of(**options)
    options["mirrors"] = []
    with pytest.raises(InvalidIndexNameError, match=r"\(-i\)"):
        config_of(**options)


def test_load_mirrors_drops_duplicates_keeps_order_and_updates_docker_hub():
    config = new_service_config()
    load_mirrors(config, ["https://b", "https://a/", "https://b/", "https://a"])
    assert config.mirrors == ["https://b/", "https://a/"]
    assert config.index_configs["docker.io"].mirrors == ["https://b/", "https://a/"]
    assert config.index_configs["docker.io"].official


def test_load_mirrors_error_leaves_the_configuration_alone():
    config = config_of(mirrors=["https://good"])
    with pytest.raises(InvalidMirrorError):
        load_mirrors(config, ["https://other", "https://bad/v2"])
    assert config.mirrors == ["https://good/"]


def test_load_insecure_registries_strips_http_with_a_warning(caplog):
    config = new_service_config()
    with caplog.at_level(logging.WARNING, logger="registry_core.config"):
        load_insecure_registries(config, ["HTTP://myreg:5000", "https://other"])
    assert set(config.index_configs) == {"myreg:5000", "other", "docker.io"}
    assert not config.index_configs["myreg:5000"].secure
    assert [r.getMessage() for r in caplog.records] == [
        "insecure registry HTTP://myreg:5000 should not contain 'http://' and 'http://' has "
        "been removed from the insecure registry config",
        "insecure registry https://other should not contain 'https://' and 'https://' has "
        "been removed from the insecure registry config",
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("ftp://myreg", "insecure registry ftp://myreg should not contain '://'"),
        ("1.2.3.4/99", 'insecure registry 1.2.3.4/99 is not valid: invalid host "1.2.3.4/99"'),
        ("host:70000", 'insecure registry host:70000 is not valid: invalid port "70000"'),
        ("host:+80", 'insecure registry host:+80 is not valid: invalid host "host"'),
        ("[::1]", 'insecure registry [::1] is not valid: invalid host "[::1]"'),
        ("[::1]:-1", 'insecure registry [::1]:-1 is not valid: invalid port "-1"'),
        (
            "[::1]:abc",
            'insecure registry [::1]:abc is not valid: strconv.Atoi: parsing "abc": invalid syntax',
        ),
        (
            "host:99999999999999999999",
            "insecure registry host:99999999999999999999 is not valid: "
            'strconv.Atoi: parsing "99999999999999999999": value out of range',
        ),
        ("http://-x", 'insecure registry -x is not valid: invalid host "-x"'),
        ("a\tb", 'insecure registry a\tb is not valid: invalid host "a\\tb"'),
        ("", 'insecure registry  is not valid: invalid host ""'),
    ],
)
def test_load_insecure_registries_refuses(entry, message):
    config = new_service_config()
    with pytest.raises(InvalidRegistryOptionError) as info:
        load_insecure_registries(config, [entry])
    assert str(info.value) == message


def test_load_insecure_registries_hyphen_is_an_index_name_error():
    with pytest.raises(InvalidIndexNameError):
        load_insecure_registries(new_service_config(), ["-myreg"])


def test_load_insecure_registries_error_leaves_the_configuration_alone():
    config = config_of(insecure_registries=["10.0.0.0/8", "myreg:5000"])
    before = (list(config.insecure_registry_cidrs), dict(config.index_configs))
    with pytest.raises(InvalidRegistryOptionError):
        load_insecure_registries(config, ["192.168.0.0/16", "other:5000", "bad:99999"])
    assert (config.insecure_registry_cidrs, config.index_configs) == before


def test_insecure_ranges_are_deduplicated_as_go_compares_them():
    config = config_of(
        insecure_registries=[
            "10.1.2.3/8",  # the same network as 10.0.0.0/8 once masked
            "10.0.0.0/8",
            "127.0.0.1/8",  # the same as the implicit 127.0.0.0/8
            "::ffff:10.0.0.0/104",  # the same network, but a 16-byte mask: Go keeps both
            "::ffff:1.2.3.4/96",  # prints as 0.0.0.0/0 in Go
            "::ffff:1.2.3.4/90",  # not IPv4-mapped once masked
            "2001:0db8:0000::1/48",
        ]
    )
    assert [str(n) for n in config.insecure_registry_cidrs] == [
        "10.0.0.0/8",
        "127.0.0.0/8",
        "10.0.0.0/8",
        "0.0.0.0/0",
        "::ffc0:0:0/90",
        "2001:db8::/48",
    ]


def test_insecure_entries_that_are_not_ranges_become_index_configs():
    config = config_of(insecure_registries=["myreg:5000", "::1", "1.2.3.4:+80", "docker.io"])
    assert list(config.index_configs) == ["myreg:5000", "::1", "1.2.3.4:+80", "docker.io"]
    assert config.index_configs["::1"] == IndexInfo(name="::1", mirrors=[], secure=False)
    # Docker Hub stays secure even when listed.
    assert config.index_configs["docker.io"].secure


def test_load_allow_nondistributable_artifacts():
    config = new_service_config()
    load_allow_nondistributable_artifacts(
        config, ["10.1.2.3/8", "10.0.0.0/8", "::ffff:10.0.0.0/104", "myreg:5000", "myreg:5000"]
    )
    # Ranges are deduplicated by their printed form here (a Go map keyed by String()).
    assert [str(n) for n in config.allow_nondistributable_artifacts_cidrs] == ["10.0.0.0/8"]
    assert config.allow_nondistributable_artifacts_hostnames == ["myreg:5000"]


@pytest.mark.parametrize(
    ("entry", "error", "message"),
    [
        (
            "http://myreg",
            InvalidRegistryOptionError,
            "allow-nondistributable-artifacts registry http://myreg should not contain '://'",
        ),
        (
            "ex\u00e9.com",
            InvalidRegistryOptionError,
            'allow-nondistributable-artifacts registry ex\u00e9.com is not valid: '
            'invalid host "ex\u00e9.com"',
        ),
        (
            "-foo",
            InvalidIndexNameError,
            "invalid index name (-foo). Cannot begin or end with a hyphen",
        ),
    ],
)
def test_load_allow_nondistributable_artifacts_refuses(entry, error, message):
    config = config_of(allow_nondistributable_artifacts=["myreg:5000"])
    with pytest.raises(error) as info:
        load_allow_nondistributable_artifacts(config, [entry])
    assert str(info.value) == message
    assert config.allow_nondistributable_artifacts_hostnames == ["myreg:5000"]


# ---- matching hosts -------------------------------------------------------------------------


def test_is_secure_index_uses_configured_indexes_first():
    config = config_of(insecure_registries=["myreg:5000"])
    resolver = Resolver()
    assert not is_secure_index(config, "myreg:5000", resolver)
    assert is_secure_index(config, "docker.io", resolver)
    assert resolver.asked == []


def test_is_secure_index_matches_resolved_addresses_against_ranges():
    config = config_of(insecure_registries=["10.0.0.0/8"])
    resolver = Resolver({"inside": [V4("10.9.8.7")], "outside": [V4("192.0.2.1")]})
    assert not is_secure_index(config, "inside:5000", resolver)
    assert is_secure_index(config, "outside:5000", resolver)
    assert resolver.asked == ["inside", "outside"]


def test_a_host_that_does_not_resolve_matches_no_range():
    config = config_of(insecure_registries=["0.0.0.0/0"])
    assert is_secure_index(config, "nowhere:5000", failing_resolver)
    assert is_secure_index(config, "nowhere:5000", Resolver())


def test_ip_literals_are_not_given_to_the_resolver():
    config = config_of(insecure_registries=["fe80::/10"])
    resolver = Resolver()
    assert not is_secure_index(config, "127.0.0.1:5000", resolver)
    assert not is_secure_index(config, "[fe80::1%eth0]:5000", resolver)  # a zone is allowed
    assert not is_secure_index(config, "fe80::1", resolver)
    assert is_secure_index(config, "[::2]:5000", resolver)
    assert resolver.asked == []


def test_ipv4_mapped_addresses_are_ipv4_addresses():
    config = config_of(insecure_registries=["10.0.0.0/8"])
    resolver = Resolver({"mapped": [V6("::ffff:10.0.0.1")]})
    assert not is_secure_index(config, "mapped", resolver)
    assert not is_secure_index(config, "[::ffff:10.0.0.1]:5000", resolver)
    # A plain IPv6 range never holds IPv4 addresses, mapped or not.
    ipv6_only = config_of(insecure_registries=["::/0"])
    assert is_secure_index(ipv6_only, "mapped", resolver)
    assert not is_secure_index(ipv6_only, "[::2]:1", resolver)


def test_allow_nondistributable_artifacts_by_name_or_range():
    config = config_of(allow_nondistributable_artifacts=["myreg:5000", "192.168.0.0/16"])
    resolver = Resolver({"lan": [V4("192.168.1.9")]})
    assert allow_nondistributable_artifacts(config, "myreg:5000", resolver)
    assert not allow_nondistributable_artifacts(config, "myreg", resolver)  # the port counts
    assert allow_nondistributable_artifacts(config, "lan:443", resolver)
    assert not allow_nondistributable_artifacts(config, "other", resolver)
    assert not allow_nondistributable_artifacts(config, "lan", failing_resolver)


def test_no_resolution_when_there_is_no_range_to_match():
    resolver = Resolver({"lan": [V4("192.168.1.9")]})
    assert not allow_nondistributable_artifacts(new_service_config(), "lan", resolver)
    assert resolver.asked == []


def test_default_lookup_ip():
    assert V4("127.0.0.1") in default_lookup_ip("localhost")  # /etc/hosts
    assert default_lookup_ip("127.0.0.1") == [V4("127.0.0.1")]
    assert default_lookup_ip("bad..name") == []  # IDNA refuses the empty label
    assert default_lookup_ip("bad\x00name") == []


# The real resolver, no network: every name below is numeric, holds a NUL, or is in
# /etc/hosts. Go's net.LookupIP parses none of the numeric forms as an address and sends them
# to DNS, where its lookup fails; the C resolver would read them all as 127.0.0.1.
GLIBC_ONLY_NUMERIC = [
    "127.1", "127.0.1", "127.0.0.01", "127.000.0.1", "0177.0.0.1", "0x7f.1", "0x7f.0.0.1",
    "2130706433", "0x7f000001", "1", "0x1", "4294967295",
]


@pytest.mark.parametrize("host", GLIBC_ONLY_NUMERIC)
def test_default_lookup_ip_does_not_read_numeric_forms_go_does_not_parse(host):
    assert default_lookup_ip(host) == []


@pytest.mark.parametrize("host", ["127.0.0.1\x00evil", "localhost\x00", "\x00", "::1\x00"])
def test_default_lookup_ip_resolves_a_name_with_nul_to_nothing(host):
    # CPython hands the C resolver a string it cuts at the NUL: this was 127.0.0.1.
    assert default_lookup_ip(host) == []


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", V4("127.0.0.1")),
        ("::1", V6("::1")),
        ("fe80::1%lo", V6("fe80::1")),  # the zone is allowed and dropped, as parseIPZone does
        ("::ffff:127.0.0.1", V4("127.0.0.1")),
        ("0:0:0:0:0:0:0:1", V6("::1")),
    ],
)
def test_default_lookup_ip_takes_go_ip_literals_without_asking_the_resolver(
    host, address, monkeypatch
):
    def no_resolver(*args, **kwargs):
        raise AssertionError("getaddrinfo was asked")

    monkeypatch.setattr("registry_core.config.hostmatch.socket.getaddrinfo", no_resolver)
    assert default_lookup_ip(host) == [address]


#: Names Python's IDNA step turns into ``localhost`` (zero-width characters and soft hyphens
#: dropped, full-width letters mapped to ASCII); Go looks them up as they are and finds none.
IDNA_ALIASES_OF_LOCALHOST = [
    "localhost\u200b", "local\u00adhost", "LOCALHOST\ufe0f", "\uff4c\uff4f\uff43\uff41\uff4c"
    "\uff48\uff4f\uff53\uff54",
]


@pytest.mark.parametrize("host", IDNA_ALIASES_OF_LOCALHOST)
def test_default_lookup_ip_resolves_a_non_ascii_name_to_nothing(host):
    assert default_lookup_ip(host) == []


@pytest.mark.parametrize(
    "host", [*GLIBC_ONLY_NUMERIC, "127.0.0.1\x00evil", *IDNA_ALIASES_OF_LOCALHOST]
)
def test_numeric_forms_go_does_not_parse_are_secure_with_the_default_resolver(host):
    # The oracle: with no options, lookup_pull_endpoints("127.1:5000") and the others give
    # one https endpoint with verification on, as the host does not resolve into 127.0.0.0/8.
    config = new_service_config()
    assert is_secure_index(config, host)
    assert is_secure_index(config, f"{host}:5000")
    assert is_secure_index(config, "localhost:5000") is False  # /etc/hosts: 127.0.0.1


# ---- index and repository resolution --------------------------------------------------------


def test_new_index_info_returns_a_copy_of_a_configured_index():
    config = config_of(mirrors=["https://m"])
    index = new_index_info(config, "index.docker.io")
    assert index == IndexInfo(name="docker.io", mirrors=["https://m/"], secure=True, official=True)
    index.mirrors.append("changed")
    assert config.index_configs["docker.io"].mirrors == ["https://m/"]


def test_new_index_info_for_an_unconfigured_host():
    resolver = Resolver({"lan": [V4("127.0.0.2")]})
    assert new_index_info(new_service_config(), "lan:5000", resolver) == IndexInfo(
        name="lan:5000", mirrors=[], secure=False, official=False
    )
    with pytest.raises(InvalidIndexNameError):
        new_index_info(new_service_config(), "lan-")


def test_parse_repository_info():
    resolver = Resolver({"localhost": [V4("127.0.0.1")]})
    official = parse_repository_info(parse_normalized_named("ubuntu:22.04"), resolver)
    assert official.name.name == "docker.io/library/ubuntu"
    assert official.official and official.index.official
    assert get_auth_config_key(official.index) == INDEX_SERVER
    user = parse_repository_info(parse_normalized_named("someone/app"), resolver)
    assert not user.official and user.index.official
    local = parse_repository_info(parse_normalized_named("localhost:5000/app@sha256:" + "a" * 64),
                                  resolver)
    assert local.name.name == "localhost:5000/app"  # tag and digest trimmed
    assert local.index == IndexInfo(name="localhost:5000", mirrors=[], secure=False)
    assert get_auth_config_key(local.index) == "localhost:5000"
    assert not local.official


def test_new_repository_info_uses_the_configuration():
    config = config_of(insecure_registries=["myreg:5000"])
    info = new_repository_info(config, parse_normalized_named("myreg:5000/team/app"), Resolver())
    assert not info.index.secure
    assert info.name.name == "myreg:5000/team/app"


@pytest.mark.parametrize(
    ("term", "split"),
    [
        ("ubuntu", ("docker.io", "ubuntu")),
        ("someone/app", ("docker.io", "someone/app")),
        ("localhost/app", ("localhost", "app")),
        ("myreg:5000/app/x", ("myreg:5000", "app/x")),
        ("reg.example.com/app", ("reg.example.com", "app")),
    ],
)
def test_split_repos_search_term(term, split):
    assert split_repos_search_term(term) == split


def test_parse_search_index_info():
    resolver = Resolver({"localhost": [V4("127.0.0.1")]})
    index = parse_search_index_info("localhost:5000/app", resolver)
    assert index == IndexInfo(name="localhost:5000", mirrors=[], secure=False, official=False)
    assert parse_search_index_info("ubuntu").official
    with pytest.raises(InvalidIndexNameError):
        parse_search_index_info("-x.com/app")


# ---- credentials ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://myreg:5000/v1/", "myreg:5000"),
        ("http://myreg", "myreg"),
        ("myreg/v2", "myreg"),
        ("HTTPS://myreg/v1/", "HTTPS:"),  # only lower-case schemes are stripped
    ],
)
def test_convert_to_hostname(url, host):
    assert convert_to_hostname(url) == host


def test_get_auth_config_key():
    assert get_auth_config_key(IndexInfo(name="docker.io", official=True)) == INDEX_SERVER
    assert get_auth_config_key(IndexInfo(name="myreg:5000")) == "myreg:5000"


def test_resolve_auth_config_exact_key_then_legacy_keys_in_order():
    first = AuthConfig(username="first", password="p1")
    second = AuthConfig(username="second", password="p2")
    exact = AuthConfig(username="exact", password="p3")
    configs = {"https://myreg:5000/v1/": first, "http://myreg:5000": second}
    index = IndexInfo(name="myreg:5000")
    assert resolve_auth_config(configs, index) == first
    assert resolve_auth_config({**configs, "myreg:5000": exact}, index) == exact
    assert resolve_auth_config(configs, IndexInfo(name="other")) == AuthConfig()


def test_resolve_auth_config_official_index_takes_only_its_key():
    hub = AuthConfig(username="hub", password="p")
    official = IndexInfo(name="docker.io", official=True)
    assert resolve_auth_config({INDEX_SERVER: hub}, official) == hub
    # No legacy-key search for the official index, even for a key that names Docker Hub.
    assert resolve_auth_config({"https://docker.io/": hub}, official) == AuthConfig()


def test_resolve_auth_config_returns_a_copy():
    stored = AuthConfig(username="u", password="p")
    found = resolve_auth_config({"myreg": stored}, IndexInfo(name="myreg"))
    found.password = "changed"
    assert stored.password == "p"


# ---- endpoint URLs --------------------------------------------------------------------------


def test_host_endpoint_url_escapes_as_go_does():
    assert host_endpoint_url("https", "myreg:5000") == "https://myreg:5000"
    assert host_endpoint_url("http", "[fe80::1%lo]:5000") == "http://[fe80::1%25lo]:5000"
    assert host_endpoint_url("https", "ex\u00e9.com") == "https://ex%C3%A9.com"
    assert host_endpoint_url("https", "a b") == "https://a%20b"
    assert host_endpoint_url("https", "") == "https:"


def test_mirror_endpoint_url():
    assert mirror_endpoint_url("https://m.example/") == ("https://m.example/", "m.example")
    assert mirror_endpoint_url("http://m?/") == ("http://m?/", "m")
    assert mirror_endpoint_url("https://ex%C3%A9.com/") == ("https://ex%C3%A9.com/", "ex\u00e9.com")
    # A scheme in upper case does not count as one: https:// is put in front, as the reference.
    assert mirror_endpoint_url("HTTPS://m/") == ("https://HTTPS://m/", "HTTPS:")


def test_mirror_endpoint_url_that_does_not_parse_back():
    validate_mirror("https:x")  # passes validation...
    with pytest.raises(InvalidMirrorError) as info:  # ...but not the lookup
        mirror_endpoint_url("https:x/")
    assert str(info.value) == 'parse "https://https:x/": invalid port ":x" after host'
    assert isinstance(info.value, RegistryError)
