"""What every command shares: its options, the service it works on, output and errors.

Every command gets :func:`common_parent`'s options: ``--json``, ``--debug``,
``--disable-plugin``, ``--daemon-config`` and the client configuration, ``--config DIR`` (the
Docker CLI's) and ``--authfile FILE`` (the containers tools'). A command module adds its
commands with ``add_commands(subparsers, parents)``, passing ``parents`` on to
``subparsers.add_parser``, and sets ``run`` to a function taking the parsed arguments and
returning the exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from ..config import ServiceOptions
from ..credfiles import CredentialLookup, CredentialSource
from ..errors import RegistryError
from ..hookspecs import hookimpl
from ..types import AuthConfig

if TYPE_CHECKING:
    from ..manager import RegistryPluginManager
    from ..service import DefaultService

__all__ = [
    "DAEMON_CONFIG_ENV",
    "DEFAULT_DAEMON_CONFIG",
    "CommandError",
    "ExplicitCredentials",
    "PasswordEncodingError",
    "UsageError",
    "common_parent",
    "credentials_parent",
    "new_plugin_manager",
    "new_service",
    "print_json",
    "read_password_stdin",
    "service_options",
]

DEFAULT_DAEMON_CONFIG = "/etc/docker/daemon.json"
#: Names the daemon.json to read when ``--daemon-config`` is not given.
DAEMON_CONFIG_ENV = "REGISTRY_CORE_DAEMON_CONFIG"
DOCKER_CONFIG_PLUGIN = "registry_core_plugins.docker_config"
CONTAINERS_AUTH_PLUGIN = "registry_core_plugins.containers_auth"


class CommandError(RegistryError):
    """A command's failure that is not the library's: one line on stderr, exit status 1."""

    exit_status = 1


class UsageError(CommandError):
    """Options that do not go together or values that cannot be right: exit status 2."""

    exit_status = 2


def common_parent() -> argparse.ArgumentParser:
    """The options every command takes."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", help="print JSON instead of text")
    parent.add_argument(
        "-D",
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log debug messages, and show a traceback on errors",
    )
    parent.add_argument(
        "--disable-plugin",
        action="append",
        metavar="NAME",
        help="do not load this plugin (repeatable; see `registry-core plugins`)",
    )
    parent.add_argument(
        "--daemon-config",
        metavar="PATH",
        help="daemon.json to read options from (default: $REGISTRY_CORE_DAEMON_CONFIG, else "
        f"{DEFAULT_DAEMON_CONFIG} if it exists)",
    )
    parent.add_argument(
        "--config",
        metavar="DIR",
        help="the Docker client's configuration directory, holding config.json "
        "(default: $DOCKER_CONFIG, else ~/.docker)",
    )
    parent.add_argument(
        "--authfile",
        metavar="FILE",
        help="the containers tools' auth.json (default: $REGISTRY_AUTH_FILE, else "
        "$XDG_RUNTIME_DIR/containers/auth.json); login and logout use it instead of config.json",
    )
    return parent


def credentials_parent() -> argparse.ArgumentParser:
    """``--username`` and ``--password-stdin``, for commands that can be given credentials."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("-u", "--username", help="user name for the registry")
    parent.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    return parent


def service_options(path: str | None) -> ServiceOptions:
    """Options from ``--daemon-config``, else ``$REGISTRY_CORE_DAEMON_CONFIG``, else the
    daemon's own file when it exists."""
    if path is None:
        path = os.environ.get(DAEMON_CONFIG_ENV) or None
    if path is None:
        if not os.path.isfile(DEFAULT_DAEMON_CONFIG):
            return ServiceOptions()
        path = DEFAULT_DAEMON_CONFIG
    return ServiceOptions.from_daemon_config_file(path)


def new_plugin_manager(args: argparse.Namespace) -> RegistryPluginManager:
    """The plugins, with the credential plugins bound to ``--config`` and ``--authfile``.

    The built-in credential plugins read the default places; with either option both are
    replaced by objects bound to the given places, registered in the built-in order so the
    precedence stays: ``auth.json`` before ``config.json``. A plugin the user blocked stays
    blocked.
    """
    from registry_core_plugins.containers_auth import ContainersAuthCredentials
    from registry_core_plugins.docker_config import DockerConfigCredentials

    from ..manager import get_plugin_manager

    pm = get_plugin_manager(block=getattr(args, "disable_plugin", None) or ())
    config_dir = getattr(args, "config", None)
    authfile = getattr(args, "authfile", None)
    if config_dir is None and authfile is None:
        return pm
    # In the built-in order: among trylast plugins, pluggy asks the first registered first.
    replacements: list[tuple[str, object]] = [
        (CONTAINERS_AUTH_PLUGIN, ContainersAuthCredentials(authfile)),
        (DOCKER_CONFIG_PLUGIN, DockerConfigCredentials(config_dir)),
    ]
    for name, plugin in replacements:
        if pm.get_plugin(name) is not None:
            pm.unregister(name=name)
            pm.register(plugin, name)
    return pm


def new_service(args: argparse.Namespace) -> DefaultService:
    """The service the command works on: ``--daemon-config`` options, the plugins."""
    from ..service import DefaultService

    return DefaultService(
        service_options(getattr(args, "daemon_config", None)),
        plugin_manager=new_plugin_manager(args),
    )


class ExplicitCredentials:
    """Credentials given on the command line, for one registry; asked before every plugin
    (``tryfirst``), as an explicit ``AuthConfig`` wins in the library."""

    def __init__(self, auth_config: AuthConfig, registry: str) -> None:
        self._auth_config = auth_config
        self.registry = registry

    def __repr__(self) -> str:
        return f"ExplicitCredentials(registry={self.registry!r})"

    def explain_credentials(
        self, registry: str, repository: str | None = None
    ) -> CredentialLookup:
        config = self.registry_credentials(registry)
        source = CredentialSource("command line", reason="--username and --password-stdin")
        return CredentialLookup(config, source)

    @hookimpl(tryfirst=True)
    def registry_credentials(self, registry: str) -> AuthConfig | None:
        if registry != self.registry:
            return None
        return AuthConfig(
            username=self._auth_config.username, password=self._auth_config.password
        )


class PasswordEncodingError(CommandError):
    """The password on standard input is not UTF-8. The message names the problem only:
    no byte of the input is in it, nor in an exception chained to it."""


def read_password_stdin() -> str:
    """The first line of standard input, without its line ending (the Docker CLI reads all
    of stdin and trims the trailing newline; a password never spans lines).

    The bytes are read and decoded as UTF-8 here, strictly, whatever the locale says: under
    ``LC_ALL=C`` Python's text stdin would turn bytes that are not UTF-8 into surrogates that
    no registry accepts, and with ``PYTHONIOENCODING=utf-8:strict`` it would fail with an
    exception that quotes them. A program that replaced ``sys.stdin`` with a text stream (no
    ``buffer``) is read as text.

    :raises PasswordEncodingError: the line is not valid UTF-8.
    """
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        return sys.stdin.readline().rstrip("\r\n")
    line: bytes = buffer.readline()
    try:
        password: str | None = line.decode("utf-8")
    except UnicodeDecodeError:
        # Raised outside the handler, so the error has no context holding the bytes; and the
        # bytes are dropped, so a traceback's frames do not keep them either.
        password = None
    del line
    if password is None:
        raise PasswordEncodingError(
            "the password on standard input is not valid UTF-8; give it in UTF-8"
        )
    return password.rstrip("\r\n")


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2))
