"""Authentication handlers: what answers a challenge of one scheme (distribution's
``AuthenticationHandler``), and the basic handler.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import requests

from .errors import AuthenticationError

if TYPE_CHECKING:
    from .interfaces import CredentialStore

__all__ = [
    "NO_BASIC_CREDENTIALS_MESSAGE",
    "AuthenticationHandler",
    "BasicHandler",
    "basic_authorization",
]

#: Go ``ErrNoBasicAuthCredentials``.
NO_BASIC_CREDENTIALS_MESSAGE = "no basic auth credentials"


class AuthenticationHandler(Protocol):
    """Answers the challenges of one scheme (distribution's ``AuthenticationHandler``)."""

    @property
    def scheme(self) -> str:
        """The lower-case scheme handled, such as ``bearer``."""
        ...

    def authorize_request(
        self, request: requests.PreparedRequest, params: Mapping[str, str]
    ) -> None:
        """Add credentials to ``request`` for a challenge with parameters ``params``."""
        ...


class BasicHandler:
    """Basic auth for ``basic`` challenges (distribution's ``basicHandler``).

    :raises AuthenticationError: ``no basic auth credentials`` when the store has no user
        name or no password, as the reference does.
    """

    scheme = "basic"

    def __init__(self, credentials: CredentialStore | None) -> None:
        self.credentials = credentials

    def authorize_request(
        self, request: requests.PreparedRequest, params: Mapping[str, str]
    ) -> None:
        if self.credentials is not None:
            username, password = self.credentials.basic(request.url or "")
            if username and password:
                request.headers["Authorization"] = basic_authorization(username, password)
                return
        raise AuthenticationError(NO_BASIC_CREDENTIALS_MESSAGE)


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` value Go's ``SetBasicAuth`` sends (UTF-8, standard base64)."""
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")
