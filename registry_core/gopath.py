"""Go's path handling and file-error texts, for ports whose messages name files as Go does.

containerd's and containers/image's errors quote paths built by ``filepath.Join`` and errors
from ``os.ReadFile`` (``open docker.io/ca.pem: no such file or directory``,
``read docker.io: is a directory``); these helpers give the same paths and texts.
"""

from __future__ import annotations

import errno

__all__ = ["GoPathError", "go_clean", "go_errno_text", "go_join", "read_file"]


class GoPathError(OSError):
    """A file error whose ``str()`` is Go's ``*PathError`` text; ``errno`` is kept."""

    def __init__(self, text: str, code: int | None) -> None:
        super().__init__(text)
        self.errno = code

    def __str__(self) -> str:
        return str(self.args[0])


def go_clean(p: str) -> str:
    """Go ``path.Clean``: the shortest equivalent slash path."""
    if p == "":
        return "."
    rooted = p.startswith("/")
    parts: list[str] = []
    for part in p.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    out = "/".join(parts)
    if rooted:
        return "/" + out
    return out or "."


def go_join(*elems: str) -> str:
    """Go ``filepath.Join`` on Unix: the non-empty elements joined, then cleaned."""
    kept = [e for e in elems if e != ""]
    return go_clean("/".join(kept)) if kept else ""


def go_errno_text(exc: OSError) -> str:
    """The text Go's ``syscall.Errno`` has for ``exc`` (libc's, starting in lower case)."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def read_file(path: str) -> bytes:
    """Go ``os.ReadFile``.

    :raises GoPathError: with Go's text: ``open PATH: ...`` when the file cannot be opened,
        ``read PATH: is a directory`` for a directory (Go opens it, then fails to read).
    """
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except IsADirectoryError as exc:
        raise GoPathError(f"read {path}: {go_errno_text(exc)}", errno.EISDIR) from None
    except OSError as exc:
        raise GoPathError(f"open {path}: {go_errno_text(exc)}", exc.errno) from None
