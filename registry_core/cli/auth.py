"""``registry-core login [SERVER]`` and ``registry-core logout [SERVER]``.

A login checks the credentials against the registry (:meth:`DefaultService.auth
<registry_core.service.DefaultService.auth>`, the engine's login) and stores them: in the
Docker CLI's ``config.json`` (``--config DIR``, else ``$DOCKER_CONFIG``, else ``~/.docker``),
through its ``credHelpers``/``credsStore`` helper when one is configured, or, with
``--authfile FILE``, in that containers ``auth.json``. An identity token the registry's token
server issues is stored instead of the password, as the Docker CLI does.

Without ``--username``, the credentials the plugins already know for the registry are used
(as ``docker login`` reuses stored ones) and nothing is stored again; without them, a
terminal is asked.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from typing import Any

from ..authfile import AuthFile, auth_file_key
from ..credfiles import CredentialSource
from ..dockerconfig import DockerConfigFile, docker_config_key
from ..types import AuthConfig
from .common import (
    CommandError,
    UsageError,
    credentials_parent,
    new_service,
    print_json,
    read_password_stdin,
)

__all__ = ["add_commands", "erase_credentials", "store_credentials"]

DEFAULT_USER_AGENT = "registry-core"


def add_commands(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    login = subparsers.add_parser(
        "login",
        parents=[*parents, credentials_parent()],
        help="log in to a registry and store the credentials",
    )
    login.add_argument(
        "server", nargs="?", default="", help="registry address (default: Docker Hub)"
    )
    login.add_argument(
        "-p",
        "--password",
        help="the password (visible to other users of the machine; prefer --password-stdin)",
    )
    login.add_argument("--user-agent", default=DEFAULT_USER_AGENT, help="User-Agent to send")
    login.set_defaults(run=run_login)

    logout = subparsers.add_parser(
        "logout", parents=parents, help="erase a registry's stored credentials"
    )
    logout.add_argument(
        "server", nargs="?", default="", help="registry address (default: Docker Hub)"
    )
    logout.set_defaults(run=run_logout)


def _is_hub(server: str) -> bool:
    return docker_config_key(server) == docker_config_key("")


def store_credentials(args: argparse.Namespace, auth_config: AuthConfig) -> CredentialSource:
    """Store ``auth_config`` where ``--authfile`` or ``--config`` say."""
    if args.authfile:
        return AuthFile(args.authfile).store(auth_config)
    return DockerConfigFile.default(args.config).store(auth_config)


def erase_credentials(args: argparse.Namespace, server: str) -> tuple[str, list[str]]:
    """Erase ``server``'s credentials where ``--authfile`` or ``--config`` say: the key shown
    to the user and the keys erased."""
    if args.authfile:
        return auth_file_key(server), AuthFile(args.authfile).erase(server)
    return docker_config_key(server), DockerConfigFile.default(args.config).erase(server)


def _given_credentials(args: argparse.Namespace) -> AuthConfig | None:
    """The credentials given by options or typed at a prompt; ``None`` when none were given
    and stored ones should be used. Empty values are refused before any request."""
    if args.password_stdin and args.password is not None:
        raise UsageError("--password and --password-stdin are mutually exclusive")
    if args.password_stdin and not args.username:
        raise UsageError("--password-stdin needs --username (the Docker CLI's rule)")
    if args.username is None and args.password is None and not args.password_stdin:
        return None
    username = args.username
    if username is None:
        username = _prompt("Username: ", secret=False)
    if not username.strip():
        raise UsageError("the user name is empty: give a non-empty --username")
    if args.password_stdin:
        password = read_password_stdin()
    elif args.password is not None:
        password = args.password
    else:
        password = _prompt("Password: ", secret=True)
    if not password:
        raise UsageError("the password is empty: give the password (--password-stdin reads it)")
    return AuthConfig(username=username.strip(), password=password)


def _prompt(text: str, *, secret: bool) -> str:
    if not sys.stdin.isatty():
        raise UsageError(
            "cannot ask for credentials: standard input is not a terminal; give --username "
            "and --password-stdin"
        )
    return getpass.getpass(text) if secret else input(text)


def run_login(args: argparse.Namespace) -> int:
    server = "" if _is_hub(args.server) else args.server
    given = _given_credentials(args)
    if args.password is not None:
        print("WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
              file=sys.stderr)
    service = new_service(args)
    key = docker_config_key(server)
    if given is None:
        known = service.hooks.credentials(key)
        if known is None:
            given = _given_credentials_from_prompt(args, key)
            stored_again = True
        else:
            given, stored_again = known, False
    else:
        stored_again = True
    attempt = AuthConfig(
        username=given.username,
        password=given.password,
        identity_token=given.identity_token,
        registry_token=given.registry_token,
        server_address=server,
    )
    status, token = service.auth(attempt, args.user_agent)
    stored: CredentialSource | None = None
    if stored_again or (token and token != given.identity_token):
        to_store = AuthConfig(
            username=given.username,
            password="" if token else given.password,
            identity_token=token,
            server_address=server,
        )
        stored = store_credentials(args, to_store)
    if args.json:
        print_json(
            {
                "status": status,
                "identity_token": bool(token),
                "stored": None
                if stored is None
                else {"backend": stored.backend, "path": stored.path, "key": stored.key,
                      "helper": stored.helper},
            }
        )
        return 0
    print(status)
    if token:
        print("(the registry issued an identity token; it was stored, not printed)")
    return 0


def _given_credentials_from_prompt(args: argparse.Namespace, key: str) -> AuthConfig:
    if not sys.stdin.isatty():
        raise CommandError(
            f"no stored credentials for {key}: give --username and --password-stdin"
        )
    username = _prompt("Username: ", secret=False).strip()
    if not username:
        raise UsageError("the user name is empty: give a non-empty --username")
    password = _prompt("Password: ", secret=True)
    if not password:
        raise UsageError("the password is empty")
    return AuthConfig(username=username, password=password)


def run_logout(args: argparse.Namespace) -> int:
    server = "" if _is_hub(args.server) else args.server
    new_service(args)  # reads --daemon-config, as every command does: a bad one is reported
    shown, erased = erase_credentials(args, server)
    if args.json:
        where = args.authfile or str(DockerConfigFile.default(args.config).path)
        print_json({"server": shown, "removed": erased, "file": where})
        return 0
    if erased:
        print(f"Removing login credentials for {shown}")
    else:
        print(f"Not logged in to {shown}")
    return 0

