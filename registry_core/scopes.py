"""Token scopes, written as distribution's ``RepositoryScope`` and ``RegistryScope``."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "registry_scope",
    "repository_scope",
]

def repository_scope(path: str, actions: Iterable[str], class_: str = "") -> str:
    """A repository scope, as distribution's ``RepositoryScope.String()``.

    A class other than ``""`` or ``image`` is written into the type:
    ``repository(plugin):name:pull``.
    """
    kind = "repository" if class_ in ("", "image") else f"repository({class_})"
    return f"{kind}:{path}:{','.join(actions)}"


def registry_scope(name: str, actions: Iterable[str]) -> str:
    """A registry scope such as ``registry:catalog:*`` (distribution's ``RegistryScope``)."""
    return f"registry:{name}:{','.join(actions)}"
