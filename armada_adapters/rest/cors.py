"""CORS exactly as Armada's gateway does it (armada-api.md §9.6).

Only a request whose `Origin` is one of the configured origins is touched: its
response gets `Access-Control-Allow-Origin: <origin>` and
`Access-Control-Allow-Credentials: true`, and a preflight (`OPTIONS` with
`Access-Control-Request-Method`) is answered at once with 200 and the fixed
allow-lists. Any other request, preflights from other origins included, passes
through untouched (and usually ends as 404/405). Not Starlette's `CORSMiddleware`,
which rejects preflights of unknown origins with 400.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOW_HEADERS = "Content-Type,Accept,Authorization"
ALLOW_METHODS = "GET,HEAD,POST,PUT,DELETE"


class CorsMiddleware:
    """Add CORS headers for `allowed_origins`; answer their preflights."""

    def __init__(
        self, app: ASGIApp, allowed_origins: Iterable[str], exempt_paths: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.allowed_origins = frozenset(allowed_origins)
        self.exempt_paths = frozenset(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http" or _route_path(scope) in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin not in self.allowed_origins:
            await self.app(scope, receive, send)
            return
        allow = _allow_origin(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await _preflight(send, allow)
            return
        await self.app(scope, receive, _adding(send, allow))


def _route_path(scope: Scope) -> str:
    # Mounted in another app, `path` still starts with the mount's `root_path`.
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _allow_origin(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-credentials", b"true"),
    ]


async def _preflight(send: Send, allow: list[tuple[bytes, bytes]]) -> None:
    headers = [
        *allow,
        (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
        (b"access-control-allow-methods", ALLOW_METHODS.encode()),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _adding(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *extra]
        await send(message)

    return send_with_headers
