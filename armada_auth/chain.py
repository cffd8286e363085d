"""The chain of backends, run in `order` exactly as Armada's multi-auth service does.

For each backend: a result ends the chain; `MissingCredentials` moves on; an
`Unauthenticated` (invalid credentials) or `Unavailable` stops the chain at once,
later backends (Anonymous included) are not tried. When every backend reports
missing credentials the call fails with Armada's generic message, carrying the
challenge headers every backend offered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from armada_auth.base import AuthBackend, AuthContext, AuthResult, Headers, MissingCredentials
from armada_core.errors import Unauthenticated

logger = logging.getLogger(__name__)

NO_SCHEME_MESSAGE = (
    "Request could not be authenticated: "
    "Request could not be authenticated with any of the supported schemes."
)


class Authenticator:
    """Authenticates one request against the configured backends.

    Built by `armada_auth.build_authenticator`; the transports call `authenticate`
    with the first `authorization` value (or None) and translate its errors.
    """

    def __init__(self, backends: Sequence[AuthBackend]) -> None:
        self._backends = tuple(sorted(backends, key=lambda b: b.order))

    @property
    def backends(self) -> tuple[AuthBackend, ...]:
        """The backends in the order they run."""
        return self._backends

    async def authenticate(self, authorization: str | None, ctx: AuthContext) -> AuthResult:
        """Return the first backend's result, or raise core `Unauthenticated`/`Unavailable`."""
        challenges: list[tuple[str, str]] = []
        for backend in self._backends:
            try:
                result = await backend.authenticate(authorization, ctx)
            except MissingCredentials as missing:
                challenges.extend(missing.headers)
                continue
            except Unauthenticated as exc:
                logger.info("authentication failed (%s, peer %s): %s", backend.name, ctx.peer, exc)
                raise
            logger.debug("authenticated %s via %s", result.principal.name, backend.name)
            return result
        raise Unauthenticated(NO_SCHEME_MESSAGE, _unique(challenges))

    async def aclose(self) -> None:
        """Release backend resources (HTTP clients); safe to call twice."""
        await close_backends(self._backends)


async def close_backends(backends: Sequence[AuthBackend]) -> None:
    """Call `aclose` on every backend that has one, logging (not raising) failures."""
    for backend in backends:
        aclose = getattr(backend, "aclose", None)
        if callable(aclose):
            try:
                await aclose()
            except Exception:
                logger.warning("closing auth backend %s failed", backend.name, exc_info=True)


def _unique(headers: list[tuple[str, str]]) -> Headers:
    return tuple(dict.fromkeys(headers))
