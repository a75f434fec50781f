"""``registry-core resolve NAME [--explain]``: how a reference resolves, and why."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from ..certs import host_certs_dir
from ..config import get_auth_config_key
from ..constants import CERTS_DIR
from ..credexplain import CredentialStep, explain_credentials
from ..reference import familiar_name, parse_normalized_named
from ..types import APIEndpoint
from .common import new_service, print_json

__all__ = ["add_commands", "endpoint_json", "tls_explanation"]

CERTSD_PLUGIN = "registry_core_plugins.certsd"


def add_commands(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    resolve = subparsers.add_parser(
        "resolve",
        parents=parents,
        help="show how a reference resolves: name, index, auth key, endpoints",
    )
    resolve.add_argument("name", help="an image reference, e.g. ubuntu or localhost:5000/app:1")
    resolve.add_argument(
        "--explain",
        action="store_true",
        help="say which plugin or file chose each endpoint, its TLS setting and the "
        "credentials, and why",
    )
    resolve.set_defaults(run=run_resolve)


def endpoint_json(endpoint: APIEndpoint) -> dict[str, Any]:
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


def tls_explanation(endpoint: APIEndpoint, certsd_loaded: bool) -> dict[str, Any]:
    """What TLS the endpoint gets, and where it came from."""
    parts = urlsplit(endpoint.url)
    tls = endpoint.tls_config
    answer: dict[str, Any] = {
        "verify": not tls.insecure_skip_verify,
        "extra_root_cas": len(tls.root_cas or ()),
        "client_certificates": len(tls.client_certificates),
        "certs_d": None,
    }
    if parts.scheme == "http":
        answer["reason"] = "plain http: no TLS"
    elif tls.insecure_skip_verify:
        answer["reason"] = (
            "insecure registry (insecure-registries, or a loopback address): certificates "
            "are not verified and certs.d is not read"
        )
    elif not certsd_loaded:
        answer["reason"] = f"secure registry; the {CERTSD_PLUGIN} plugin is not loaded"
    else:
        from registry_core_plugins.certsd import CERTS_DIR_ENV

        root = os.environ.get(CERTS_DIR_ENV, CERTS_DIR)
        directory = host_certs_dir(parts.netloc.lower(), root)
        answer["certs_d"] = directory
        if os.path.isdir(directory):
            files = sorted(os.listdir(directory))
            answer["reason"] = f"secure registry: verified, certs.d read ({', '.join(files)})"
        else:
            answer["reason"] = "secure registry: verified against the system roots (no certs.d)"
    return answer


def _step_json(step: CredentialStep) -> dict[str, Any]:
    return {
        "plugin": step.plugin,
        "answered": step.answered,
        "path": step.source.path,
        "key": step.source.key,
        "helper": step.source.helper,
        "reason": step.source.reason,
        "kind": step.kind,
        "username": step.username,
        "error": step.error,
    }


def run_resolve(args: argparse.Namespace) -> int:
    # Imported here, not to build the parser: it brings the plugin manager.
    from ..endpoint_session import credentials_key, credentials_repository

    service = new_service(args)
    named = parse_normalized_named(args.name)
    info = service.resolve_repository(named)
    host = info.index.name
    # With the reference, as a session looks them up: hosts.toml and registries.conf answer
    # per image (a digest, a namespace prefix, a rewritten path).
    pull = service.lookup_pull_endpoints(host, named)
    push = service.lookup_push_endpoints(host, named)
    key = get_auth_config_key(info.index)
    answer: dict[str, Any] = {
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
        "auth_config_key": key,
        "pull_endpoints": [endpoint_json(e) for e in pull],
        "push_endpoints": [endpoint_json(e) for e in push],
    }
    if args.explain:
        certsd = service.plugin_manager.get_plugin(CERTSD_PLUGIN) is not None
        for endpoints, rows in ((pull, answer["pull_endpoints"]), (push, answer["push_endpoints"])):
            for endpoint, row in zip(endpoints, rows, strict=True):
                row["origin"] = getattr(endpoint, "origin", "") or ""
                row["tls"] = tls_explanation(endpoint, certsd)
                endpoint_key = credentials_key(endpoint, key)
                row["credentials_key"] = endpoint_key
                row["credentials_repository"] = credentials_repository(
                    endpoint, info, endpoint_key, key
                )
        # As a session on the registry's own endpoint asks the hook: with the repository, so
        # auth.json namespace entries show.
        repository = f"{info.name.domain}/{info.name.path}"
        answer["credentials_repository"] = repository
        steps = explain_credentials(service.plugin_manager, key, repository)
        answer["credentials"] = [_step_json(step) for step in steps]
    if args.json:
        print_json(answer)
        return 0
    _print_text(answer, args.explain)
    return 0


def _print_text(answer: dict[str, Any], explain: bool) -> None:
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
    _print_endpoints("pull endpoints", answer["pull_endpoints"], explain)
    _print_endpoints("push endpoints", answer["push_endpoints"], explain)
    if explain:
        _print_credentials(
            answer["auth_config_key"], answer["credentials_repository"], answer["credentials"]
        )


def _print_endpoints(title: str, endpoints: list[dict[str, Any]], explain: bool) -> None:
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
        if explain:
            print(f"     decided by: {endpoint['origin'] or '(not recorded)'}")
            print(f"     mirror:     {'yes' if endpoint['mirror'] else 'no'}")
            tls = endpoint["tls"]
            print(f"     TLS:        {tls['reason']}")
            if tls["certs_d"]:
                print(f"     certs.d:    {tls['certs_d']}")
            print(f"     credentials: key {endpoint['credentials_key']}, repository "
                  f"{endpoint['credentials_repository']}")


def _print_credentials(key: str, repository: str, steps: list[dict[str, Any]]) -> None:
    print(f"credentials for {repository} (registry key {key}; plugins in the order they are "
          "asked):")
    if not steps:
        print("  (no credential plugin loaded)")
    for number, step in enumerate(steps, start=1):
        where = ", ".join(
            part
            for part in (
                f"file {step['path']}" if step["path"] else "",
                f"key {step['key']!r}" if step["key"] else "",
                f"helper {step['helper']}" if step["helper"] else "",
            )
            if part
        )
        where = f" ({where})" if where else ""
        if step["error"]:
            verdict = f"fails: {step['error']}"
        elif step["answered"]:
            who = f" for {step['username']}" if step["username"] else ""
            verdict = f"USED: {step['kind']}{who}; {step['reason']}"
        else:
            verdict = f"none: {step['reason']}" if step["reason"] else "none"
        print(f"  {number}. {step['plugin']}{where}: {verdict}")
    if not any(step["answered"] for step in steps):
        print("  => no credentials: requests go out anonymously")
