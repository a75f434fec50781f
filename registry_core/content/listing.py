"""Listing tags and the catalog: pages of names, following ``Link: rel="next"``.

distribution answers ``?n=`` and ``?last=`` with at most ``n`` names and a relative ``Link``
to the next page. Pages are followed only on the same origin (a registry must not send the
client, and its credentials, elsewhere) and at most :data:`MAX_PAGES` of them.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from ..errors import InvalidArgumentError
from ..transport import redact_url
from .errors import response_error, unexpected

__all__ = ["MAX_PAGES", "list_pages"]

log = logging.getLogger(__name__)

#: The most pages followed for one listing.
MAX_PAGES = 10000


def list_pages(
    session: requests.Session, url: str, key: str, n: int | None, last: str | None,
    what: str, timeout: float,
) -> list[str]:
    """Every name under ``key`` of every page from ``url`` on (``n`` per page, after
    ``last``).

    :raises InvalidArgumentError: ``n`` is not a positive number.
    :raises RegistryResponseError: the registry refused a page.
    """
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n <= 0):
        raise InvalidArgumentError(f"n must be a positive number, not {n!r}")
    query = {k: v for k, v in (("n", n), ("last", last)) if v is not None}
    next_url: str | None = f"{url}?{urlencode(query)}" if query else url
    items: list[str] = []
    seen: set[str] = set()
    while next_url is not None and next_url not in seen and len(seen) < MAX_PAGES:
        seen.add(next_url)
        response = session.get(next_url, timeout=timeout)
        if response.status_code != 200:
            raise response_error(response, what, not_found="NAME_UNKNOWN")
        try:
            data = response.json()
        except ValueError:
            raise unexpected(response, what, "the answer is not JSON") from None
        page = data.get(key) if isinstance(data, dict) else None
        if page is not None and (
            not isinstance(page, list) or not all(isinstance(i, str) for i in page)
        ):
            raise unexpected(response, what, f"{key} is not a list of strings")
        items.extend(page or [])
        next_url = _next_link(response, next_url)
    return items


def _next_link(response: requests.Response, url: str) -> str | None:
    """The ``rel="next"`` page, resolved against ``url``; only on the same origin."""
    link = response.links.get("next", {}).get("url")
    if not link:
        return None
    target = urljoin(url, link)
    here, there = urlsplit(url), urlsplit(target)
    if (here.scheme, here.netloc) != (there.scheme, there.netloc):
        log.warning("not following a page link to another origin: %s", redact_url(target))
        return None
    return target
