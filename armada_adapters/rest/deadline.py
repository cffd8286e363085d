"""`Grpc-Timeout`: the deadline grpc-gateway puts on the gRPC call (armada-api.md §9.3).

`DeadlineMiddleware` wraps each API route, outside authentication, as the gateway
reads the header before it makes the call:

* absent, or empty after trimming (Go's `Header.Get` returns ""): no deadline;
* malformed (`wire.deadlines.parse_grpc_timeout`): refused at once with HTTP 400 and
  the unary error body `{"error", "code": 3, "message"}`, on stream routes too, as the
  gateway answers errors of `AnnotateContext` before any stream exists;
* zero (`0S`, `0m`): no deadline, as in grpc-gateway, which only sets a context
  timeout when the value is not 0;
* otherwise the deadline is now + timeout, kept in `scope["state"]["deadline"]`
  (anyio clock). The endpoints run the core under it (`within_deadline`); time spent
  in authentication counts, but authentication itself is not interrupted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from armada_adapters.rest.errors import failure, unary_error
from armada_adapters.rest.request_id import prefixed, request_id_of
from armada_adapters.wire.deadlines import (
    DeadlineExceeded,
    InvalidGrpcTimeout,
    parse_grpc_timeout,
)

HEADER = b"grpc-timeout"


class DeadlineMiddleware:
    """Turn a `Grpc-Timeout` header into the request's deadline; refuse a malformed one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        value = _timeout_header(scope) if scope["type"] == "http" else ""
        if value:
            try:
                seconds = parse_grpc_timeout(value)
            except InvalidGrpcTimeout as exc:
                code, message = failure(exc, "Grpc-Timeout")
                response = unary_error(code, prefixed(message, request_id_of(scope)))
                await response(scope, receive, send)
                return
            if seconds > 0:
                scope.setdefault("state", {})["deadline"] = anyio.current_time() + seconds
        await self.app(scope, receive, send)


def deadline_of(scope: Scope) -> float | None:
    """The request's deadline on anyio's clock, or None without one."""
    state = scope.get("state") or {}
    deadline = state.get("deadline")
    return deadline if isinstance(deadline, float) else None


@contextmanager
def within_deadline(deadline: float | None) -> Iterator[None]:
    """Run the block until `deadline`; cancel it then and raise `DeadlineExceeded`.

    A deadline already past raises at once: a call that never yields to the event
    loop would otherwise finish unbounded.
    """
    if deadline is None:
        yield
        return
    if anyio.current_time() >= deadline:
        raise DeadlineExceeded()
    with anyio.CancelScope(deadline=deadline) as scope:
        yield
    if scope.cancelled_caught:
        raise DeadlineExceeded()


def _timeout_header(scope: Scope) -> str:
    # The first value, trimmed of optional whitespace as Go's header parser does.
    for name, value in scope["headers"]:
        if name.lower() == HEADER:
            return str(value.decode("latin-1")).strip(" \t")
    return ""
