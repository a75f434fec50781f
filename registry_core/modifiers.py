"""Request modifiers: distribution's ``transport.RequestModifier`` helpers and the reference's
``Headers(userAgent, metaHeaders)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from .interfaces import RequestModifier

if TYPE_CHECKING:
    import requests

__all__ = [
    "HeaderRequestModifier",
    "HostModifiers",
    "default_user_agent",
    "headers",
]

class HeaderRequestModifier(RequestModifier):
    """Adds headers to every request (distribution's ``NewHeaderRequestModifier``).

    Values are added to any the request already has, as Go appends to ``req.Header[k]``;
    requests keeps one string per header, so several values are joined with ``", "``, which
    HTTP defines as equivalent to repeated header lines.
    """

    def __init__(self, headers: Mapping[str, str | Sequence[str]]) -> None:
        self.headers: dict[str, list[str]] = {
            name: [value] if isinstance(value, str) else list(value)
            for name, value in headers.items()
        }

    def modify_request(self, request: requests.PreparedRequest) -> None:
        for name, values in self.headers.items():
            if not values:
                continue
            existing = request.headers.get(name)
            joined = ", ".join(values)
            request.headers[name] = joined if not existing else f"{existing}, {joined}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.headers!r})"


def headers(
    user_agent: str, meta_headers: Mapping[str, str | Sequence[str]] | None
) -> list[RequestModifier]:
    """The modifiers that set ``User-Agent`` and the meta headers (Go ``Headers``).

    ``User-Agent`` only when ``user_agent`` is not empty; the meta headers whenever
    ``meta_headers`` is not ``None``, even when empty, as in the reference.
    """
    modifiers: list[RequestModifier] = []
    if user_agent:
        modifiers.append(HeaderRequestModifier({"User-Agent": [user_agent]}))
    if meta_headers is not None:
        modifiers.append(HeaderRequestModifier(meta_headers))
    return modifiers


#: Gives the request modifiers for one ``host[:port]`` (the ``registry_request_modifiers``
#: hook, through :meth:`Hooks.request_modifiers <registry_core.manager.Hooks.request_modifiers>`).
HostModifiers = Callable[[str], Sequence[RequestModifier]]


def default_user_agent() -> str:
    """``registry-core/<version>``: the ``User-Agent`` of every request the library builds
    when the caller names none (urllib3 would otherwise send ``python-urllib3/<version>``)."""
    from . import __version__  # here, not at import time: the package imports this module

    return f"registry-core/{__version__}"
