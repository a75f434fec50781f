"""Go's ``path`` handling and file-error texts, for ports whose answers name paths as Go does.

tarsum cleans and joins tar member names (bytes) as Go's ``path`` package does; containerd's
and containers/image's errors quote paths built by ``filepath.Join`` and errors from
``os.ReadFile`` (``open docker.io/ca.pem: no such file or directory``, ``read docker.io: is a
directory``). One lexical implementation serves both, on ``str`` or ``bytes``.
"""

from __future__ import annotations

import errno
from typing import AnyStr

from .safefile import read_small_file

__all__ = [
    "MAX_CONFIG_FILE_SIZE",
    "GoPathError",
    "go_clean",
    "go_errno_text",
    "go_join",
    "go_split",
    "read_file",
]


#: The most a configuration file (hosts.toml, registries.conf, a CA or key file) may hold.
MAX_CONFIG_FILE_SIZE = 4 << 20


class GoPathError(OSError):
    """A file error whose ``str()`` is Go's ``*PathError`` text; ``errno`` is kept."""

    def __init__(self, text: str, code: int | None) -> None:
        super().__init__(text)
        self.errno = code

    def __str__(self) -> str:
        return str(self.args[0])


def go_clean(path: AnyStr) -> AnyStr:
    """Go's ``path.Clean``: the shortest equivalent slash path, lexically."""
    slash, dot, dotdot = (b"/", b".", b"..") if isinstance(path, bytes) else ("/", ".", "..")
    if not path:
        return dot
    rooted = path.startswith(slash)
    parts: list[AnyStr] = []
    for part in path.split(slash):
        if part in (slash[:0], dot):
            continue
        if part == dotdot:
            if parts and parts[-1] != dotdot:
                parts.pop()
            elif not rooted:
                parts.append(part)
            continue
        parts.append(part)
    cleaned = slash.join(parts)
    if rooted:
        return slash + cleaned
    return cleaned or dot


def go_join(first: AnyStr, *rest: AnyStr) -> AnyStr:
    """Go's ``path.Join`` (and ``filepath.Join`` on Unix): the non-empty elements joined with
    ``/``, then cleaned; empty when every element is."""
    kept = [element for element in (first, *rest) if element]
    if not kept:
        return first[:0]
    slash = b"/" if isinstance(first, bytes) else "/"
    return go_clean(slash.join(kept))  # type: ignore[arg-type]


def go_split(path: AnyStr) -> tuple[AnyStr, AnyStr]:
    """Go's ``path.Split``: everything up to and including the last ``/``, and the rest."""
    index = path.rfind(b"/" if isinstance(path, bytes) else "/")
    return path[: index + 1], path[index + 1 :]


def go_errno_text(exc: OSError) -> str:
    """The text Go's ``syscall.Errno`` has for ``exc`` (libc's, starting in lower case)."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def read_file(path: str, limit: int = MAX_CONFIG_FILE_SIZE) -> bytes:
    """Go's ``os.ReadFile``, read as :func:`registry_core.safefile.read_small_file` reads:
    a FIFO, a device or a file longer than ``limit`` is refused instead of hanging or filling
    memory (beyond Go, whose ``os.ReadFile`` would block or read on).

    :raises GoPathError: with Go's text: ``open PATH: ...`` when the file cannot be opened
        (or is refused), ``read PATH: is a directory`` for a directory (Go opens it, then
        fails to read).
    """
    try:
        return read_small_file(path, limit)
    except OSError as exc:
        verb = "read" if exc.errno == errno.EISDIR else "open"
        raise GoPathError(f"{verb} {path}: {go_errno_text(exc)}", exc.errno) from None
