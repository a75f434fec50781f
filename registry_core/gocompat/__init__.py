"""What Go's standard library does, where Python's differs: one module per Go package.

The reference decides what it accepts, and words its errors, through Go's standard library:
``url.Parse`` for mirrors and login addresses, ``net.ParseCIDR``, ``net.ParseIP`` and
``net.SplitHostPort`` for insecure registries, ``strconv.Atoi`` for ports, ``%q``
(``strconv.Quote``) in most messages, and ``time.Time.UnmarshalJSON`` for the ``issued_at`` of
a token response; ``strings.ToLower``, ``http.StatusText`` and the ``%s`` of an ``http.Header``
where the reference's messages show them. :mod:`urllib.parse`, :mod:`ipaddress` and
:mod:`datetime` disagree with those in many corners, and the texts of the errors differ
throughout. This package reproduces exactly the parts the reference uses, so that the same
input is accepted or refused with the same message; it is not a general port of those
packages. Go's ``encoding/json`` is in :mod:`registry_core.gojson`.

Each module ports one Go package:

* :mod:`registry_core.gocompat.strconv`: Go strings as bytes (:func:`to_bytes`,
  :func:`from_bytes`), ``strconv.Quote`` and ``strconv.Atoi``;
* :mod:`registry_core.gocompat.strings`: ``strings.ToLower``;
* :mod:`registry_core.gocompat.net`: ``net.SplitHostPort``, ``net.ParseIP``,
  ``net.ParseCIDR``, ``IP.String``;
* :mod:`registry_core.gocompat.neturl`: ``net/url``'s ``url.Parse`` and ``URL.String``;
* :mod:`registry_core.gocompat.time_rfc3339`: ``time.Time.UnmarshalJSON`` and ``time``'s
  quoting;
* :mod:`registry_core.gocompat.nethttp`: ``net/http``'s ``StatusText`` and header printing.

Every name is importable from here, as it was when this was one module. Functions that Go
makes return an error raise :class:`~registry_core.errors.InvalidArgumentError` with Go's
text; the callers in :mod:`registry_core.config`, :mod:`registry_core.login` and
:mod:`registry_core.authorizer` wrap it in their own error types. Functions where the
reference only checks whether Go returned an error return ``None`` instead.
"""

from __future__ import annotations

from .net import (
    ParsedCIDR,
    go_ip_string,
    parse_cidr,
    parse_ip,
    parse_ip_zone,
    split_host_port,
    to_address,
)
from .nethttp import go_header_map, go_status_text
from .neturl import GoURL, Userinfo, url_parse
from .strconv import from_bytes, go_atoi, go_quote, to_bytes
from .strings import go_to_lower
from .time_rfc3339 import time_quote, time_unmarshal_json

__all__ = [
    "GoURL",
    "ParsedCIDR",
    "Userinfo",
    "from_bytes",
    "go_atoi",
    "go_header_map",
    "go_ip_string",
    "go_quote",
    "go_status_text",
    "go_to_lower",
    "parse_cidr",
    "parse_ip",
    "parse_ip_zone",
    "split_host_port",
    "time_quote",
    "time_unmarshal_json",
    "to_address",
    "to_bytes",
    "url_parse",
]
