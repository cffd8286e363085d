"""Request ids (decision 14): keep the client's `x-request-id` or make one.

The client's id is its `x-request-id` header or, without one, its
`Grpc-Metadata-X-Request-Id` header, which grpc-gateway turns into the same metadata
(precedence: `metadata.metadata_value`). The id goes into
`scope["state"]["request_id"]`, back out as the `x-request-id` response header of
every answer, into the log, and at the front of error messages as Armada words
them: `[x-request-id: "<id>"] <message>`.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from armada_adapters.rest.metadata import metadata_value
from armada_adapters.wire.request_ids import REQUEST_ID_KEY as HEADER
from armada_adapters.wire.request_ids import prefixed
from armada_adapters.wire.request_ids import request_id_from as incoming_request_id

__all__ = ["HEADER", "RequestIdMiddleware", "incoming_request_id", "prefixed", "request_id_of"]

logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    """Give every HTTP request an id and return it in the response headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(metadata_value(scope["headers"], HEADER))
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), _header(request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logger.debug(
                "%s %s -> %s in %.1f ms [x-request-id: %s]",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )


def request_id_of(scope: Scope) -> str | None:
    """The id `RequestIdMiddleware` gave this request, if it ran."""
    state = scope.get("state") or {}
    value = state.get("request_id")
    return value if isinstance(value, str) else None


def _header(request_id: str) -> tuple[bytes, bytes]:
    return (HEADER.encode(), request_id.encode("ascii"))
