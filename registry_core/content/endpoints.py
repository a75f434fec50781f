"""Which endpoint to read from: moby's ``continueOnError``, and binding a session to one
endpoint.

:func:`registry_core.client.open_session` binds to the first endpoint of a service that
answers a ping; :class:`OneEndpoint` presents the service with a single endpoint, so the
repository decides the order and when to move on, and every session still comes from the
one public place that builds authorized sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgumentError
from ..types import APIEndpoint
from .errors import RegistryResponseError

if TYPE_CHECKING:
    from ..manager import Hooks
    from ..reference import Named
    from ..service import DefaultService

__all__ = ["FALLBACK_CODES", "OneEndpoint", "continue_on_error"]

#: Codes that move a pull on to the next endpoint (moby's ``shouldV2Fallback``).
FALLBACK_CODES = frozenset({"UNAUTHORIZED", "MANIFEST_UNKNOWN", "NAME_UNKNOWN"})


def continue_on_error(error: BaseException, mirror: bool) -> bool:
    """Whether a pull moves on to the next endpoint after ``error`` (moby ``continueOnError``).

    A registry error with a code moves on from a mirror whatever the code, from the registry
    itself only for ``UNAUTHORIZED``, ``MANIFEST_UNKNOWN`` and ``NAME_UNKNOWN``. Bad input of
    the caller never moves on (every endpoint would refuse it). Anything else (transport
    errors, unexpected answers, content that fails verification) moves on, as in moby.
    """
    if isinstance(error, InvalidArgumentError):
        return False
    if isinstance(error, RegistryResponseError) and error.code:
        return mirror or error.code in FALLBACK_CODES
    return True


class OneEndpoint:
    """A :class:`~registry_core.client.SessionService` offering exactly one endpoint, so
    :func:`open_session` binds to the endpoint this module chose."""

    def __init__(self, service: DefaultService, endpoint: APIEndpoint) -> None:
        self._service = service
        self._endpoint = endpoint

    @property
    def hooks(self) -> Hooks:
        return self._service.hooks

    def lookup_pull_endpoints(
        self, hostname: str, reference: Named | str | None = None
    ) -> list[APIEndpoint]:
        return [self._endpoint]

    def lookup_push_endpoints(
        self, hostname: str, reference: Named | str | None = None
    ) -> list[APIEndpoint]:
        return [self._endpoint]

    def __getattr__(self, name: str) -> Any:
        # Whatever else open_session may come to need of a service is the service's.
        return getattr(self._service, name)
