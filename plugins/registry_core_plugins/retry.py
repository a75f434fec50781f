"""Retrying requests the registry asked to be retried later (429 and 503).

A ``registry_send_request`` wrapper: when a safe request gets ``429 Too Many Requests`` or
``503 Service Unavailable``, it waits as the ``Retry-After`` header says (seconds or an HTTP
date, at most :data:`MAX_DELAY`) and sends the request again, at most :data:`MAX_ATTEMPTS`
times in all. The reference does not retry at all; Docker Hub's pull rate limit and
registries behind load balancers answer exactly this way.

Only ``GET``, ``HEAD`` and ``OPTIONS`` are retried. ``PUT`` and ``DELETE`` are idempotent in
HTTP's terms, but registry uploads send their bodies as streams that cannot be sent twice, and a
retried ``DELETE`` that had in fact succeeded answers 404: the caller decides for those. Other
5xx answers are not retried: they say something is broken, not busy. Whatever the methods, a
request is sent again only when its body can be (no body, bytes, or a seekable file, which is
rewound: :func:`registry_core.transport.resendable_body`); a generator is never resent.

The module itself is the plugin registered by default (``registry_core_plugins.retry``); for
other settings, block it by that name and register a :class:`RetryPlugin` of your own::

    pm = get_plugin_manager(block=["registry_core_plugins.retry"])
    pm.register(RetryPlugin(max_attempts=5, max_delay=60.0))
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING

from registry_core.hookspecs import SendFunction, hookimpl
from registry_core.redact import redact_url

if TYPE_CHECKING:
    import requests

__all__ = [
    "DEFAULT_DELAY",
    "LONGEST_RETRY_AFTER",
    "MAX_ATTEMPTS",
    "MAX_DELAY",
    "RETRY_METHODS",
    "RETRY_STATUSES",
    "RetryPlugin",
    "registry_send_request",
    "retry_after",
]

log = logging.getLogger(__name__)

#: Attempts in all, the first included.
MAX_ATTEMPTS = 3
#: The longest wait between attempts, in seconds, whatever ``Retry-After`` asks.
MAX_DELAY = 30.0
#: The wait when the answer has no usable ``Retry-After``.
DEFAULT_DELAY = 1.0
#: The most seconds :func:`retry_after` returns (about 31 years): a longer ``Retry-After``,
#: hundreds of digits long included, counts as this.
LONGEST_RETRY_AFTER = 10**9
#: Methods safe to send again.
RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Answers that mean "try again later".
RETRY_STATUSES = frozenset({429, 503})


def retry_after(value: str | None, now: float, default: float = DEFAULT_DELAY) -> float:
    """Seconds to wait for a ``Retry-After`` value: delay-seconds or an HTTP date.

    A missing or unreadable value gives ``default``; a date in the past gives 0. A delay of
    more than :data:`LONGEST_RETRY_AFTER` seconds (however many digits it has) counts as
    that many; callers cap it further (:data:`MAX_DELAY`).
    """
    if value is None:
        return default
    value = value.strip()
    if value.isascii() and value.isdigit():
        digits = value.lstrip("0")
        if len(digits) > len(str(LONGEST_RETRY_AFTER)):
            return float(LONGEST_RETRY_AFTER)
        return float(min(int(digits or "0"), LONGEST_RETRY_AFTER))
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return default
    if moment.tzinfo is None:  # an HTTP date is GMT even when it does not say so
        return default
    return min(float(LONGEST_RETRY_AFTER), max(0.0, moment.timestamp() - now))


class RetryPlugin:
    """The retry policy as a plugin object, with its knobs.

    :param sleep: waits a number of seconds; :func:`time.sleep` (looked up when used) by
        default. Tests pass a recorder.
    :param clock: seconds since the epoch, for ``Retry-After`` dates; :func:`time.time` by
        default.
    :param max_attempts: attempts in all, the first included.
    :param max_delay: the longest single wait.
    :param methods: methods that may be sent again.
    :param statuses: statuses that are retried.
    """

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        max_delay: float = MAX_DELAY,
        methods: Iterable[str] = RETRY_METHODS,
        statuses: Iterable[int] = RETRY_STATUSES,
    ) -> None:
        self.sleep = sleep
        self.clock = clock
        self.max_attempts = max(1, max_attempts)
        self.max_delay = max_delay
        self.methods = frozenset(method.upper() for method in methods)
        self.statuses = frozenset(statuses)

    def should_retry(self, request: requests.PreparedRequest, response: requests.Response) -> bool:
        # Imported when a request is sent: registering the plugin must not load requests.
        from registry_core.transport import resendable_body

        return (
            response.status_code in self.statuses
            and (request.method or "GET").upper() in self.methods
            and resendable_body(request)  # last: it rewinds a file body for the resend
        )

    @hookimpl(wrapper=True)
    def registry_send_request(
        self, request: requests.PreparedRequest, send: SendFunction
    ) -> Generator[None, requests.Response, requests.Response]:
        response = yield
        attempt = 1
        while attempt < self.max_attempts and self.should_retry(request, response):
            now = self.clock() if self.clock is not None else time.time()
            delay = min(self.max_delay, retry_after(response.headers.get("Retry-After"), now))
            log.info(
                "%s %s answered %d; retrying in %.1fs (attempt %d of %d)",
                request.method, redact_url(request.url or ""), response.status_code, delay,
                attempt + 1,
                self.max_attempts,
            )
            response.close()
            if self.sleep is not None:
                self.sleep(delay)
            else:
                time.sleep(delay)
            response = send(request)
            attempt += 1
        return response


@hookimpl(wrapper=True)
def registry_send_request(
    request: requests.PreparedRequest, send: SendFunction
) -> Generator[None, requests.Response, requests.Response]:
    """The default policy: :class:`RetryPlugin` with its defaults."""
    return (yield from RetryPlugin().registry_send_request(request, send))
