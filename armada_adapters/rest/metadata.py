"""gRPC metadata as grpc-gateway carries it in HTTP headers (armada-api.md §9.3).

Incoming, the gateway turns `Grpc-Metadata-<K>` into the metadata `<k>` of the gRPC
call, and passes `Authorization` on as `authorization`. REST here calls the core
directly, with no gRPC hop, so only the metadata that means something to us is
read: `authorization` (authentication) and `x-request-id` (decision 14).

When a request sends both the plain header and its `Grpc-Metadata-` form, the
gateway passes both values and which one the server reads depends on Go's map
order. Here the plain header wins, always: it is the one proxies and HTTP clients
manage (a proxy that sets `Authorization` cannot be overridden by a caller-supplied
`Grpc-Metadata-Authorization`), and the answer never depends on chance. The
`Grpc-Metadata-` form counts only when the plain header is absent; an empty plain
header is present.

Outgoing, the gateway copies every gRPC response header as `Grpc-Metadata-<Name>`:
`metadata_headers` names those copies for a response (see
`response_metadata.ResponseMetadataMiddleware`).
"""

from __future__ import annotations

from collections.abc import Iterable

Header = tuple[bytes, bytes]

PREFIX = b"grpc-metadata-"

# Response headers that are gRPC metadata on the same call over gRPC: armada_auth's
# `www-authenticate` (a refusal's challenges; the SPNEGO mutual-authentication
# token of a success). The request id is added from the request itself, because
# `RequestIdMiddleware` writes its `x-request-id` header further out.
METADATA_RESPONSE_HEADERS = frozenset({b"www-authenticate"})
REQUEST_ID = b"x-request-id"


def metadata_value(headers: Iterable[Header], key: str) -> str | None:
    """Metadata `key` (lower case) of a request: the plain header, else `Grpc-Metadata-<key>`.

    The first value of the winning header; None when neither is sent.
    """
    plain = key.encode("latin-1")
    prefixed = PREFIX + plain
    fallback: str | None = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == plain:
            return value.decode("latin-1")
        if lowered == prefixed and fallback is None:
            fallback = value.decode("latin-1")
    return fallback


def metadata_headers(headers: Iterable[Header], request_id: str | None) -> list[Header]:
    """The `Grpc-Metadata-` copies of a response's metadata, to add to `headers`."""
    copies = [(PREFIX + REQUEST_ID, request_id.encode("latin-1"))] if request_id else []
    for name, value in headers:
        lowered = name.lower()
        if lowered in METADATA_RESPONSE_HEADERS:
            copies.append((PREFIX + lowered, value))
    return copies
