"""Go's ``path`` package (slash-separated paths), on bytes, as tarsum needs it."""

from __future__ import annotations

__all__ = ["path_clean", "path_join", "path_split"]


def path_clean(path: bytes) -> bytes:
    """Go's ``path.Clean``: the shortest equivalent path, lexically."""
    if not path:
        return b"."
    rooted = path.startswith(b"/")
    out: list[bytes] = []
    for part in path.split(b"/"):
        if part in (b"", b"."):
            continue
        if part == b"..":
            if out and out[-1] != b"..":
                out.pop()
            elif not rooted:
                out.append(part)
            continue
        out.append(part)
    cleaned = b"/".join(out)
    if rooted:
        return b"/" + cleaned
    return cleaned or b"."


def path_join(*elements: bytes) -> bytes:
    """Go's ``path.Join``: the non-empty elements joined with ``/`` and cleaned."""
    kept = [element for element in elements if element]
    if not kept:
        return b""
    return path_clean(b"/".join(kept))


def path_split(path: bytes) -> tuple[bytes, bytes]:
    """Go's ``path.Split``: everything up to and including the last ``/``, and the rest."""
    index = path.rfind(b"/")
    return path[: index + 1], path[index + 1 :]
