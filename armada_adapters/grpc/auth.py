"""Authentication for grpclib servers: a `RecvRequest` listener around the chain.

`attach_authentication(server, authenticator)` makes every RPC (health included)
pass through `Authenticator.authenticate` with the first `authorization` metadata
value. On failure the handler is replaced by a trailers-only answer
(UNAUTHENTICATED with the challenge metadata, or UNAVAILABLE); on success the
handler runs with the principal in the `current_principal` context variable, and the
mutual-authentication token (if any) is added to whatever initial metadata the
handler sends (a `SendInitialMetadata` listener), so handlers stay free to send their
own initial metadata early (watch streams). A call that fails after authentication
is answered trailers-only, without initial metadata: then the token rides on the
trailers (a `SendTrailingMetadata` listener).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from grpclib._typing import IServerMethodFunc
from grpclib.const import Status
from grpclib.events import RecvRequest, SendInitialMetadata, SendTrailingMetadata, listen
from grpclib.server import Server, Stream

from armada_adapters.wire.errors import bounded_message
from armada_auth import AuthContext, Authenticator, AuthResult
from armada_core.errors import Unauthenticated, Unavailable
from armada_core.principal import ANONYMOUS, Principal

logger = logging.getLogger(__name__)

Handler = IServerMethodFunc

current_principal: ContextVar[Principal | None] = ContextVar("current_principal", default=None)
"""The principal of the RPC being handled (None outside an authenticated RPC)."""

# Headers still to send with this RPC's first headers frame; emptied once sent.
_pending_headers: ContextVar[list[tuple[str, str]] | None] = ContextVar(
    "auth_pending_headers", default=None
)


def principal() -> Principal:
    """The caller of the current RPC; `anonymous` when none was set (as in Armada)."""
    return current_principal.get() or ANONYMOUS


def attach_authentication(server: Server, authenticator: Authenticator) -> None:
    """Authenticate every request `server` receives."""

    async def on_request(event: RecvRequest) -> None:
        event.method_func = await _decide(authenticator, event)

    listen(server, RecvRequest, on_request)
    listen(server, SendInitialMetadata, _add_pending_headers)
    listen(server, SendTrailingMetadata, _add_pending_headers)


async def _add_pending_headers(event: SendInitialMetadata | SendTrailingMetadata) -> None:
    pending = _pending_headers.get()
    if pending:
        for name, value in pending:
            event.metadata.add(name, value)
        pending.clear()


async def _decide(authenticator: Authenticator, event: RecvRequest) -> Handler:
    authorization = event.metadata.get("authorization")
    if not isinstance(authorization, str):
        authorization = None
    ctx = AuthContext(peer=_peer_host(event), transport="grpc")
    try:
        result = await authenticator.authenticate(authorization, ctx)
    except Unauthenticated as exc:
        return _reject(Status.UNAUTHENTICATED, exc.message, exc.headers)
    except Unavailable as exc:
        return _reject(Status.UNAVAILABLE, exc.message)
    except Exception:
        logger.exception("authentication of %s failed unexpectedly", event.method_name)
        return _reject(Status.INTERNAL, "internal error during authentication")
    return _authenticated(event.method_func, result)


def _reject(status: Status, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Handler:
    async def reject(stream: Stream[Any, Any]) -> None:
        await stream.send_trailing_metadata(
            status=status, status_message=bounded_message(message), metadata=headers or None
        )

    return reject


def _authenticated(handler: Handler, result: AuthResult) -> Handler:
    async def run(stream: Stream[Any, Any]) -> None:
        principal_token = current_principal.set(result.principal)
        # Not reset on exit: grpclib sends the trailers of a failed call after this
        # wrapper returns, in the same per-request task (whose context dies with it).
        _pending_headers.set(list(result.response_headers))
        try:
            await handler(stream)
        finally:
            current_principal.reset(principal_token)

    return run


def _peer_host(event: RecvRequest) -> str | None:
    address = event.peer.addr()
    if isinstance(address, tuple) and address:
        return str(address[0])
    return None
