"""``registry-core manifest``, ``blob`` and ``copy``: content over the v2 API.

Like the rest of the CLI, every command is a thin shell over the library calls a program would
make (:mod:`registry_core.content`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

from ..errors import InvalidArgumentError, RegistryError
from ..reference import Digested, Named, Tagged, familiar_name, parse_normalized_named
from ..types import AuthConfig

if TYPE_CHECKING:
    # Loaded by the commands that run (requests comes with it), not to build the parser.
    from ..content import Descriptor, Platform, Repository

__all__ = ["add_commands"]


# -- shared ---------------------------------------------------------------------------------


def _service(args: argparse.Namespace, names: Sequence[Named]) -> Any:
    """The CLI's service (``--daemon-config``, ``--config``, ``--authfile``, plugins), with
    ``-u`` credentials for the registries of ``names`` only."""
    from ..config import get_auth_config_key
    from .common import (
        ExplicitCredentials,
        UsageError,
        new_service,
        read_password_stdin,
    )

    username = getattr(args, "username", None)
    if getattr(args, "password_stdin", False) and not username:
        raise UsageError("--password-stdin needs --username")
    service = new_service(args)
    if username:
        password = read_password_stdin() if args.password_stdin else ""
        keys = {get_auth_config_key(service.resolve_repository(n).index) for n in names}
        for key in sorted(keys):
            service.plugin_manager.register(
                ExplicitCredentials(AuthConfig(username=username, password=password), key),
                f"command line ({key})",
            )
    return service


def _reference_of(named: Named, default: str = "latest") -> str:
    """The digest of a reference, else its tag, else ``default``."""
    if isinstance(named, Digested):
        return str(named.digest)
    if isinstance(named, Tagged):
        return named.tag
    return default


def _human(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"  # pragma: no cover


class _Bar:
    """One progress line on a terminal, redrawn at most a few times a second."""

    def __init__(self, stream: IO[str], label: str, total: int | None) -> None:
        self.stream = stream
        self.label = label
        self.total = total
        self.done = 0
        self._drawn = 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._drawn >= 0.1:
            self._drawn = now
            self.draw()

    def draw(self, end: str = "") -> None:
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(share * 30)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} "
            text = f"{bar}{_human(self.done)}/{_human(self.total)}"
        else:
            text = _human(self.done)
        self.stream.write(f"\r{self.label} {text}\x1b[K{end}")
        self.stream.flush()


def _short(digest: str) -> str:
    return digest.split(":", 1)[-1][:12]


class _CopyDisplay:
    """Progress of a copy on a terminal: a line per finished blob, one for bytes moving."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.bar = _Bar(stream, "copying", 0)

    def blob_started(self, descriptor: Descriptor) -> None:
        with self.lock:
            self.bar.total = (self.bar.total or 0) + descriptor.size

    def blob_advanced(self, descriptor: Descriptor, count: int) -> None:
        with self.lock:
            self.bar.advance(count)

    def blob_finished(self, descriptor: Descriptor, outcome: str) -> None:
        with self.lock:
            if outcome != "copied":
                self.bar.total = max((self.bar.total or 0) - descriptor.size, 0)
            self.stream.write(f"\r{_short(descriptor.digest)}: {outcome} "
                              f"({_human(descriptor.size)})\x1b[K\n")
            self.bar.draw()

    def close(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()


# -- manifest -------------------------------------------------------------------------------


def _platform_manifest(repo: Repository, reference: str, platform: Platform) -> bytes:
    from ..content import DEFAULT_ACCEPT, Platform, PlatformNotFoundError

    top = repo.get_manifest(reference)
    if top.is_index:
        child = top.for_platform(platform)
        accept = list(dict.fromkeys([child.media_type, *DEFAULT_ACCEPT]))
        return repo.get_manifest(child.digest, accept=accept).content
    config = top.config()
    if config is None:
        raise PlatformNotFoundError(f"manifest {top.digest} names no platform")
    if config.size > repo.max_manifest_size:
        raise InvalidArgumentError(f"the config of {top.digest} is too large to read")
    with repo.open_blob(config.digest, config.size) as reader:
        try:
            found = Platform.from_json(json.loads(reader.read()))
        except ValueError:
            raise RegistryError(f"the config of {top.digest} is not JSON") from None
    if found is None or not platform.matches(found):
        raise PlatformNotFoundError(
            f"manifest {top.digest} is for {found or 'no platform'}, not {platform}"
        )
    return top.content


def _cmd_manifest(args: argparse.Namespace) -> int:
    from ..content import Platform

    named = parse_normalized_named(args.name)
    platform = Platform.parse(args.platform) if args.platform else None
    service = _service(args, [named])
    with service.repository(named) as repo:
        reference = _reference_of(named)
        if platform is None:
            content = repo.get_manifest(reference).content
        else:
            content = _platform_manifest(repo, reference, platform)
    sys.stdout.buffer.write(content)
    sys.stdout.buffer.flush()
    return 0


# -- blob -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _output(path: str) -> Iterator[IO[bytes]]:
    """Standard output for ``-``; else a temporary file next to ``path``, renamed onto it
    only once the blob was verified, so a failed download never leaves a wrong file."""
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, partial = tempfile.mkstemp(dir=directory, prefix=".registry-core-",
                                               suffix=".part")
    except OSError as exc:
        raise InvalidArgumentError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise InvalidArgumentError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


def _cmd_blob(args: argparse.Namespace) -> int:
    named = parse_normalized_named(args.name)
    if not isinstance(named, Digested):
        raise InvalidArgumentError(f"{args.name}: name the blob as NAME@DIGEST")
    service = _service(args, [named])
    show = sys.stderr.isatty()
    with service.repository(named) as repo, repo.open_blob(named.digest) as reader, \
            _output(args.output) as sink:
        bar = _Bar(sys.stderr, _short(named.digest), reader.size) if show else None
        for chunk in reader.iter_chunks():
            sink.write(chunk)
            if bar is not None:
                bar.advance(len(chunk))
        if bar is not None:
            bar.draw(end="\n")
    return 0


# -- copy -----------------------------------------------------------------------------------


def _cmd_copy(args: argparse.Namespace) -> int:
    from ..content import copy_image

    source = parse_normalized_named(args.source)
    destination = parse_normalized_named(args.destination)
    reference = _reference_of(source)
    target = _reference_of(destination, default=reference)
    if isinstance(destination, Digested) and target != reference and \
            not isinstance(source, Digested):
        raise InvalidArgumentError("a destination digest is only the source's own digest")
    # -u is for the destination only: credentials typed for one registry must not reach
    # another. The source's come from the credential plugins (the Docker config).
    service = _service(args, [destination])
    display = _CopyDisplay(sys.stderr) if sys.stderr.isatty() else None
    try:
        with service.repository(source) as src, \
                service.repository(destination, ("pull", "push")) as dst:
            result = copy_image(src, reference, dst, target, jobs=args.jobs, progress=display)
    finally:
        if display is not None:
            display.close()
    if args.json:
        print(json.dumps({
            "source": f"{familiar_name(source)}", "destination": familiar_name(destination),
            "digest": result.digest, "media_type": result.media_type,
            "copied": result.copied, "mounted": result.mounted, "skipped": result.skipped,
            "bytes_copied": result.bytes_copied,
        }, indent=2))
    else:
        print(result.digest)
    return 0


# -- wiring ---------------------------------------------------------------------------------


def add_commands(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    """Add ``manifest``, ``blob`` and ``copy`` to the CLI.

    :param subparsers: what ``ArgumentParser.add_subparsers`` returned.
    :param parents: the parent parsers the CLI's commands share (``--json``,
        ``--disable-plugin``, ``--daemon-config``, ``--config``, ...); ``-u`` and
        ``--password-stdin`` are added here.
    """
    from .common import credentials_parent

    shared = [*parents, credentials_parent()]
    manifest = subparsers.add_parser(
        "manifest", parents=shared,
        help="print a manifest exactly as the registry serves it",
    )
    manifest.add_argument("name", help="NAME[:TAG|@DIGEST], e.g. localhost:5000/team/app:1")
    manifest.add_argument("--platform", metavar="OS/ARCH[/VARIANT]",
                          help="print this platform's manifest out of an index")
    manifest.set_defaults(run=_cmd_manifest)

    blob = subparsers.add_parser(
        "blob", parents=shared, help="download a blob, verified against its digest"
    )
    blob.add_argument("name", help="NAME@DIGEST")
    blob.add_argument("-o", "--output", required=True, metavar="FILE",
                      help="where to write it; - for standard output")
    blob.set_defaults(run=_cmd_blob)

    copy = subparsers.add_parser(
        "copy", parents=shared,
        help="copy an image or a whole index (every platform) to another repository",
    )
    copy.add_argument("source", help="NAME[:TAG|@DIGEST] to copy")
    copy.add_argument("destination", help="NAME[:TAG] to copy to (default: the source's tag)")
    copy.epilog = ("-u/--password-stdin give credentials for the destination registry; the "
                   "source's come from the credential plugins (the Docker config)")
    copy.add_argument("--jobs", type=int, default=4, metavar="N",
                      help="blobs to move at once (default 4)")
    copy.set_defaults(run=_cmd_copy)
