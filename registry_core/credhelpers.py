"""Credential helpers: the ``docker-credential-<name>`` protocol, as the Docker CLI speaks it.

A helper is a program on ``PATH`` named ``docker-credential-<name>`` (``pass``,
``secretservice``, ``osxkeychain``, ``ecr-login``, ...), run once per operation with one
argument:

``get``
    the server URL on stdin; ``{"ServerURL", "Username", "Secret"}`` on stdout.
``store``
    that JSON object on stdin; nothing on stdout.
``erase``
    the server URL on stdin.
``list``
    nothing on stdin; ``{server URL: user name}`` on stdout.

A failure is an exit status other than 0 with its message on stdout;
``credentials not found in native keychain`` is not a failure but "no credentials". The user
name ``<token>`` marks the secret as an identity token (a refresh token for the token server)
rather than a password.

Beyond the Docker CLI, which waits for a helper forever and turns a helper's garbage into a
JSON decoding error: every failure here is a :class:`~registry_core.errors.CredentialHelperError`
naming the helper, a helper that does not answer within :func:`helper_timeout` seconds is
killed (with everything it started), and a ``get`` answer is cached for
:func:`helper_cache_seconds` seconds, so the dozens of sessions of one pull do not start a
helper (and perhaps a GnuPG prompt) each. Nothing is ever treated as "no credentials, try
anonymously" unless the helper said so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any

from .errors import CredentialHelperError
from .types import AuthConfig

__all__ = [
    "CACHE_ENV",
    "HELPER_PREFIX",
    "NOT_FOUND_MESSAGE",
    "TIMEOUT_ENV",
    "TOKEN_USERNAME",
    "CredentialHelper",
    "HelperAnswerCache",
    "HelperCredentials",
    "default_cache",
    "helper_cache_seconds",
    "helper_timeout",
]

#: The prefix of every helper program's name.
HELPER_PREFIX = "docker-credential-"
#: What a helper prints when it has no credentials for a server (docker-credential-helpers'
#: ``errCredentialsNotFoundMessage``).
NOT_FOUND_MESSAGE = "credentials not found in native keychain"
#: The user name that marks the secret as an identity token (the Docker CLI's
#: ``tokenUsername``).
TOKEN_USERNAME = "<token>"
#: Seconds a helper may take before it is killed; default :data:`DEFAULT_TIMEOUT`.
TIMEOUT_ENV = "REGISTRY_CORE_CREDENTIAL_HELPER_TIMEOUT"
#: Seconds a ``get`` answer is reused; ``0`` turns the cache off. Default
#: :data:`DEFAULT_CACHE_SECONDS`.
CACHE_ENV = "REGISTRY_CORE_CREDENTIAL_HELPER_CACHE"
#: A helper that shows a GnuPG or keychain prompt needs time for a person to answer it.
DEFAULT_TIMEOUT = 60.0
DEFAULT_CACHE_SECONDS = 30.0
#: The most of a helper's output that is read into an error message.
_MESSAGE_LIMIT = 300


def _seconds_from_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise CredentialHelperError(
            "(settings)", f"${name} must be a number of seconds, not {raw!r}"
        ) from None
    if value < 0 or value != value:
        raise CredentialHelperError("(settings)", f"${name} must not be negative, not {raw!r}")
    return value


def helper_timeout() -> float:
    """Seconds a helper may take: ``$REGISTRY_CORE_CREDENTIAL_HELPER_TIMEOUT``, default 60."""
    return _seconds_from_env(TIMEOUT_ENV, DEFAULT_TIMEOUT)


def helper_cache_seconds() -> float:
    """Seconds a ``get`` answer is reused: ``$REGISTRY_CORE_CREDENTIAL_HELPER_CACHE``,
    default 30; 0 asks the helper every time."""
    return _seconds_from_env(CACHE_ENV, DEFAULT_CACHE_SECONDS)


@dataclass(frozen=True)
class HelperCredentials:
    """What a helper's ``get`` answered. ``secret`` is an identity token when
    :attr:`is_identity_token`, else a password; it is left out of ``repr()``."""

    server_url: str
    username: str
    secret: str = ""

    @property
    def is_identity_token(self) -> bool:
        return self.username == TOKEN_USERNAME

    def auth_config(self, server_address: str) -> AuthConfig:
        """The answer as an ``AuthConfig``: an identity token, else a user name and password."""
        if self.is_identity_token:
            return AuthConfig(identity_token=self.secret, server_address=server_address)
        return AuthConfig(username=self.username, password=self.secret,
                          server_address=server_address)

    def __repr__(self) -> str:
        return f"HelperCredentials(server_url={self.server_url!r}, username={self.username!r})"


_CacheKey = tuple[str, str, str]


class HelperAnswerCache:
    """``get`` answers (``None`` for "not found" included), kept for a few seconds.

    The key is the helper's resolved program path, the server URL and a digest of the
    environment the helper runs in: one program with one input in one environment answers
    the same, while a test or a program that changes ``HOME`` or ``PASSWORD_STORE_DIR`` gets
    a fresh answer. ``store`` and ``erase`` drop the server's entries.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[_CacheKey, tuple[float, HelperCredentials | None]] = {}

    def get(self, key: _CacheKey, ttl: float) -> tuple[bool, HelperCredentials | None]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            stored_at, answer = entry
            if time.monotonic() - stored_at >= ttl:
                del self._entries[key]
                return False, None
            return True, answer

    def put(self, key: _CacheKey, answer: HelperCredentials | None) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), answer)

    def forget(self, program: str, server_url: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == program and k[1] == server_url]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_default_cache: HelperAnswerCache | None = None
_default_cache_lock = threading.Lock()


def default_cache() -> HelperAnswerCache:
    """The process's cache of helper answers, made on first use (never at import)."""
    global _default_cache
    with _default_cache_lock:
        if _default_cache is None:
            _default_cache = HelperAnswerCache()
        return _default_cache


def _environment_digest() -> str:
    items = sorted(os.environ.items())
    return hashlib.sha256(repr(items).encode("utf-8", "surrogateescape")).hexdigest()


def _clip(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + "..."


class CredentialHelper:
    """One ``docker-credential-<name>`` program.

    :param name: the part after ``docker-credential-`` (what ``credsStore`` and
        ``credHelpers`` hold), such as ``pass``.
    :param timeout: seconds each run may take; default :func:`helper_timeout`.
    :param cache: where ``get`` answers are kept; default :func:`default_cache`. ``cache_seconds``
        (default :func:`helper_cache_seconds`) says for how long; 0 turns caching off.
    """

    def __init__(
        self,
        name: str,
        *,
        timeout: float | None = None,
        cache: HelperAnswerCache | None = None,
        cache_seconds: float | None = None,
    ) -> None:
        if not name or "/" in name or name.strip() != name:
            raise CredentialHelperError(
                HELPER_PREFIX + name, "is not a valid helper name (expected e.g. 'pass')"
            )
        self.name = name
        self.program = HELPER_PREFIX + name
        self.timeout = helper_timeout() if timeout is None else timeout
        self.cache = default_cache() if cache is None else cache
        self.cache_seconds = helper_cache_seconds() if cache_seconds is None else cache_seconds

    def __repr__(self) -> str:
        return f"CredentialHelper({self.name!r})"

    def _path(self) -> str:
        path = shutil.which(self.program)
        if path is None:
            raise CredentialHelperError(
                self.program, "not found on PATH; install it, or change the configuration naming it"
            )
        return path

    def _run(self, path: str, action: str, stdin: str, secrets: tuple[str, ...] = ()) -> str:
        """Run the helper; its stdout on success. Raises on failure, timeout or a missing
        program; a "not found" answer is a failure here, which :meth:`get` tells apart."""
        try:
            process = subprocess.Popen(
                [path, action],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # so a timeout kills whatever the helper started
            )
        except OSError as exc:
            raise CredentialHelperError(self.program, f"cannot be run: {exc.strerror}") from None
        try:
            out, err = process.communicate(stdin.encode("utf-8"), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self._kill(process)
            raise CredentialHelperError(
                self.program,
                f"{action} did not answer within {self.timeout:g} seconds "
                f"(set ${TIMEOUT_ENV} to wait longer)",
            ) from None
        text = out.decode("utf-8", "replace").strip()
        if process.returncode != 0:
            if text == NOT_FOUND_MESSAGE:
                raise _NotFound()
            detail = _clip(text or err.decode("utf-8", "replace"), secrets) or "no message"
            raise CredentialHelperError(
                self.program, f"{action} failed with exit status {process.returncode}: {detail}"
            )
        return text

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
        # A grandchild outside the group may hold the pipes open: do not wait for it.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=5)

    def get(self, server_url: str) -> HelperCredentials | None:
        """The credentials the helper keeps for ``server_url``; ``None`` when it has none.

        :raises CredentialHelperError: the helper is missing, failed, answered something
            that is not credentials, or timed out.
        """
        path = self._path()
        key = (path, server_url, _environment_digest())
        if self.cache_seconds > 0:
            hit, cached = self.cache.get(key, self.cache_seconds)
            if hit:
                return cached
        try:
            text = self._run(path, "get", server_url)
        except _NotFound:
            answer = None
        else:
            answer = self._parse_get(text, server_url)
            if not answer.username and not answer.secret:
                # Some helpers (docker-credential-pass 0.6) answer an empty object, status 0,
                # for a server they do not know: that is "not found" too.
                answer = None
        if self.cache_seconds > 0:
            self.cache.put(key, answer)
        return answer

    def _parse_get(self, text: str, server_url: str) -> HelperCredentials:
        try:
            data: Any = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            # The answer is not quoted: it may hold a secret.
            raise CredentialHelperError(
                self.program, "get answered with something that is not a JSON object"
            )
        username, secret = data.get("Username", ""), data.get("Secret", "")
        if not isinstance(username, str) or not isinstance(secret, str):
            raise CredentialHelperError(
                self.program, "get answered with a Username or Secret that is not a string"
            )
        return HelperCredentials(server_url=server_url, username=username, secret=secret)

    def store(self, server_url: str, username: str, secret: str) -> None:
        """Keep ``username`` and ``secret`` for ``server_url`` (``username`` is
        :data:`TOKEN_USERNAME` for an identity token).

        :raises CredentialHelperError: the helper is missing, failed or timed out.
        """
        path = self._path()
        payload = json.dumps({"ServerURL": server_url, "Username": username, "Secret": secret})
        self.cache.forget(path, server_url)
        self._run(path, "store", payload, secrets=(secret,))

    def store_auth_config(self, server_url: str, auth_config: AuthConfig) -> None:
        """Keep ``auth_config`` for ``server_url`` as the Docker CLI does: its identity token
        under :data:`TOKEN_USERNAME` when it has one, else its user name and password.

        :raises CredentialHelperError: the helper is missing, failed or timed out.
        """
        if auth_config.identity_token:
            self.store(server_url, TOKEN_USERNAME, auth_config.identity_token)
        else:
            self.store(server_url, auth_config.username, auth_config.password)

    def erase(self, server_url: str) -> bool:
        """Forget ``server_url``'s credentials; ``False`` if the helper had none.

        :raises CredentialHelperError: the helper is missing, failed or timed out.
        """
        path = self._path()
        self.cache.forget(path, server_url)
        try:
            self._run(path, "erase", server_url)
        except _NotFound:
            return False
        return True

    def list(self) -> dict[str, str]:
        """The server URLs the helper knows, with their user names.

        :raises CredentialHelperError: the helper is missing, failed, timed out or answered
            something other than a JSON object of strings.
        """
        try:
            text = self._run(self._path(), "list", "")
        except _NotFound:
            return {}
        try:
            data: Any = json.loads(text or "{}")
        except ValueError:
            data = None
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise CredentialHelperError(
                self.program, "list answered with something that is not a JSON object of strings"
            )
        return data


class _NotFound(Exception):
    """The helper said :data:`NOT_FOUND_MESSAGE`."""
