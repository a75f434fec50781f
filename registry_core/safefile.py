"""Reading small configuration files that a hostile or broken system may have replaced.

certs.d and daemon.json are read from places other programs write to. A plain
``open(path).read()`` hangs forever on a FIFO (``open`` waits for a writer), reads until
:class:`MemoryError` from ``/dev/zero``, and may block on a device or a terminal. Go's
``os.ReadFile`` has the same faults; we do not copy them. :func:`read_small_file` opens
without blocking, refuses anything but a regular file, and reads at most a cap.

It raises :class:`OSError` (with ``errno`` and a ``strerror`` that says what was wrong), so
callers keep one ``except OSError`` clause and wrap it in their own typed error, naming the
file as they already do.
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["read_small_file", "file_kind"]

#: Flags that keep ``open`` from blocking (FIFO without writer) or taking a terminal.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)


def file_kind(mode: int) -> str:
    """A word for what a non-regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse(path: str, mode: int) -> OSError:
    if stat.S_ISDIR(mode):  # the system's own words, as reading a directory would give
        return OSError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    return OSError(errno.EINVAL, f"{file_kind(mode)}, not a regular file", path)


def read_small_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file at ``path``, which must not be longer than ``limit``.

    Symbolic links are followed (certs.d trees are often links into a secrets mount); a loop
    ends in ``ELOOP``. The file is checked before it is opened, so a device is never opened,
    and again after, on the open descriptor, so a swap in between is caught. One descriptor is
    read from start to end: a file replaced by a rename while it is read is read whole, as it
    was; a file truncated or rewritten in place gives what it held when read, which the
    caller's parser then judges.

    :raises OSError: the file is missing or unreadable (the system's error), is not a regular
        file (``EISDIR``, or ``EINVAL`` with "a FIFO, not a regular file"), or is longer than
        ``limit`` bytes (``EFBIG``). A path that the file system cannot encode (a lone
        surrogate, NUL) raises ``EINVAL`` too, never :class:`ValueError`.
    """
    name = os.fspath(path)
    try:
        before = os.stat(name)
        if not stat.S_ISREG(before.st_mode):
            raise _refuse(name, before.st_mode)
        descriptor = os.open(name, _OPEN_FLAGS)
    except (ValueError, UnicodeError) as exc:  # NUL in the path, unencodable characters
        raise OSError(errno.EINVAL, f"path cannot be used: {type(exc).__name__}", name) from None
    with os.fdopen(descriptor, "rb") as handle:
        after = os.fstat(descriptor)
        if not stat.S_ISREG(after.st_mode):
            raise _refuse(name, after.st_mode)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than the {limit} bytes allowed", name)
    return data
