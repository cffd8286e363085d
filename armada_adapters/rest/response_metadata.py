"""Outgoing `Grpc-Metadata-<Name>` headers on every answer of an API route.

Armada's gateway copies the gRPC response headers of the call it made into the HTTP
response with that prefix (armada-api.md §9.3). Our gRPC adapter sends as metadata
the request id (`x-request-id`, in the trailers of every call) and armada_auth's
`www-authenticate` values (a refusal's challenges, or the SPNEGO mutual token), so
an API route answers with `Grpc-Metadata-X-Request-Id` and one
`Grpc-Metadata-Www-Authenticate` per `WWW-Authenticate`, on successes, errors and
streams alike. The plain headers stay as they are. (gRPC trailers would be
`Grpc-Trailer-` headers behind the gateway, and only for clients sending
`TE: trailers`; HTTP/1.1 clients do not read trailers, so REST sends everything as
headers.)

It wraps each API route, outside authentication and the deadline check, so their
refusals get the headers too; /health, the swagger paths, 404 and 405 (where the
gateway makes no gRPC call) get none.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from armada_adapters.rest.metadata import metadata_headers
from armada_adapters.rest.request_id import request_id_of


class ResponseMetadataMiddleware:
    """Add the `Grpc-Metadata-` copies of the response metadata to the response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_metadata(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                message["headers"] = headers + metadata_headers(headers, request_id_of(scope))
            await send(message)

        await self.app(scope, receive, send_with_metadata)
