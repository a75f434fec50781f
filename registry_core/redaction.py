"""Keeping a URL's password out of messages, for text that may not even parse as a URL.

:func:`registry_core.transport.redact_url` redacts one URL for logs; this module serves the
configuration errors, which quote what the user wrote, as the reference quotes it, and must
do so for input that is not a valid URL at all (``https://bob:SECRET@[::1/``).
"""

from __future__ import annotations

import re

__all__ = ["MASK", "mask_userinfo"]

#: What a password is replaced with: the reference's own mask (``ValidateMirror``).
MASK = "xxxxx"

# ``//``, then an authority (up to the first ``/``, ``?``, ``#``, quote or space) that holds an
# ``@``; greedy, so the userinfo runs to the last ``@`` of the authority, as Go's url.Parse
# splits it.
_AUTHORITY_WITH_USERINFO = re.compile(r"//(?P<userinfo>[^/?#\s\"'<>]*)@")


def mask_userinfo(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` in it replaced by
    :data:`MASK`; the user name stays, as in the reference's message (``u:xxxxx@m``).

    Works on any text, URL or not, so it can be applied to a message as a whole.
    """

    def mask(match: re.Match[str]) -> str:
        user, colon, _ = match.group("userinfo").partition(":")
        return f"//{user}{':' + MASK if colon else ''}@"

    return _AUTHORITY_WITH_USERINFO.sub(mask, text)
