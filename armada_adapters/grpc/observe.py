"""Every RPC reported to a `RequestObserver`: method, status, duration, caller.

`attach_observer` must come after `attach_authentication`: its `RecvRequest`
listener then wraps whatever handler authentication chose (the call itself or a
refusal), so refused calls are reported too. The caller is read when the call
sends its first headers or its trailers, while authentication's context variable
holds it. An event stream counts as a live watcher from its first headers on.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from typing import Any

from grpclib._typing import IServerMethodFunc
from grpclib.const import Status
from grpclib.events import RecvRequest, SendInitialMetadata, SendTrailingMetadata, listen
from grpclib.exceptions import GRPCError
from grpclib.server import Server, Stream

from armada_adapters.grpc.auth import current_principal
from armada_adapters.grpc.request_id import current_request_id
from armada_adapters.observability.record import RequestObserver, RequestRecord, is_watch
from armada_adapters.wire.operations import OPERATIONS


class _Call:
    """What is known of one RPC so far."""

    __slots__ = ("method", "principal", "started", "status", "streaming", "watch", "watching")

    def __init__(self, method: str) -> None:
        self.method = method
        self.streaming = method in OPERATIONS and OPERATIONS[method].streaming
        self.watch = self.streaming and is_watch(method)
        self.started = time.perf_counter()
        self.status: Status | None = None
        self.principal = ""
        self.watching = False


_call: ContextVar[_Call | None] = ContextVar("armada_observed_call", default=None)


def attach_observer(server: Server, observer: RequestObserver) -> None:
    """Report every request `server` receives to `observer` (after authentication)."""

    async def on_request(event: RecvRequest) -> None:
        call = _Call(event.method_name)
        _call.set(call)  # the listener runs in the call's own task: it stays set
        observer.started("grpc", call.method, call.streaming)
        event.method_func = _observed(event.method_func, call, observer)

    async def on_headers(event: SendInitialMetadata) -> None:
        call = _learn_principal()
        if call is not None and call.watch and not call.watching:
            call.watching = True
            observer.watch_opened(call.principal)

    async def on_trailers(event: SendTrailingMetadata) -> None:
        call = _learn_principal()
        if call is not None:
            call.status = event.status

    listen(server, RecvRequest, on_request)
    listen(server, SendInitialMetadata, on_headers)
    listen(server, SendTrailingMetadata, on_trailers)


def _learn_principal() -> _Call | None:
    call = _call.get()
    principal = current_principal.get()
    if call is not None and principal is not None:
        call.principal = principal.name
    return call


def _observed(handler: IServerMethodFunc, call: _Call, observer: RequestObserver) -> Any:
    async def run(stream: Stream[Any, Any]) -> None:
        try:
            await handler(stream)
        except GRPCError as exc:  # grpclib sends its trailers after we return
            call.status = call.status or exc.status
            raise
        except asyncio.CancelledError:  # the client left (or the server is closing)
            call.status = call.status or Status.CANCELLED
            raise
        except Exception:
            call.status = call.status or Status.UNKNOWN
            raise
        finally:
            _report(call, observer)

    return run


def _report(call: _Call, observer: RequestObserver) -> None:
    if call.watching:
        observer.watch_closed(call.principal)
    status = call.status if call.status is not None else Status.CANCELLED
    observer.finished(
        RequestRecord(
            protocol="grpc",
            verb="",
            method=call.method,
            status=status.name,
            seconds=time.perf_counter() - call.started,
            principal=call.principal,
            request_id=current_request_id() or "",
            streaming=call.streaming,
            health=call.method.endswith("/Health"),
        )
    )
