"""``registry-core plugins``: the loaded plugins, their versions and hooks."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .common import new_service, print_json

__all__ = ["add_commands"]


def add_commands(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    plugins = subparsers.add_parser("plugins", parents=parents, help="list the loaded plugins")
    plugins.set_defaults(run=run_plugins)


def run_plugins(args: argparse.Namespace) -> int:
    from ..manager import list_plugins

    # Through the service, so a bad --daemon-config is reported here as everywhere.
    infos = list_plugins(new_service(args).plugin_manager)
    if args.json:
        print_json(
            [
                {"name": p.name, "version": p.version, "hooks": list(p.hooks), "source": p.source}
                for p in infos
            ]
        )
        return 0
    for plugin in infos:
        print(f"{plugin.name} {plugin.version or ''} ({plugin.source})".replace("  ", " "))
        for hook in plugin.hooks:
            print(f"    {hook}")
    return 0
