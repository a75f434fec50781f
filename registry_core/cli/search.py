"""``registry-core search TERM``: search an index (:mod:`registry_core.search`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..constants import DEFAULT_SEARCH_LIMIT
from ..types import AuthConfig, SearchResults
from .common import UsageError, credentials_parent, new_service, print_json, read_password_stdin

__all__ = ["add_commands"]

_DESCRIPTION_WIDTH = 45


def _cmd_search(args: argparse.Namespace) -> int:
    if args.password_stdin and not args.username:
        raise UsageError("--password-stdin needs --username")
    service = new_service(args)
    auth = None
    if args.username:
        password = read_password_stdin() if args.password_stdin else ""
        auth = AuthConfig(username=args.username, password=password)
    limit = DEFAULT_SEARCH_LIMIT if args.limit is None else args.limit
    results = service.search(args.term, limit, auth, args.user_agent, None)
    if args.json:
        print_json(results.to_json())
    else:
        _print_table(results)
    return 0


def _print_table(results: SearchResults) -> None:
    """As ``docker search`` prints: name, description cut to 45 characters, stars, official,
    automated."""
    rows = [("NAME", "DESCRIPTION", "STARS", "OFFICIAL", "AUTOMATED")]
    for result in results.results or []:
        description = " ".join(result.description.split())
        if len(description) > _DESCRIPTION_WIDTH:
            description = description[: _DESCRIPTION_WIDTH - 1] + "…"
        rows.append((
            result.name,
            description,
            str(result.star_count),
            "[OK]" if result.is_official else "",
            "[OK]" if result.is_automated else "",
        ))
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    for row in rows:
        print("   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip())


def add_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: Sequence[argparse.ArgumentParser],
) -> None:
    """Add ``search`` to the command's subparsers; ``parents`` give the shared options
    (``--json``, ``--disable-plugin``, ``--daemon-config``, ``-u``/``--password-stdin``)."""
    search = subparsers.add_parser(
        "search", parents=[*parents, credentials_parent()], help="search an index for repositories"
    )
    search.add_argument(
        "term", help="what to look for; registry.example/term searches that registry"
    )
    search.add_argument(
        "--limit",
        type=int,
        help=f"the most results, 1 to 100 (default {DEFAULT_SEARCH_LIMIT})",
    )
    search.add_argument("--user-agent", default="registry-core", help="User-Agent to send")
    search.set_defaults(run=_cmd_search)
