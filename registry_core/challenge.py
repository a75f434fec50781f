"""``WWW-Authenticate`` challenges, parsed exactly as distribution parses them.

This is distribution's ``registry/client/auth/challenge`` package: the parser is a line-by-line
port of ``parseValueAndParams`` (RFC 2616 tokens and quoted strings, with the reference's
quirks kept: a parameter list stops at the first thing it cannot read, an empty value ends it,
``key = value`` with a space before ``=`` ends it, a later duplicate key wins), and
:class:`ChallengeManager` is ``simpleManager``: challenges are remembered per normalized
endpoint URL (scheme, lower-cased ``host:port`` with the default port filled in, path).

Registries and token servers decide where credentials go through these challenges, so the
parser must agree with the reference byte for byte; the ping conformance vectors hold it to
that.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import PingResponseError
from .urls import default_port, host_port, idna_host

if TYPE_CHECKING:
    import requests

__all__ = [
    "Challenge",
    "ChallengeManager",
    "header_values",
    "normalize_url",
    "parse_auth_headers",
    "parse_value_and_params",
    "response_challenges",
]

#: RFC 2616 separators; a token is any CHAR that is neither a control nor one of these.
_SEPARATORS = frozenset(' \t"(),/:;<=>?@[]\\{}')
#: What ``skipSpace`` skips.
_SPACES = frozenset(" \t\r\n")
#: What Go's net/textproto trims from both ends of a header value.
_HEADER_TRIM = " \t"


@dataclass
class Challenge:
    """One challenge of a ``WWW-Authenticate`` header (Go ``challenge.Challenge``).

    ``scheme`` and the parameter names are lower-case; parameter values are as sent.
    """

    scheme: str
    parameters: dict[str, str] = field(default_factory=dict)


def _is_token_char(char: str) -> bool:
    code = ord(char)
    return 32 < code < 127 and char not in _SEPARATORS


def _skip_space(s: str) -> str:
    i = 0
    while i < len(s) and s[i] in _SPACES:
        i += 1
    return s[i:]


def _expect_token(s: str) -> tuple[str, str]:
    i = 0
    while i < len(s) and _is_token_char(s[i]):
        i += 1
    return s[:i], s[i:]


def _expect_token_or_quoted(s: str) -> tuple[str, str]:
    """A token, or a quoted string with backslash escapes; ``("", "")`` if unterminated."""
    if not s.startswith('"'):
        return _expect_token(s)
    s = s[1:]
    for i, char in enumerate(s):
        if char == '"':
            return s[:i], s[i + 1 :]
        if char == "\\":
            value = [s[:i]]
            escape = True
            for j in range(i + 1, len(s)):
                char = s[j]
                if escape:
                    escape = False
                    value.append(char)
                elif char == "\\":
                    escape = True
                elif char == '"':
                    return "".join(value), s[j + 1 :]
                else:
                    value.append(char)
            return "", ""
    return "", ""


def parse_value_and_params(header: str) -> tuple[str, dict[str, str]]:
    """Parse one ``WWW-Authenticate`` value into its lower-cased scheme and parameters.

    An empty scheme means the value holds no challenge. Parsing stops silently at the first
    malformed parameter, keeping the ones read so far, as distribution does.
    """
    params: dict[str, str] = {}
    value, s = _expect_token(header)
    if not value:
        return "", params
    value = value.lower()
    s = "," + _skip_space(s)
    while s.startswith(","):
        key, s = _expect_token(_skip_space(s[1:]))
        if not key:
            break
        if not s.startswith("="):
            break
        param, s = _expect_token_or_quoted(s[1:])
        if not param:
            break
        params[key.lower()] = param
        s = _skip_space(s)
    return value, params


def _as_received(value: str) -> str:
    """The header value as the server's bytes meant it.

    http.client decodes header bytes as ISO-8859-1; Go keeps the raw bytes, which are
    UTF-8 in practice. Re-decoding gives back what Go would hold; a value that is not
    UTF-8 is left as it is.
    """
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def parse_auth_headers(values: Iterable[str]) -> list[Challenge]:
    """The challenges of several ``WWW-Authenticate`` values, in order (Go ``parseAuthHeader``).

    Each value is trimmed as Go's header reader trims it; values without a scheme are skipped.
    """
    challenges = []
    for raw in values:
        scheme, params = parse_value_and_params(_as_received(raw).strip(_HEADER_TRIM))
        if scheme:
            challenges.append(Challenge(scheme=scheme, parameters=params))
    return challenges


def header_values(response: requests.Response, name: str) -> list[str]:
    """Every value of header ``name`` as received, one per header line.

    ``response.headers`` joins repeated headers with ``", "``, which would merge separate
    challenges into one; urllib3's header dict still has them apart.
    """
    raw_headers = getattr(getattr(response, "raw", None), "headers", None)
    getlist = getattr(raw_headers, "getlist", None)
    if callable(getlist):
        return [str(value) for value in getlist(name)]
    value = response.headers.get(name)
    return [] if value is None else [value]


def response_challenges(response: requests.Response) -> list[Challenge]:
    """The challenges of ``response``: only a 401 carries any (Go ``ResponseChallenges``)."""
    if response.status_code != 401:
        return []
    return parse_auth_headers(header_values(response, "WWW-Authenticate"))


def _has_port(host: str) -> bool:
    return host.rfind(":") > host.rfind("]")


def _ascii_host(host: str) -> str:
    """An internationalized host in the IDNA form requests sends, so both forms share a key."""
    if host.isascii():
        return host
    name, colon, port = host.rpartition(":") if _has_port(host) else (host, "", "")
    return f"{idna_host(name)}{colon}{port}"


def normalize_url(url: str) -> str:
    """The key challenges are kept under: ``scheme://host:port/path``.

    As distribution's ``normalizeURL``: the host is lower-cased and gets the scheme's default
    port when it has none; user info, query and fragment are not part of the key.
    """
    parts = urlsplit(url)
    host = _ascii_host(host_port(parts.netloc).lower())
    if not _has_port(host):
        host = f"{host}:{default_port(parts.scheme)}"
    return f"{parts.scheme}://{host}{parts.path}"


class ChallengeManager:
    """Challenges per endpoint, from the responses added (Go ``challenge.simpleManager``).

    Safe to share between threads. Adding a response replaces what was known for its URL,
    so a response that was not a 401 clears that endpoint's challenges.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._challenges: dict[str, list[Challenge]] = {}

    def get_challenges(self, url: str) -> list[Challenge]:
        """The challenges recorded for ``url`` (normalized first); empty when none."""
        key = normalize_url(url)
        with self._lock:
            return list(self._challenges.get(key, ()))

    def add_response(self, response: requests.Response) -> None:
        """Record the challenges of ``response`` under the URL of the request that got it.

        :raises PingResponseError: the response does not say which request it answers.
        """
        request = response.request
        if request is None or not request.url:
            raise PingResponseError("missing request reference")
        self.set_challenges(request.url, response_challenges(response))

    def set_challenges(self, url: str, challenges: Iterable[Challenge]) -> None:
        """Record ``challenges`` for ``url``, replacing what was known."""
        key = normalize_url(url)
        with self._lock:
            self._challenges[key] = list(challenges)
