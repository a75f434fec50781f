"""Keeping secrets out of messages and logs: URLs without user info or query, passwords masked
in what a user wrote (even where it does not parse as a URL), and texts with every encoded form
of a secret replaced.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

from .gocompat import go_quote, time_quote

__all__ = [
    "MASK",
    "authorization_secrets",
    "mask_userinfo",
    "redact",
    "redact_url",
]

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+")

#: How many characters of an unreadable token body an error may quote.
_SAMPLE_CHARS = 40
#: Runs that look like tokens or encoded secrets; never quoted.
_SECRET_LIKE = re.compile(r"[A-Za-z0-9+/=_.~-]{16,}")


#: What a password is replaced with in configuration errors: the reference's own mask
#: (``ValidateMirror``).
MASK = "xxxxx"

# ``//``, then an authority (up to the first ``/``, ``?``, ``#``, quote or space) that holds an
# ``@``; greedy, so the userinfo runs to the last ``@`` of the authority, as Go's url.Parse
# splits it.
_AUTHORITY_WITH_USERINFO = re.compile(r"//(?P<userinfo>[^/?#\s\"'<>]*)@")


def mask_userinfo(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` in it replaced by
    :data:`MASK`; the user name stays, as in the reference's message (``u:xxxxx@m``).

    Configuration errors quote what the user wrote, as the reference quotes it, and must keep
    the password out even for input that is not a valid URL (``https://bob:SECRET@[::1/``),
    so this works on any text, URL or not, and can be applied to a message as a whole.
    """

    def mask(match: re.Match[str]) -> str:
        user, colon, _ = match.group("userinfo").partition(":")
        return f"//{user}{':' + MASK if colon else ''}@"

    return _AUTHORITY_WITH_USERINFO.sub(mask, text)


def redact_url(url: str) -> str:
    """``url`` for messages and logs: user info replaced by ``***``, query cut to ``?...``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        text, query, _ = url.partition("#")[0].partition("?")
        return _USERINFO.sub(r"\g<scheme>***@", text) + ("?..." if query else "")
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = "..." if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _quoted_forms(secret: str) -> set[str]:
    """How ``secret`` looks once escaped inside a quoted string: JSON-escaped (as a server
    echoing it in a JSON body writes it), Go-``%q``-quoted or quoted as Go's ``time``
    package quotes (as our messages quote what a server sent, Go's way), and both in turn."""
    forms = {secret}
    forms.update(json.dumps(secret, ensure_ascii=ascii_only)[1:-1] for ascii_only in (True, False))
    for form in list(forms):
        forms.add(go_quote(form)[1:-1])
        forms.add(time_quote(form.encode("utf-8", "surrogatepass"))[1:-1])
    forms.add(repr(secret)[1:-1])
    return forms


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret, and its encoded forms, replaced by ``[redacted]``.

    The forms are the secret itself, its standard and URL-safe base64 (with and without
    padding: a basic-auth header), its URL-encoded forms (``quote_plus`` as in a form body or
    query, ``quote`` with and without ``/`` kept; percent escapes in any case), and its
    escaped forms inside quoted strings (JSON, Go's ``%q``, Python's ``repr``). For messages
    and logs that must quote something a server sent back: a hostile or broken server may
    echo the credentials it was given. Secrets shorter than four characters are not
    searched for: they would blank out ordinary words.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        # "surrogatepass": a secret read with surrogateescape (a non-UTF-8 byte under a C
        # locale) must be redacted too, not make redaction itself fail.
        raw = secret.encode("utf-8", "surrogatepass")
        forms = _quoted_forms(secret)
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            forms.update((encoded.decode("ascii"), encoded.decode("ascii").rstrip("=")))
        escaped = {
            quote_plus(secret, errors="surrogatepass"),
            quote(secret, safe="", errors="surrogatepass"),
            quote(secret, errors="surrogatepass"),
        } - {secret}
        for form in sorted(forms, key=len, reverse=True):
            if len(form) >= 4:
                text = text.replace(form, "[redacted]")
        for form in sorted(escaped, key=len, reverse=True):
            if len(form) >= 4:
                text = re.sub(re.escape(form), "[redacted]", text, flags=re.IGNORECASE)
    return text


def _sample(body: bytes, secrets: Iterable[str]) -> str:
    """A short quotable sample of ``body`` with secrets and secret-like runs removed."""
    text = redact(body.decode("utf-8", errors="surrogateescape"), secrets)
    text = _SECRET_LIKE.sub("[redacted]", text[:_SAMPLE_CHARS])
    text += "..." if len(body) > _SAMPLE_CHARS else ""
    # Quoted as Go's %q quotes the body, bytes that are not UTF-8 included.
    return go_quote(text.encode("utf-8", errors="surrogateescape"))


def authorization_secrets(value: str | bytes | None) -> list[str]:
    """The secrets an ``Authorization`` value carries, for :func:`redact`: a bearer (or v1
    ``Token``) token; for basic auth the password and the ``user:password`` pair."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    scheme, _, credentials = (value or "").strip().partition(" ")
    credentials = credentials.strip()
    if not credentials:
        return []
    if scheme.lower() != "basic":
        return [credentials]
    try:
        pair = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return [credentials]
    return [pair, pair.partition(":")[2]]
