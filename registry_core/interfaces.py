"""The interfaces plugins implement: :class:`CredentialStore` and :class:`RequestModifier`.

They mirror distribution's ``auth.CredentialStore`` and ``transport.RequestModifier``, so a
reader of the Go code finds the same seams here.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

__all__ = ["CredentialStore", "RequestModifier"]


class CredentialStore(abc.ABC):
    """Where the authorizer gets credentials for a URL, and keeps refresh tokens.

    ``url`` is the URL of the request being authorized (distribution passes the realm's URL
    for token requests and the registry's for basic auth).
    """

    @abc.abstractmethod
    def basic(self, url: str) -> tuple[str, str]:
        """The user name and password for ``url``; empty strings when there are none."""

    @abc.abstractmethod
    def refresh_token(self, url: str, service: str) -> str:
        """The refresh (identity) token held for ``service`` at ``url``; ``""`` when none."""

    @abc.abstractmethod
    def set_refresh_token(self, url: str, service: str, token: str) -> None:
        """Keep a refresh token that a token server issued."""


class RequestModifier(abc.ABC):
    """Changes a request before it is sent: headers, auth, anything else.

    Modifiers run in order, each on the request the previous one left; raising stops the
    request with that error.
    """

    @abc.abstractmethod
    def modify_request(self, request: requests.PreparedRequest) -> None:
        """Change ``request`` in place."""
