"""Listing tags and the catalog: pages of names, following ``Link: rel="next"``.

distribution answers ``?n=`` and ``?last=`` with at most ``n`` names and a relative ``Link``
to the next page, which :func:`registry_core.paging.follow_pages` follows (on the same origin
only) for at most :data:`MAX_PAGES` pages.
"""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from ..errors import InvalidArgumentError
from ..paging import follow_pages
from .errors import response_error, unexpected

__all__ = ["MAX_PAGES", "list_pages"]

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
    first = f"{url}?{urlencode(query)}" if query else url
    items: list[str] = []
    for response in follow_pages(session, first, timeout=timeout, max_pages=MAX_PAGES):
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
    return items

