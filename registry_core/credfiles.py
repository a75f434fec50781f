"""What the credential files share: reading a JSON object, writing it back atomically, the
base64 ``auth`` field, and :class:`CredentialSource`, which says where credentials came from.

Both the Docker CLI's ``config.json`` and the containers tools' ``auth.json`` are JSON objects
that other programs own too. registry-core edits them in place: it changes only the entries it
was asked to change and keeps every other key, and it writes a temporary file in the same
directory and renames it over the old one, so a reader never sees half a file and a crash
never leaves none. The file keeps its mode; a new one gets 0600, since it may hold passwords.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .credhelpers import CredentialHelper
from .errors import CredentialStoreError
from .types import AuthConfig

__all__ = [
    "NEW_FILE_MODE",
    "CredentialFile",
    "CredentialLookup",
    "CredentialSource",
    "decode_auth",
    "encode_auth",
    "read_json_object",
    "write_json_atomically",
]

#: The mode of a credentials file registry-core creates.
NEW_FILE_MODE = 0o600


@dataclass(frozen=True)
class CredentialSource:
    """Where a backend found (or would store) credentials, for ``resolve --explain``.

    :ivar backend: the plugin that answered, such as ``registry_core_plugins.docker_config``.
    :ivar path: the file it read, or ``""``.
    :ivar key: the entry's key in that file, or ``""``.
    :ivar helper: the credential helper program asked, or ``""``.
    :ivar reason: why this source, in a few words.
    """

    backend: str
    path: str = ""
    key: str = ""
    helper: str = ""
    reason: str = ""

    def describe(self) -> str:
        parts = [self.backend]
        if self.path:
            parts.append(f"file {self.path}")
        if self.key:
            parts.append(f"key {self.key!r}")
        if self.helper:
            parts.append(f"helper {self.helper}")
        text = ", ".join(parts)
        return f"{text}: {self.reason}" if self.reason else text


@dataclass(frozen=True)
class CredentialLookup:
    """A backend's answer for one registry: the credentials (``None`` when it has none) and
    where they came from, or where they were looked for."""

    auth_config: AuthConfig | None
    source: CredentialSource


class CredentialFile:
    """One credentials file (``config.json``, ``auth.json``), read when made.

    :param path: the file; it need not exist.
    :param helper_factory: makes a :class:`~registry_core.credhelpers.CredentialHelper` from
        a helper name; tests and programs pass one with other timeout or cache settings.
    :raises CredentialStoreError: the file exists but is not a JSON object.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        helper_factory: type[CredentialHelper] = CredentialHelper,
    ) -> None:
        self.path = Path(path)
        self.helper_factory = helper_factory
        self.exists = self.path.exists()
        self.data: dict[str, Any] = read_json_object(self.path) or {}

    def _section(self, name: str) -> dict[str, Any]:
        """The top-level object ``name`` (``auths``, ``credHelpers``); empty when absent."""
        value = self.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise CredentialStoreError(f"{name!r} in {self.path} must be a JSON object")
        return value

    def _decode_entry_auth(self, key: str, value: str) -> tuple[str, str]:
        """``(username, password)`` from the ``auth`` field of the ``auths`` entry ``key``."""
        return decode_auth(value, f"auths[{key!r}] in {self.path}")

    def _kept_entry(self, key: str, owned: Collection[str]) -> dict[str, Any]:
        """A new ``auths`` entry for ``key`` holding what the old one had beyond the fields
        ``owned`` (the ones the caller is about to write): other programs' fields stay."""
        previous = self._section("auths").get(key)
        return {
            name: value
            for name, value in (previous.items() if isinstance(previous, dict) else ())
            if name not in owned
        }

    def _put_entry(self, key: str, entry: dict[str, Any]) -> None:
        """Set the ``auths`` entry ``key`` and write the file (:meth:`save`)."""
        auths = self._section("auths")
        auths[key] = entry
        self.data["auths"] = auths
        self.save()

    def save(self) -> None:
        """Write the file back, atomically (:func:`write_json_atomically`).

        :raises CredentialStoreError: the file cannot be written.
        """
        write_json_atomically(self.path, self.data)
        self.exists = True


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The file's JSON object; ``None`` when the file does not exist.

    :raises CredentialStoreError: the file cannot be read, or is not a JSON object.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialStoreError(f"cannot read {path}: {exc}") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        # The position only: the text may hold secrets.
        raise CredentialStoreError(
            f"{path} is not valid JSON (line {getattr(exc, 'lineno', '?')}); fix or remove it"
        ) from None
    if not isinstance(data, dict):
        raise CredentialStoreError(f"{path} must hold a JSON object, not {type(data).__name__}")
    return data


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A symbolic link is followed, so the link stays and its target is replaced. The file
    keeps its mode; a new file gets :data:`NEW_FILE_MODE`, and its directory is made (0700).

    :raises CredentialStoreError: the file cannot be written.
    """
    target = Path(os.path.realpath(path))
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = NEW_FILE_MODE
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), mode)
                json.dump(data, handle, indent="\t")
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            with _ignore_missing():
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise CredentialStoreError(f"cannot write {path}: {exc.strerror or exc}") from None


class _ignore_missing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, value: object, traceback: object) -> bool:
        return isinstance(value, FileNotFoundError)


def encode_auth(username: str, password: str) -> str:
    """The ``auth`` field: base64 of ``username:password``; ``""`` when both are empty (as
    the Docker CLI's ``encodeAuth``)."""
    if not username and not password:
        return ""
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def decode_auth(value: str, where: str) -> tuple[str, str]:
    """``(username, password)`` from an ``auth`` field; ``("", "")`` for an empty one.

    :param where: names the entry in an error (``key 'x' in FILE``).
    :raises CredentialStoreError: the value is not base64 of ``user:password`` (the Docker
        CLI's "Invalid auth configuration file"). The value is never quoted.
    """
    if not value:
        return "", ""
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise CredentialStoreError(
            f"the auth value of {where} is not base64; log in again or remove the entry"
        ) from None
    username, colon, password = decoded.partition(":")
    if not colon:
        raise CredentialStoreError(
            f"the auth value of {where} is not base64 of user:password; log in again or "
            "remove the entry"
        )
    return username, password.strip("\x00")
