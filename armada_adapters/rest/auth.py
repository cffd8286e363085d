"""Authentication for the REST API: a pure-ASGI middleware around the chain.

Not Starlette's `AuthenticationMiddleware`: that one answers failures with 400 and
cannot add headers to a successful response. This one answers 401 with the
gateway's error body `{"error", "code": 16, "message"}` and one `WWW-Authenticate`
header per challenge, 503 (`code` 14) when an identity provider failed, and on
success stores the principal in `scope["state"]["principal"]` (`request.state.principal`
in Starlette) and appends the mutual-authentication token, if any, to the response
headers. Paths in `exempt_paths` (health, swagger) pass untouched. Put CORS outside
this middleware so preflight requests are answered without credentials.

The credentials are the `Authorization` header or, without one, the
`Grpc-Metadata-Authorization` header, which grpc-gateway passes on as the same
`authorization` metadata (precedence: `metadata.metadata_value`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from armada_adapters.rest.metadata import metadata_value
from armada_adapters.wire.errors import bounded_message
from armada_auth import AuthContext, Authenticator, AuthResult
from armada_core.errors import Unauthenticated, Unavailable

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNAUTHENTICATED_CODE = 16
UNAVAILABLE_CODE = 14
INTERNAL_CODE = 13
POLICY_VIOLATION = 1008


class AuthenticationMiddleware:
    """Authenticate HTTP and WebSocket requests before they reach `app`."""

    def __init__(
        self,
        app: ASGIApp,
        authenticator: Authenticator,
        *,
        exempt_paths: Iterable[str] = ("/health", "/swagger.json", "/api/swagger.json"),
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.exempt_paths = frozenset(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] not in ("http", "websocket") or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        try:
            result = await self.authenticator.authenticate(_authorization(scope), _context(scope))
        except Exception as exc:
            await _refuse(scope, send, exc)
            return
        scope.setdefault("state", {})["principal"] = result.principal
        await self.app(scope, receive, _with_headers(send, result))


def _authorization(scope: Scope) -> str | None:
    return metadata_value(scope["headers"], "authorization")


def _context(scope: Scope) -> AuthContext:
    client = scope.get("client")
    return AuthContext(peer=str(client[0]) if client else None, transport="http")


def _with_headers(send: Send, result: AuthResult) -> Send:
    if not result.response_headers:
        return send
    extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in result.response_headers]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *extra]
        await send(message)

    return send_with_headers


async def _refuse(scope: Scope, send: Send, exc: Exception) -> None:
    status, code, message, headers = _failure(exc)
    message = bounded_message(message)
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": ""})
        return
    body = json.dumps({"error": message, "code": code, "message": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _failure(exc: Exception) -> tuple[int, int, str, tuple[tuple[str, str], ...]]:
    if isinstance(exc, Unauthenticated):
        return 401, UNAUTHENTICATED_CODE, exc.message, exc.headers
    if isinstance(exc, Unavailable):
        return 503, UNAVAILABLE_CODE, exc.message, ()
    logger.exception("authentication failed unexpectedly", exc_info=exc)
    return 500, INTERNAL_CODE, "internal error during authentication", ()
