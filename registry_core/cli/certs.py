"""``registry-core certs HOST``: what certs.d gives a host, file by file."""

from __future__ import annotations

import argparse
import datetime
import os
from collections.abc import Sequence
from typing import Any

from ..certs import MAX_CERT_FILE_SIZE, host_certs_dir
from ..constants import CERTS_DIR
from ..safefile import read_small_file
from .common import new_service, print_json

__all__ = ["add_commands", "describe_certs_file"]


def add_commands(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    certs = subparsers.add_parser(
        "certs",
        parents=parents,
        help="show a host's certs.d files: subject, issuer and expiry of each certificate",
    )
    certs.add_argument("host", help="registry host and port, as in an image reference")
    certs.set_defaults(run=run_certs)


def describe_certs_file(path: str) -> dict[str, Any]:
    """What a certs.d file is to the reference (by its suffix) and, for certificates, each
    one's subject, issuer and expiry. A key's contents are never read."""
    from cryptography import x509  # here, not to build the parser

    name = os.path.basename(path)
    entry: dict[str, Any] = {"file": name, "path": path}
    if name.endswith(".crt"):
        entry["role"] = "CA certificate"
    elif name.endswith(".cert"):
        pair = path[: -len(".cert")] + ".key"
        entry["role"] = "client certificate" + ("" if os.path.exists(pair) else " (no .key!)")
    elif name.endswith(".key"):
        pair = path[: -len(".key")] + ".cert"
        entry["role"] = "client key" + ("" if os.path.exists(pair) else " (no .cert!)")
        return entry
    else:
        entry["role"] = "ignored"
        return entry
    try:  # read as certs.d is read: a FIFO or a device is refused, not waited on
        certificates = x509.load_pem_x509_certificates(
            read_small_file(path, MAX_CERT_FILE_SIZE)
        )
    except (OSError, ValueError) as exc:
        entry["error"] = f"not PEM certificates: {exc}"
        return entry
    now = datetime.datetime.now(datetime.timezone.utc)
    entry["certificates"] = [
        {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "expired": cert.not_valid_after_utc < now,
        }
        for cert in certificates
    ]
    return entry


def run_certs(args: argparse.Namespace) -> int:
    from registry_core_plugins.certsd import CERTS_DIR_ENV

    service = new_service(args)
    root = os.environ.get(CERTS_DIR_ENV, CERTS_DIR)
    directory = host_certs_dir(args.host, root)
    secure = service.is_secure(args.host)
    exists = os.path.isdir(directory)
    files = (
        [describe_certs_file(os.path.join(directory, n)) for n in sorted(os.listdir(directory))]
        if exists
        else []
    )
    if args.json:
        print_json(
            {"host": args.host, "directory": directory, "exists": exists, "secure": secure,
             "files": files}
        )
        return 0
    print(f"{args.host}: {directory}{'' if exists else ' (does not exist)'}")
    if not secure:
        print("  note: the host is insecure, so certs.d is not read for it")
    for entry in files:
        print(f"  {entry['file']}: {entry['role']}")
        if "error" in entry:
            print(f"    error: {entry['error']}")
        for cert in entry.get("certificates", ()):
            state = "EXPIRED" if cert["expired"] else "valid"
            print(f"    subject: {cert['subject']}")
            print(f"    issuer:  {cert['issuer']}")
            print(f"    expires: {cert['not_after']} ({state})")
    return 0
