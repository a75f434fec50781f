"""Following a registry's ``Link: rel="next"`` pages (tags lists and the catalog).

distribution answers a listing with at most ``n`` names and a relative ``Link`` to the next
page. A page is followed only on the same origin, because a registry must not send the client,
and the credentials its session carries, elsewhere; never the same URL twice, so a registry
that links a page to itself cannot keep the client busy; and at most a caller's number of pages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import requests

from .redact import redact_url

__all__ = ["follow_pages", "next_link"]

log = logging.getLogger(__name__)


def follow_pages(
    session: requests.Session, url: str, *, timeout: float, max_pages: int
) -> Iterator[requests.Response]:
    """The answer to ``GET url``, then to each next page it links to, in order.

    The caller checks and reads each answer before asking for the next one; an exception it
    raises ends the walk.
    """
    next_url: str | None = url
    seen: set[str] = set()
    while next_url is not None and next_url not in seen and len(seen) < max_pages:
        seen.add(next_url)
        response = session.get(next_url, timeout=timeout)
        yield response
        next_url = next_link(response, next_url)


def next_link(response: requests.Response, url: str) -> str | None:
    """The ``rel="next"`` page of ``response``, resolved against ``url``; ``None`` when there
    is none or it is on another origin (which is logged, with the URL redacted)."""
    link = response.links.get("next", {}).get("url")
    if not link:
        return None
    target = urljoin(url, link)
    here, there = urlsplit(url), urlsplit(target)
    if (here.scheme, here.netloc) != (there.scheme, there.netloc):
        log.warning("not following a page link to another origin: %s", redact_url(target))
        return None
    return target
