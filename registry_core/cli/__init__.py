"""The ``registry-core`` command: a thin shell over the library.

Every answer it prints comes from the calls a program would make, so the command doubles as a
way to see what the library decides. Each group of commands is a module exposing
``add_commands(subparsers, parents)``; :data:`COMMAND_MODULES` lists them, and another
package's module can be added to the list (or passed to :func:`build_parser`).

Conventions: argparse, the Docker CLI's option names where a user would look for them,
``--json`` on every command that prints data; exit status 0 on success, 1 on failure, 2 for a
usage error; an error is one line on stderr (``registry-core: error: ...``) naming what to fix,
with a traceback only under ``--debug``; under ``--json`` the error is one JSON object on
stderr instead (``{"error": "...", "type": "..."}``). ``--version`` prints the version. A
closed output pipe (``registry-core tags ... | head -1``) ends the command quietly with status
141, as a Unix tool killed by ``SIGPIPE``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Iterable, Sequence

from ..errors import RegistryError
from .common import (
    DEFAULT_DAEMON_CONFIG,
    CommandError,
    UsageError,
    common_parent,
    credentials_parent,
    new_service,
    print_json,
)

__all__ = [
    "COMMAND_MODULES",
    "DEFAULT_DAEMON_CONFIG",
    "EXIT_CLOSED_PIPE",
    "CommandError",
    "UsageError",
    "build_parser",
    "credentials_parent",
    "main",
    "new_service",
    "print_json",
]

#: The modules that add commands, in the order their commands are listed in ``--help``.
COMMAND_MODULES: tuple[str, ...] = (
    "registry_core.cli.resolve",
    "registry_core.cli.tags",
    "registry_core.cli.auth",
    "registry_core.cli.ping",
    "registry_core.cli.certs",
    "registry_core.cli.plugins",
    "registry_core.cli.search",
    "registry_core.cli.content",
)

#: What a shell reports for a process ended by ``SIGPIPE`` (128 + 13).
EXIT_CLOSED_PIPE = 141

log = logging.getLogger(__name__)


def build_parser(modules: Iterable[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The argument parser, separate from :func:`main` so the docs and tests can read it."""
    parser = argparse.ArgumentParser(
        prog="registry-core",
        description="Docker's registry client behaviour: resolution, endpoints, auth.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "-D", "--debug", action="store_true", help="debug messages and tracebacks on errors"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parents = [common_parent()]
    for name in modules:
        importlib.import_module(name).add_commands(subparsers, parents)
    return parser


def _closed_pipe() -> int:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # a stdout without a file descriptor (tests capture it)
        pass
    return EXIT_CLOSED_PIPE


def _version() -> str:
    from .. import __version__

    return __version__


def _error(message: str, kind: str = "", as_json: bool = False) -> None:
    """Tell the user what failed: one line of text, or under ``--json`` one JSON object
    (``error``: the message, ``type``: the exception's class name) for scripts to parse."""
    if as_json:
        line = json.dumps({"error": message, "type": kind or "Error"}, ensure_ascii=False)
    else:
        line = f"registry-core: error: {message}"
    with contextlib.suppress(OSError, ValueError):  # stderr closed too: nothing to tell
        print(line, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command and return its exit status; never raises (``SystemExit`` included)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 0
    debug = bool(getattr(args, "debug", False))
    as_json = bool(getattr(args, "json", False))
    logging.basicConfig(
        level=logging.DEBUG if (debug or args.verbose) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        status: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        return _closed_pipe()
    except UsageError as exc:
        _error(str(exc), type(exc).__name__, as_json)
        return exc.exit_status
    except RegistryError as exc:
        if debug:
            traceback.print_exc()
        _error(str(exc), type(exc).__name__, as_json)
        return getattr(exc, "exit_status", 1)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
        _error(f"unexpected {type(exc).__name__}: {exc} (run with --debug for a traceback)",
               type(exc).__name__, as_json)
        return 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
