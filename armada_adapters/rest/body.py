"""Reading a request body under the size limit, as it arrives.

The body is read chunk by chunk and refused (`MessageTooLarge`, RESOURCE_EXHAUSTED:
HTTP 429 through the gateway's table) as soon as it is over the limit, or at once
when its declared `Content-Length` is; the rest is never read, so a huge body costs
the server at most the limit in memory. No `Content-Encoding` is decoded (Armada's
gateway decodes none either): a compressed body counts as the bytes sent.
"""

from __future__ import annotations

from starlette.requests import Request

from armada_adapters.wire.limits import MessageTooLarge


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, if it holds at most `limit` bytes; else `MessageTooLarge`."""
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise MessageTooLarge(limit, declared, what="request body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise MessageTooLarge(limit, what="request body")
        chunks.append(chunk)
    return b"".join(chunks)


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() else None
