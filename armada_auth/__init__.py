"""Protocol-neutral authentication for armada-py.

`build_authenticator(auth_config)` turns the `auth:` configuration into an
`Authenticator`; transports call `authenticate(authorization, AuthContext(...))` and
translate its result or its core errors (`Unauthenticated`, `Unavailable`).
Backends are plugins of the entry-point group `armada.auth` (see `registry`).
"""

from __future__ import annotations

from armada_auth.base import (
    AuthBackend,
    AuthContext,
    AuthResult,
    AuthServiceUnavailable,
    Factory,
    InvalidCredentials,
    MissingCredentials,
    SupportsLifecycle,
)
from armada_auth.chain import Authenticator
from armada_auth.config import ConfigError
from armada_auth.registry import build_authenticator

__all__ = [
    "AuthBackend",
    "AuthContext",
    "AuthResult",
    "AuthServiceUnavailable",
    "Authenticator",
    "ConfigError",
    "Factory",
    "InvalidCredentials",
    "MissingCredentials",
    "SupportsLifecycle",
    "build_authenticator",
]
