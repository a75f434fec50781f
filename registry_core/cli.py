"""The ``registry-core`` command: resolve names, list tags, log in, list plugins.

It is a thin shell over the library: every answer it prints comes from the same calls a
program would make, so the command doubles as a way to see what the library decides.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from .config import ServiceOptions
from .errors import RegistryError
from .reference import familiar_name, parse_normalized_named
from .types import APIEndpoint, AuthConfig

__all__ = ["main"]

DEFAULT_DAEMON_CONFIG = "/etc/docker/daemon.json"


def _service_options(path: str | None) -> ServiceOptions:
    """Options from ``--daemon-config``, else the daemon's own file when it exists."""
    if path is None:
        if not os.path.isfile(DEFAULT_DAEMON_CONFIG):
            return ServiceOptions()
        path = DEFAULT_DAEMON_CONFIG
    return ServiceOptions.from_daemon_config_file(path)


def _new_service(args: argparse.Namespace) -> Any:
    from .manager import get_plugin_manager
    from .service import DefaultService

    plugins = get_plugin_manager(block=args.disable_plugin or ())
    return DefaultService(_service_options(args.daemon_config), plugin_manager=plugins)


def _endpoint_json(endpoint: APIEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "version": str(endpoint.version),
        "mirror": endpoint.mirror,
        "official": endpoint.official,
        "trim_hostname": endpoint.trim_hostname,
        "allow_nondistributable_artifacts": endpoint.allow_nondistributable_artifacts,
        "insecure_skip_verify": endpoint.tls_config.insecure_skip_verify,
        "client_certificates": len(endpoint.tls_config.client_certificates),
    }


def _print_endpoints(title: str, endpoints: list[dict[str, Any]]) -> None:
    print(f"{title}:")
    if not endpoints:
        print("  (none)")
    for number, endpoint in enumerate(endpoints, start=1):
        flags = [
            name
            for name in ("mirror", "official", "trim_hostname", "allow_nondistributable_artifacts")
            if endpoint[name]
        ]
        if endpoint["insecure_skip_verify"]:
            flags.append("insecure_skip_verify")
        shown = f" [{', '.join(flags)}]" if flags else ""
        print(f"  {number}. {endpoint['url']} ({endpoint['version']}){shown}")


def _cmd_resolve(args: argparse.Namespace) -> int:
    from .config import get_auth_config_key

    service = _new_service(args)
    named = parse_normalized_named(args.name)
    info = service.resolve_repository(named)
    host = info.index.name
    answer = {
        "name": info.name.name,
        "familiar_name": familiar_name(info.name),
        "reference": str(named),
        "official": info.official,
        "index": {
            "name": info.index.name,
            "secure": info.index.secure,
            "official": info.index.official,
            "mirrors": list(info.index.mirrors),
        },
        "auth_config_key": get_auth_config_key(info.index),
        "pull_endpoints": [_endpoint_json(e) for e in service.lookup_pull_endpoints(host)],
        "push_endpoints": [_endpoint_json(e) for e in service.lookup_push_endpoints(host)],
    }
    if args.json:
        print(json.dumps(answer, indent=2))
        return 0
    index = answer["index"]
    print(f"name:            {answer['name']}")
    print(f"familiar name:   {answer['familiar_name']}")
    print(f"reference:       {answer['reference']}")
    print(f"official repo:   {'yes' if answer['official'] else 'no'}")
    print(f"index:           {index['name']}")
    print(f"  secure:        {'yes' if index['secure'] else 'no'}")
    print(f"  official:      {'yes' if index['official'] else 'no'}")
    print(f"  mirrors:       {', '.join(index['mirrors']) or '(none)'}")
    print(f"auth config key: {answer['auth_config_key']}")
    _print_endpoints("pull endpoints", answer["pull_endpoints"])
    _print_endpoints("push endpoints", answer["push_endpoints"])
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if not args.password_stdin:
        return ""
    return sys.stdin.readline().rstrip("\r\n")


def _cmd_tags(args: argparse.Namespace) -> int:
    from .client import list_tags
    from .config import get_auth_config_key

    service = _new_service(args)
    info = service.resolve_repository(parse_normalized_named(args.name))
    if args.username:
        from registry_core_plugins.static_credentials import StaticCredentials

        credentials = AuthConfig(username=args.username, password=_read_password(args))
        service.plugin_manager.register(
            StaticCredentials(credentials, registries=[get_auth_config_key(info.index)])
        )
    session = service.session(info, actions=("pull",))
    try:
        tags = list_tags(session, info)
    finally:
        session.close()
    if args.json:
        print(json.dumps({"name": familiar_name(info.name), "tags": tags}, indent=2))
    else:
        for tag in tags:
            print(tag)
    return 0


def _cmd_login(args: argparse.Namespace) -> int:
    service = _new_service(args)
    config = AuthConfig(
        username=args.username or "",
        password=_read_password(args),
        server_address=args.server or "",
    )
    status, token = service.auth(config, args.user_agent)
    if args.json:
        print(json.dumps({"status": status, "identity_token": bool(token)}))
    else:
        print(status)
        if token:
            print("(the registry issued an identity token; it is not printed)")
    return 0


def _cmd_plugins(args: argparse.Namespace) -> int:
    from .manager import get_plugin_manager, list_plugins

    infos = list_plugins(get_plugin_manager(block=args.disable_plugin or ()))
    if args.json:
        print(
            json.dumps(
                [
                    {"name": p.name, "version": p.version, "hooks": p.hooks, "source": p.source}
                    for p in infos
                ],
                indent=2,
            )
        )
        return 0
    for plugin in infos:
        print(f"{plugin.name} {plugin.version or ''} ({plugin.source})".replace("  ", " "))
        for hook in plugin.hooks:
            print(f"    {hook}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, separate from :func:`main` so the docs and tests can read it."""
    parser = argparse.ArgumentParser(
        prog="registry-core",
        description="Docker's registry client behaviour: resolution, endpoints, auth.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON instead of text")
    common.add_argument(
        "--disable-plugin",
        action="append",
        metavar="NAME",
        help="do not load this plugin (repeatable; see `registry-core plugins`)",
    )
    daemon = argparse.ArgumentParser(add_help=False)
    daemon.add_argument(
        "--daemon-config",
        metavar="PATH",
        help=f"daemon.json to read options from (default: {DEFAULT_DAEMON_CONFIG} if it exists)",
    )
    creds = argparse.ArgumentParser(add_help=False)
    creds.add_argument("-u", "--username", help="user name for the registry")
    creds.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    resolve = commands.add_parser(
        "resolve",
        parents=[common, daemon],
        help="show how a reference resolves: name, index, auth key, endpoints",
    )
    resolve.add_argument("name", help="an image reference, e.g. ubuntu or localhost:5000/app:1")
    resolve.set_defaults(run=_cmd_resolve)

    tags = commands.add_parser(
        "tags", parents=[common, daemon, creds], help="list a repository's tags"
    )
    tags.add_argument("name", help="a repository, e.g. localhost:5000/team/app")
    tags.set_defaults(run=_cmd_tags)

    login = commands.add_parser(
        "login", parents=[common, daemon, creds], help="check credentials against a registry"
    )
    login.add_argument("server", nargs="?", help="registry address (default: Docker Hub)")
    login.add_argument("--user-agent", default="registry-core", help="User-Agent to send")
    login.set_defaults(run=_cmd_login)

    plugins = commands.add_parser("plugins", parents=[common], help="list the loaded plugins")
    plugins.set_defaults(run=_cmd_plugins)

    from .cli_content import add_commands  # manifest, blob, copy

    add_commands(commands, [common, daemon, creds])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; errors of the library print one line and exit 1, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        result: int = args.run(args)
    except RegistryError as error:
        print(f"registry-core: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
