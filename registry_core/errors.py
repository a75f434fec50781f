"""The exceptions of registry-core.

Every exception raised on purpose derives from :class:`RegistryError`, so a caller can catch
the library's failures in one clause. Errors about bad input also derive from
:class:`ValueError`. ``str(error)`` is the reference's message word for word, since users paste
those into search engines; secrets never appear in a message.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "RegistryError",
    "InvalidArgumentError",
    "InvalidReferenceError",
    "InvalidIndexNameError",
    "InvalidMirrorError",
    "InvalidRegistryOptionError",
    "InvalidRepositoryNameError",
    "InvalidServerAddressError",
    "ImageAlreadyExistsError",
    "RepositoryNotFoundError",
    "PingResponseError",
    "CertificateError",
    "TransportError",
    "AuthenticationError",
    "LoginError",
    "TokenError",
    "UntrustedRealmError",
    "FallbackError",
    "PluginError",
    "CredentialStoreError",
    "CredentialHelperError",
    "V1ResponseError",
    "AllEndpointsFailedError",
    "InvalidCredentialsError",
    "DeadlineExceededError",
    "ResponseTooLargeError",
    "ResponseCutShortError",
    "InvalidHostnameError",
]


class RegistryError(Exception):
    """Base of every error registry-core raises on purpose."""


class InvalidArgumentError(RegistryError, ValueError):
    """Bad input from the caller (Go's ``errdefs.InvalidParameter`` class of errors)."""


class InvalidReferenceError(InvalidArgumentError):
    """A reference that distribution's grammar rejects; the message is distribution's."""


class InvalidIndexNameError(InvalidArgumentError):
    """An index (registry host) name the reference rejects (``ValidateIndexName``)."""


class InvalidMirrorError(InvalidArgumentError):
    """A registry mirror URL the reference rejects (``ValidateMirror``)."""


class InvalidRegistryOptionError(InvalidArgumentError):
    """A bad ``insecure-registries`` or ``allow-nondistributable-artifacts`` entry, or a bad
    daemon.json value."""


class InvalidRepositoryNameError(InvalidArgumentError):
    """Go ``ErrInvalidRepositoryName``."""

    def __init__(
        self, message: str = 'Invalid repository name (ex: "registry.domain.tld/myrepos")'
    ) -> None:
        super().__init__(message)


class InvalidServerAddressError(InvalidArgumentError):
    """A login server address that cannot be parsed."""


class ImageAlreadyExistsError(RegistryError):
    """Go ``ErrAlreadyExists``: the image being pushed already exists on the remote side."""

    def __init__(self, message: str = "Image already exists"):
        super().__init__(message)


class RepositoryNotFoundError(RegistryError):
    """Go ``ErrRepoNotFound``."""

    def __init__(self, message: str = "Repository not found"):
        super().__init__(message)


class PingResponseError(RegistryError):
    """A ping whose response cannot be interpreted (Go ``PingResponseError``).

    The message is the wrapped error's message, as in the reference.
    """

    def __init__(self, err: BaseException | str):
        self.err = err
        super().__init__(str(err))


class CertificateError(RegistryError):
    """TLS material (certs.d, a CA, a client pair) that is missing, unreadable or broken."""


class TransportError(RegistryError):
    """A request that could not be sent or answered (connection, TLS, timeout, proxy)."""


class AuthenticationError(RegistryError):
    """The registry or its token server refused the credentials."""


class LoginError(AuthenticationError):
    """A login attempt failed; the message is the reference's."""


class TokenError(AuthenticationError):
    """A token server's answer could not be used."""


class UntrustedRealmError(AuthenticationError):
    """A registry named a token realm that credentials must not be sent to."""


class FallbackError(RegistryError):
    """An endpoint did not work in a way that allows trying the next one (Go ``fallbackError``)."""

    def __init__(self, err: BaseException | str):
        self.err = err
        super().__init__(str(err))


class PluginError(RegistryError):
    """A plugin that cannot be loaded or that answered a hook with the wrong kind of value."""


class CredentialStoreError(RegistryError):
    """A credential store (``config.json``, ``auth.json``, a credential helper) that cannot be
    read or written: a file that is not JSON, an ``auth`` value that does not decode, a write
    that failed. The message names the file or helper; never a secret."""


class CredentialHelperError(CredentialStoreError):
    """A ``docker-credential-<name>`` helper that is missing, failed, answered garbage or did
    not answer within its timeout.

    :ivar helper: the helper's program name, such as ``docker-credential-pass``.
    """

    def __init__(self, helper: str, message: str) -> None:
        self.helper = helper
        super().__init__(f"credential helper {helper}: {message}")


class V1ResponseError(RegistryError):
    """A v1 registry or index answered with a status the operation cannot use (Go's
    ``jsonmessage.JSONError`` from the v1 session): the message is the reference's, ``code``
    the HTTP status."""

    def __init__(self, message: str, code: int = 0) -> None:
        self.code = code
        super().__init__(message)


class AllEndpointsFailedError(TransportError):
    """No endpoint of a registry could be reached (its mirrors, then the registry itself).

    The message's first line is the last endpoint's error, the reference's whole message;
    when more than one endpoint was tried, the next lines say what each one answered, in
    the order tried (beyond the reference, which names only the last).

    :ivar attempts: ``(endpoint_url, is_mirror, error)`` for each endpoint tried, in order.
    """

    def __init__(self, attempts: Sequence[tuple[str, bool, RegistryError]]) -> None:
        self.attempts = tuple(attempts)
        lines = [str(self.attempts[-1][2])] if self.attempts else []
        if len(self.attempts) > 1:
            lines.append(f"all {len(self.attempts)} endpoints failed, in the order tried:")
            for url, mirror, error in self.attempts:
                what = "mirror" if mirror else "endpoint"
                lines.append(f"  {what} {url}: {error}")
        super().__init__("\n".join(lines))


class InvalidCredentialsError(InvalidArgumentError):
    """A user name, password or token that cannot be sent: it holds a lone surrogate (often a
    byte that was not UTF-8, read under a C locale) or, in a token sent as a header, a control
    character such as CR or LF. The message names the field, never its value."""


class DeadlineExceededError(TransportError):
    """A call did not finish within its overall deadline (connect, TLS, headers and body
    together); the message names the request and what it was doing when time ran out."""


class ResponseTooLargeError(TransportError):
    """A response body larger than what it may hold (a token, an error, a tag page)."""


class ResponseCutShortError(TransportError):
    """A response body that ended before it was complete (the connection closed or was
    reset mid-body)."""


class InvalidHostnameError(InvalidIndexNameError):
    """A registry host name that holds user info (``user:password@host``): refused before
    anything is resolved, with the user info masked in the message (beyond the reference,
    which resolves the whole text and builds an endpoint URL holding the password)."""
