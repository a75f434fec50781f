"""Small URL helpers shared by the proxy rules, the redirect policy and the pipeline."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .gocompat import split_host_port

_DEFAULT_PORTS = {"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}


def _netloc_host_port(netloc: str, scheme: str) -> tuple[str, str]:
    """The host (brackets removed, case kept) and port (the scheme's default if absent)."""
    hostport = netloc.rpartition("@")[2]
    split = split_host_port(hostport)
    if split is None:
        host = hostport[1:-1] if hostport.startswith("[") and hostport.endswith("]") else hostport
        port = ""
    else:
        host, port = split
    return host, port or _DEFAULT_PORTS.get(scheme, "")


def _idna(host: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _without_userinfo(url: str) -> str:
    """``url`` without user info or fragment."""
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, "")
    )


def _host_key(url: str) -> str:
    """``host[:port]`` of ``url`` as written, without user info: what the per-host
    modifiers are asked for."""
    return urlsplit(url).netloc.rpartition("@")[2]
