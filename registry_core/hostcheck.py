"""Checks at the service's public edge: argument types, and host names that must never reach
the system resolver.

The reference matches a host against the insecure and nondistributable CIDR ranges by asking
Go's ``net.LookupIP``, whose resolver sends nothing to DNS for a string that is not a domain
name (``isDomainName``: letters, digits, ``-``, ``_`` and dots, not all digits): it answers
"no such host" at once. Python's ``getaddrinfo`` asks the system about any text, so a server
address pasted with its password (``bob:s3cr3t@h:5000``) would carry the password to the
resolver, and over the network to the DNS server. Here:

* :func:`check_hostname` refuses a host name holding user info (``@``) with a typed error
  that masks it: no registry host holds one, and an endpoint built from it would carry the
  password into every URL, log and error. Beyond the reference, which answers with an
  endpoint ``https://bob:s3cr3t%40h:5000`` (and asks DNS about the whole string).
* :func:`guarded_lookup` wraps a ``lookup_ip`` so that it is asked only about domain names,
  as Go's resolver is; anything else (``[::1``, ``a b``, ``https://h/``) does not resolve,
  which is the answer the reference gets, so its endpoint answers are kept.
* :func:`check_type` gives a wrong argument type an :class:`InvalidArgumentError` that names
  the method and the argument, instead of an ``AttributeError`` from deep inside.
"""

from __future__ import annotations

from typing import Any

from .config import IPAddress, LookupIP
from .errors import InvalidArgumentError, InvalidHostnameError
from .redact import MASK

__all__ = ["check_hostname", "check_type", "guarded_lookup", "is_domain_name"]


def is_domain_name(name: str) -> bool:
    """Go's ``net.isDomainName``: whether its resolver would ask DNS about ``name``."""
    if name == ".":
        return True
    size = len(name)
    if size == 0 or size > 254 or (size == 254 and name[-1] != "."):
        return False
    last = "."
    non_numeric = False
    part = 0
    for c in name:
        if ("a" <= c <= "z") or ("A" <= c <= "Z") or c == "_":
            non_numeric = True
            part += 1
        elif "0" <= c <= "9":
            part += 1
        elif c == "-":
            if last == ".":
                return False
            part += 1
            non_numeric = True
        elif c == ".":
            if last in ".-" or part > 63 or part == 0:
                return False
            part = 0
        else:
            return False
        last = c
    return last != "-" and part <= 63 and non_numeric


def guarded_lookup(lookup_ip: LookupIP) -> LookupIP:
    """``lookup_ip`` asked only about domain names; any other text resolves to nothing.

    IP literals never get here: the matching code answers them itself.
    """

    def lookup(host: str) -> list[IPAddress]:
        if not isinstance(host, str) or not is_domain_name(host):
            return []
        return list(lookup_ip(host))

    return lookup


def _shown_without_userinfo(hostname: str) -> str:
    """``hostname`` with everything up to its last ``@`` masked (a lone token before the
    ``@`` may be the secret, so the user name is not kept either)."""
    return f"{MASK}@{hostname.rpartition('@')[2]}"


def check_type(value: Any, expected: type | tuple[type, ...], argument: str, method: str) -> None:
    """Refuse ``value`` unless it is an instance of ``expected``.

    :raises InvalidArgumentError: naming the method, the argument and the type given.
    """
    if isinstance(value, expected):
        return
    kinds = expected if isinstance(expected, tuple) else (expected,)
    names = " or ".join("None" if kind is type(None) else kind.__name__ for kind in kinds)
    raise InvalidArgumentError(
        f"{method}: {argument} must be {names}, not {type(value).__name__}"
    )


def check_hostname(hostname: Any, method: str, argument: str = "hostname") -> str:
    """A registry ``host[:port]`` from the caller: a string without user info.

    :raises InvalidArgumentError: not a string.
    :raises InvalidHostnameError: it holds ``@``; the message masks everything before it.
    """
    check_type(hostname, str, argument, method)
    if "@" in hostname:
        raise InvalidHostnameError(
            f"invalid registry host name {_shown_without_userinfo(hostname)!r}: a host name "
            "holds no user name or password (give credentials to the login instead)"
        )
    return str(hostname)

