"""``registry-core ping SERVER``: which endpoint answers, what API it speaks, how it
challenges, and the TLS used. Nothing is authenticated."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import RegistryError
from .common import CommandError, new_service, print_json
from .resolve import CERTSD_PLUGIN, tls_explanation

if TYPE_CHECKING:
    from ..types import APIEndpoint

__all__ = ["add_commands"]


def add_commands(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    ping = subparsers.add_parser(
        "ping",
        parents=parents,
        help="ping a registry: API version, auth challenges, TLS",
    )
    ping.add_argument("server", help="registry address, e.g. registry.example.com:5000")
    ping.set_defaults(run=run_ping)


def _ping(endpoint: APIEndpoint, user_agent: str) -> dict[str, Any]:
    """Ping one endpoint with the service's ``User-Agent`` (as every other command sends),
    never urllib3's default."""
    # Imported here, not to build the parser: they bring requests.
    from ..challenge import response_challenges
    from ..modifiers import headers
    from ..ping import confirms_v2, ping_url, send_ping
    from ..transport import http_client, new_transport
    from ..types import APIVersion

    if endpoint.version == APIVersion.V1:
        url = endpoint.url.rstrip("/") + "/v1/_ping"
    else:
        url = ping_url(endpoint.url)
    session = http_client(new_transport(endpoint.tls_config), headers(user_agent, None))
    try:
        response = send_ping(session, url)
    finally:
        session.close()
    answer: dict[str, Any] = {"url": url, "status": response.status_code}
    if endpoint.version == APIVersion.V1:
        answer["api"] = "v1"
        answer["registry_version"] = response.headers.get("X-Docker-Registry-Version", "")
    else:
        answer["api"] = "v2" if confirms_v2(response) else "unconfirmed"
    answer["challenges"] = [
        {"scheme": c.scheme, "parameters": dict(c.parameters)}
        for c in response_challenges(response)
    ]
    return answer


def run_ping(args: argparse.Namespace) -> int:
    from ..login import registry_host_of
    from ..modifiers import default_user_agent

    service = new_service(args)
    host = registry_host_of(args.server)
    certsd = service.plugin_manager.get_plugin(CERTSD_PLUGIN) is not None
    attempts: list[dict[str, Any]] = []
    answered: dict[str, Any] | None = None
    for endpoint in service.lookup_pull_endpoints(host):
        if endpoint.mirror:
            continue
        attempt: dict[str, Any] = {
            "endpoint": endpoint.url,
            "tls": tls_explanation(endpoint, certsd),
        }
        try:
            attempt.update(_ping(endpoint, service.user_agent or default_user_agent()))
        except RegistryError as exc:
            attempt["error"] = str(exc)
            attempts.append(attempt)
            continue
        attempts.append(attempt)
        answered = attempt
        break
    if args.json:
        print_json({"server": host, "attempts": attempts, "answered": answered is not None})
    else:
        for attempt in attempts:
            print(f"{attempt['endpoint']}:")
            if "error" in attempt:
                print(f"  error:      {attempt['error']}")
                continue
            print(f"  status:     {attempt['status']} ({attempt['url']})")
            print(f"  API:        {attempt['api']}")
            challenges = attempt["challenges"]
            if not challenges:
                print("  challenges: (none)")
            for challenge in challenges:
                params = ", ".join(f'{k}="{v}"' for k, v in challenge["parameters"].items())
                print(f"  challenge:  {challenge['scheme']} {params}".rstrip())
            print(f"  TLS:        {attempt['tls']['reason']}")
    if answered is None:
        raise CommandError(
            f"no endpoint of {host} answered"
            + (f"; the last said: {attempts[-1]['error']}" if attempts else "")
        )
    return 0
