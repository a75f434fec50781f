"""``registry-core tags NAME``: a repository's tags."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ..config import get_auth_config_key
from ..reference import familiar_name, parse_normalized_named
from ..types import AuthConfig
from .common import (
    ExplicitCredentials,
    UsageError,
    credentials_parent,
    new_service,
    print_json,
    read_password_stdin,
)

__all__ = ["add_commands"]


def add_commands(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    tags = subparsers.add_parser(
        "tags", parents=[*parents, credentials_parent()], help="list a repository's tags"
    )
    tags.add_argument("name", help="a repository, e.g. localhost:5000/team/app")
    tags.set_defaults(run=run_tags)


def run_tags(args: argparse.Namespace) -> int:
    from ..client import list_tags
    from ..endpoint_session import endpoint_repository_info

    if args.password_stdin and not args.username:
        raise UsageError("--password-stdin needs --username")
    service = new_service(args)
    info = service.resolve_repository(parse_normalized_named(args.name))
    if args.username:
        password = read_password_stdin() if args.password_stdin else ""
        service.plugin_manager.register(
            ExplicitCredentials(
                AuthConfig(username=args.username, password=password),
                get_auth_config_key(info.index),
            ),
            "command line",
        )
    session = service.session(info, actions=("pull",))
    try:
        # The path the endpoint serves the repository at (registries.conf may rewrite it).
        where = info if session.endpoint is None else endpoint_repository_info(
            session.endpoint, info
        )
        tags = list_tags(session, where)
    finally:
        session.close()
    if args.json:
        print_json({"name": familiar_name(info.name), "tags": tags})
    else:
        for tag in tags:
            print(tag)
    return 0
