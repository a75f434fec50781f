"""Go's net/url, net, strconv and time as registry_core.gocompat reproduces them.

Every expected value was printed by Go itself (go1.19: ``strconv.Quote``, ``strconv.Atoi``,
``net.SplitHostPort``, ``net.ParseIP``, ``net.LookupIP`` on literals, ``net.ParseCIDR``,
``url.Parse``, ``URL.String`` and ``time.Time.UnmarshalJSON``), not derived from our code.
The behaviour the reference builds on top of these (mirrors, insecure registries, login
addresses, token lifetimes) is tested through registry_core.config, registry_core.login and
registry_core.authorizer.
"""

from __future__ import annotations

import ipaddress

import pytest

from registry_core.errors import InvalidArgumentError
from registry_core.gocompat import (
    GoURL,
    Userinfo,
    from_bytes,
    go_atoi,
    go_ip_string,
    go_quote,
    parse_cidr,
    parse_ip,
    parse_ip_zone,
    split_host_port,
    time_unmarshal_json,
    to_address,
    to_bytes,
    url_parse,
)

# ---- strings and strconv ---------------------------------------------------------------------


def test_bytes_conversions_never_fail():
    assert to_bytes("é") == b"\xc3\xa9"
    assert from_bytes(b"\xc3\xa9") == "é"
    assert from_bytes(b"a\xffb") == "a\udcffb"  # surrogateescape
    assert to_bytes("a\udcffb") == b"a\xed\xb3\xbfb"  # surrogatepass: not the byte back


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ('a"b\\', '"a\\"b\\\\"'),
        ("\x00\x7f\t\n", '"\\x00\\x7f\\t\\n"'),
        ("é", '"é"'),
        ("a b", '"a b"'),
        ("\u200b", '"\\u200b"'),  # a format character is not printable
        ("\U0001F600", '"\U0001F600"'),
        ("\U000E0001", '"\\U000e0001"'),
        (b"\xff", '"\\xff"'),  # a byte that is not UTF-8
    ],
)
def test_go_quote(value, quoted):
    assert go_quote(value) == quoted


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("80", 80),
        ("+80", 80),
        ("-1", -1),
        ("9223372036854775807", 9223372036854775807),
        ("-9223372036854775808", -9223372036854775808),
    ],
)
def test_go_atoi_accepts(text, value):
    assert go_atoi(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "invalid syntax"),
        ("x", "invalid syntax"),
        ("+", "invalid syntax"),
        ("1_000", "invalid syntax"),
        ("0x10", "invalid syntax"),
        (" 1", "invalid syntax"),
        ("9223372036854775808", "value out of range"),
        ("-9223372036854775809", "value out of range"),
        ("99999999999999999999", "value out of range"),
    ],
)
def test_go_atoi_refuses_with_go_text(text, reason):
    with pytest.raises(InvalidArgumentError) as caught:
        go_atoi(text)
    assert str(caught.value) == f'strconv.Atoi: parsing "{text}": {reason}'


# ---- net ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hostport", "split"),
    [
        ("host:80", ("host", "80")),
        ("[::1]:80", ("::1", "80")),
        ("host:", ("host", "")),
        (":80", ("", "80")),
        ("[fe80::1%lo]:5000", ("fe80::1%lo", "5000")),
        ("::1", None),  # too many colons
        ("a:b:c", None),
        ("host", None),  # missing port
        ("[::1]", None),
        ("[::1]x:80", None),
        ("[a]b]:80", None),
    ],
)
def test_split_host_port(hostport, split):
    assert split_host_port(hostport) == split


@pytest.mark.parametrize(
    ("text", "hex16", "printed"),
    [
        ("1.2.3.4", "00000000000000000000ffff01020304", "1.2.3.4"),
        ("::ffff:1.2.3.4", "00000000000000000000ffff01020304", "1.2.3.4"),
        ("::", "00000000000000000000000000000000", "::"),
        ("1:2:3:4:5:6:7:8", "00010002000300040005000600070008", "1:2:3:4:5:6:7:8"),
        ("1:2:3:4:5:6:7::", "00010002000300040005000600070000", "1:2:3:4:5:6:7:0"),
        ("::1.2.3.4", "00000000000000000000000001020304", "::102:304"),
        ("0:0:1::", "00000000000100000000000000000000", "0:0:1::"),
        ("2001:DB8:0:0:1:0:0:1", "20010db8000000000001000000000001", "2001:db8::1:0:0:1"),
        ("00000::1", "00000000000000000000000000000001", "::1"),  # hex groups may have zeros
    ],
)
def test_parse_ip_and_go_ip_string(text, hex16, printed):
    ip = parse_ip(text)
    assert ip is not None and ip.hex() == hex16
    assert go_ip_string(ip) == printed


@pytest.mark.parametrize(
    "text",
    ["01.2.3.4", "1.2.3", "255.255.255.256", "1::2::3", "1:2:3:4:5:6:7:8:9", "fe80::1%lo", ""],
)
def test_parse_ip_refuses(text):
    assert parse_ip(text) is None


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("fe80::1%lo", ipaddress.IPv6Address("fe80::1")),
        ("fe80::1%", ipaddress.IPv6Address("fe80::1")),
        ("1.2.3.4", ipaddress.IPv4Address("1.2.3.4")),
        ("::ffff:1.2.3.4", ipaddress.IPv4Address("1.2.3.4")),
    ],
)
def test_parse_ip_zone_drops_the_zone(text, address):
    ip = parse_ip_zone(text)
    assert ip is not None and to_address(ip) == address


@pytest.mark.parametrize("text", ["%lo", "host"])
def test_parse_ip_zone_refuses_what_is_not_a_literal(text):
    assert parse_ip_zone(text) is None


@pytest.mark.parametrize(
    ("text", "printed", "mask"),
    [
        ("10.0.0.1/8", "10.0.0.0/8", "ff000000"),
        ("10.0.0.0/08", "10.0.0.0/8", "ff000000"),
        ("1.2.3.4/32", "1.2.3.4/32", "ffffffff"),
        ("::ffff:10.0.0.0/104", "10.0.0.0/8", "ffffffffffffffffffffffffff000000"),
        ("::ffff:1.2.3.4/96", "0.0.0.0/0", "ffffffffffffffffffffffff00000000"),
        ("fd00::1/8", "fd00::/8", "ff000000000000000000000000000000"),
        ("::/0", "::/0", "00000000000000000000000000000000"),
        ("2001:db8:0:1::/64", "2001:db8:0:1::/64", "ffffffffffffffff0000000000000000"),
        ("::ffff:0:0/95", "::fffe:0:0/95", "fffffffffffffffffffffffe00000000"),
    ],
)
def test_parse_cidr(text, printed, mask):
    parsed = parse_cidr(text)
    assert parsed is not None
    assert parsed.string == printed
    assert str(parsed.network) == printed
    assert parsed.key[1].hex() == mask  # Go compares IP and mask as bytes


def test_parse_cidr_key_tells_ipv4_mapped_ranges_from_ipv4_ones():
    plain, mapped = parse_cidr("10.0.0.0/8"), parse_cidr("::ffff:10.0.0.0/104")
    assert plain is not None and mapped is not None
    assert plain.network == mapped.network
    assert plain.key != mapped.key


@pytest.mark.parametrize("text", ["10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "host/8", "::/129"])
def test_parse_cidr_refuses(text):
    assert parse_cidr(text) is None


# ---- net/url --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fields", "printed"),
    [
        ("http://host?", {"host": b"host", "force_query": True, "raw_query": b""},
         "http://host?"),
        ("https:host", {"scheme": b"https", "opaque": b"host", "host": b"", "path": b""},
         "https:host"),
        ("a:b/c", {"scheme": b"a", "opaque": b"b/c"}, "a:b/c"),
        ("http://[fe80::1%25lo]:80/", {"host": b"[fe80::1%lo]:80", "path": b"/"},
         "http://[fe80::1%25lo]:80/"),
        ("http://u:p@h/p#f",
         {"user": Userinfo(b"u", b"p", True), "host": b"h", "path": b"/p", "fragment": b"f"},
         "http://u:p@h/p#f"),
        ("http://u:@h", {"user": Userinfo(b"u", b"", True)}, "http://u:@h"),
        ("http://h/a%2fb", {"path": b"/a/b", "raw_path": b"/a%2fb"}, "http://h/a%2fb"),
        ("http://h/%41", {"path": b"/A", "raw_path": b"/%41"}, "http://h/%41"),
        ("HTTP://H/", {"scheme": b"http", "host": b"H"}, "http://H/"),
        ("//x/y", {"scheme": b"", "host": b"x", "path": b"/y"}, "//x/y"),
        ("///x", {"host": b"", "path": b"///x"}, "///x"),
        ("*", {"path": b"*"}, "*"),
        ("http:///p", {"host": b"", "path": b"/p"}, "http:///p"),
        ("http://%e2%82%ac/", {"host": "€".encode()}, "http://%E2%82%AC/"),
        ("http://h/?a=b#c d", {"raw_query": b"a=b", "fragment": b"c d"},
         "http://h/?a=b#c%20d"),
    ],
)
def test_url_parse(raw, fields, printed):
    url = url_parse(to_bytes(raw))
    for name, value in fields.items():
        assert getattr(url, name) == value, name
    assert url.string_text() == printed
    assert url.string() == to_bytes(printed)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("http://h:x/", 'parse "http://h:x/": invalid port ":x" after host'),
        ("http://[::1]x/", 'parse "http://[::1]x/": invalid port "x" after host'),
        (":foo", 'parse ":foo": missing protocol scheme'),
        ("http://%zz", 'parse "http://%zz": invalid URL escape "%zz"'),
        ("http://a b", 'parse "http://a b": invalid character " " in host name'),
        ("http://h\x7f", 'parse "http://h\\x7f": net/url: invalid control character in URL'),
        ("1http://x", 'parse "1http://x": first path segment in URL cannot contain colon'),
        ("http://[::1", "parse \"http://[::1\": missing ']' in host"),
        ("http://u^@h", 'parse "http://u^@h": net/url: invalid userinfo'),
        # An error in the fragment quotes the whole URL, one before it only the part before #.
        ("http://h/#%zz", 'parse "http://h/#%zz": invalid URL escape "%zz"'),
        ("http://%zz/#f", 'parse "http://%zz/": invalid URL escape "%zz"'),
    ],
)
def test_url_parse_refuses_with_go_text(raw, message):
    with pytest.raises(InvalidArgumentError) as caught:
        url_parse(to_bytes(raw))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("url", "printed"),
    [
        (GoURL(scheme=b"https", host=b"[fe80::1%lo]"), "https://[fe80::1%25lo]"),
        (GoURL(scheme=b"https", user=Userinfo(b"a@b", b"p:/?", True), host=b"h"),
         "https://a%40b:p%3A%2F%3F@h"),
        (GoURL(scheme=b"https", user=Userinfo(b"me"), host=b"h", path=b"/a b?"),
         "https://me@h/a%20b%3F"),
    ],
)
def test_go_url_string_escapes_as_go_does(url, printed):
    assert url.string_text() == printed


# ---- time --------------------------------------------------------------------------------------
#
# distribution's token servers send nine-digit fractions and "Z"; datetime.fromisoformat
# refuses both before Python 3.11, so these call the parser itself, on every Python.


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"2024-01-01T12:00:00Z"', 1_704_110_400.0),
        ('"2024-01-01T12:00:00.123456789Z"', 1_704_110_400.123456789),
        ('"2024-01-01T12:00:00.1234567891999Z"', 1_704_110_400.123456789),  # truncated
        ('"2024-01-01T12:00:00,5Z"', 1_704_110_400.5),
        ('"2024-01-01T17:30:00+05:30"', 1_704_110_400.0),
        ('"2024-01-01T06:00:00.25-06:00"', 1_704_110_400.25),
        ('"2024-01-01T9:00:00Z"', 1_704_099_600.0),  # Go reads "15" as one or two digits
        ('"2024-02-29T00:00:00Z"', 1_709_164_800.0),
        ('"0001-01-01T00:00:00Z"', None),  # Go's zero time: "now"
        ('"0001-01-01T01:00:00+01:00"', None),  # the same instant
        ("null", None),
    ],
)
def test_go_time_parser_accepts(raw: str, expected: float | None) -> None:
    moment = time_unmarshal_json(raw.encode())
    if expected is None:
        assert moment is None
    else:
        assert moment == pytest.approx(expected, abs=1e-6)


_LAYOUT = '"\\"2006-01-02T15:04:05Z07:00\\""'


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ('"2024-01-01 12:00:00Z"',
         f'parsing time "\\"2024-01-01 12:00:00Z\\"" as {_LAYOUT}: cannot parse " 12:00:00Z\\"" '
         'as "T"'),
        ('"2024-01-01t12:00:00z"',
         f'parsing time "\\"2024-01-01t12:00:00z\\"" as {_LAYOUT}: cannot parse "t12:00:00z\\"" '
         'as "T"'),
        ('"2024-01-01T12:00:00+0530"',
         f'parsing time "\\"2024-01-01T12:00:00+0530\\"" as {_LAYOUT}: cannot parse "+0530\\"" '
         'as "Z07:00"'),
        ('"2024-01-01T12:00:00"',
         f'parsing time "\\"2024-01-01T12:00:00\\"" as {_LAYOUT}: cannot parse "\\"" as '
         '"Z07:00"'),
        ('"2024-01-01T24:00:00Z"', 'parsing time "\\"2024-01-01T24:00:00Z\\"": hour out of range'),
        ('"2024-13-01T00:00:00Z"', 'parsing time "\\"2024-13-01T00:00:00Z\\"": month out of range'),
        ('"2023-02-29T00:00:00Z"', 'parsing time "\\"2023-02-29T00:00:00Z\\"": day out of range'),
        ('"2024-01-01T00:00:60Z"',
         'parsing time "\\"2024-01-01T00:00:60Z\\"": second out of range'),
        ('"2024-01-01T00:00:00Zé"',
         f'parsing time "\\"2024-01-01T00:00:00Z\\xc3\\xa9\\"" as {_LAYOUT}: cannot parse '
         '"\\xc3\\xa9\\"" as "\\""'),
        ("true", f'parsing time "true" as {_LAYOUT}: cannot parse "true" as "\\""'),
    ],
)
def test_go_time_parser_refuses_as_go(raw: str, error: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        time_unmarshal_json(raw.encode())
    assert str(info.value) == error
