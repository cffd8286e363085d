"""Anonymous authentication: every request is the fixed `anonymous` principal.

Enabled by `auth.anonymousAuth: true`. It ignores the header, so it runs last: a
request with a wrong password or a bad token still fails in an earlier backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from armada_auth.base import AuthContext, AuthResult
from armada_auth.config import ConfigError
from armada_config.policy import read_value
from armada_core.principal import ANONYMOUS


class AnonymousBackend:
    """Accepts every request as `anonymous` (groups: `everyone`)."""

    name = "Anonymous"
    order = 90

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        """Always succeed."""
        return AuthResult(ANONYMOUS)


def from_config(section: Any, auth_config: Mapping[str, Any]) -> AnonymousBackend | None:
    """Factory for the `anonymousAuth` key."""
    enabled = section is not None and read_value(
        bool, section, "auth.anonymousAuth", error=ConfigError
    )
    return AnonymousBackend() if enabled else None
