"""The small URL helpers the pipeline, the proxy rules, the redirect policy, the realm policy
and the challenge manager share: one default-port map, one way to split a URL's authority."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .gocompat import split_host_port

__all__ = [
    "DEFAULT_PORTS",
    "default_port",
    "host_port",
    "idna_host",
    "netloc_host_port",
    "split_host",
    "without_userinfo",
]

#: The port a scheme implies when a URL names none (Go's ``portMap``; ``socks5h`` is
#: urllib3's name for Go's ``socks5``).
DEFAULT_PORTS = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080}


def default_port(scheme: str) -> str:
    """The default port of ``scheme`` as text, ``""`` for a scheme without one."""
    port = DEFAULT_PORTS.get(scheme.lower())
    return "" if port is None else str(port)


def host_port(netloc: str) -> str:
    """``host[:port]`` of a URL's authority as written: without user info."""
    return netloc.rpartition("@")[2]


def split_host(netloc: str) -> tuple[str, str]:
    """The host (brackets of an IPv6 literal removed, case kept) and the port (``""`` when
    absent) of a URL's authority, user info dropped. An authority Go's ``SplitHostPort``
    refuses is all host."""
    hostport = host_port(netloc)
    split = split_host_port(hostport)
    if split is not None:
        return split
    if hostport.startswith("[") and hostport.endswith("]"):
        return hostport[1:-1], ""
    return hostport, ""


def netloc_host_port(netloc: str, scheme: str) -> tuple[str, str]:
    """As :func:`split_host`, with the scheme's default port when the authority has none."""
    host, port = split_host(netloc)
    return host, port or default_port(scheme)


def idna_host(host: str) -> str:
    """``host`` in the IDNA (ASCII) form requests sends; as it is when it cannot be encoded."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def without_userinfo(url: str) -> str:
    """``url`` without user info or fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, host_port(parts.netloc), parts.path, parts.query, ""))
