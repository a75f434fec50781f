"""The credential the tests exchange, given as any credential plugin would give it."""

from __future__ import annotations

from registry_core.hookspecs import hookimpl
from registry_core.types import AuthConfig

SECRET = "xchg-s3cret-credential"


class Credentials:
    """The credential to exchange, for one registry: what any credential plugin would give."""

    def __init__(self, registry: str, password: str = SECRET) -> None:
        self.registry, self.password = registry, password

    @hookimpl
    def registry_credentials(self, registry: str) -> AuthConfig | None:
        if registry != self.registry:
            return None
        return AuthConfig(username="ci", password=self.password)
