"""The two ASGI endpoints every route uses: one for unary RPCs, one for streams.

Each does the same few steps, for any route: decode the request with the wire
codec (`decoding.py`), hand its normalised JSON (or, for SubmitJobs, the parsed
message itself) to the route's operation from `armada_adapters.wire.operations` (the
table the gRPC adapter runs too), and write the answer. No RPC has code of its own here.

Both run the core under the request's deadline (`Grpc-Timeout`, `deadline.py`):
decoding and the operation of a unary call, the opening and every line of a
stream. When it passes, the core is cancelled and the answer is DEADLINE_EXCEEDED
(504) in the usual error shape: a unary error body, a stream's error object as
the whole body before the response started, or as its last line after.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from armada_adapters.rest.body import read_body
from armada_adapters.rest.deadline import deadline_of, within_deadline
from armada_adapters.rest.decoding import decode_request
from armada_adapters.rest.errors import (
    JSON,
    dumps,
    failure,
    stream_error,
    stream_refusal,
    unary_error,
)
from armada_adapters.rest.request_id import prefixed, request_id_of
from armada_adapters.rest.routes import RestRoute
from armada_adapters.rest.streaming import relay
from armada_adapters.wire.errors import StatusCode
from armada_adapters.wire.limits import DEFAULT_MAX_MESSAGE_BYTES
from armada_adapters.wire.operations import Hints, Operation, hints_for
from armada_adapters.wire.paced import release_paced, to_json_paced
from armada_adapters.wire.shutdown import CallTracker
from armada_core.principal import ANONYMOUS, Principal
from armada_core.service import ArmadaService


class _Endpoint:
    """What both endpoints share: the route, its operation, the service, and the
    tracker that refuses calls and ends streams when the server drains."""

    def __init__(
        self,
        route: RestRoute,
        operation: Operation,
        service: ArmadaService,
        calls: CallTracker | None = None,
        max_body_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self.route = route
        self.operation = operation
        self.service = service
        self.calls = calls or CallTracker()
        self.max_body_bytes = max_body_bytes

    async def _decode(self, request: Request) -> tuple[Any, Hints]:
        body = await read_body(request, self.max_body_bytes) if self.route.body else b""
        message: Message = await decode_request(
            self.route, body, request.query_params.multi_items(), request.path_params
        )
        # SubmitJobs takes the message itself: its JSON was parsed into protobuf once,
        # here at the edge, and goes on as the same message a gRPC call would carry.
        data = message if self.operation.takes_message else await to_json_paced(message)
        return data, hints_for()

    def _failure(self, exc: Exception, scope: Scope) -> tuple[StatusCode, str]:
        request_id = request_id_of(scope)
        code, message = failure(exc, f"{self.route.method_path} [x-request-id: {request_id}]")
        return code, prefixed(message, request_id)


class UnaryEndpoint(_Endpoint):
    """A unary RPC: one JSON answer, or the gateway's error body."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        request = Request(scope, receive)
        with self.calls.call():
            await self._answer(request, scope, receive, send)

    async def _answer(self, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            self.calls.refuse_if_closing()
            with within_deadline(deadline_of(scope)):
                data, hints = await self._decode(request)
                try:
                    reply = await self.operation.call_unary(
                        self.service, principal_of(scope), data, hints
                    )
                finally:
                    await release_paced(data)
            response = Response(dumps(reply), media_type=JSON)
        except ClientDisconnect:
            return  # the client left (or was too slow) before its body was in: no one to answer
        except Exception as exc:  # the adapter's boundary: every failure gets a body
            response = unary_error(*self._failure(exc, scope))
        await response(scope, receive, send)


class StreamEndpoint(_Endpoint):
    """A server-streaming RPC: chunked `{"result": ...}` lines."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        with self.calls.call():
            await self._stream(Request(scope, receive), scope, receive, send)

    async def _stream(self, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        deadline = deadline_of(scope)
        try:
            self.calls.refuse_if_closing()
            with within_deadline(deadline):
                data, hints = await self._decode(request)
                # The operation checks eagerly (missing job set, permissions, bad ids):
                # such failures come before any line, as an HTTP status.
                items = await self.operation.open_stream(
                    self.service, principal_of(scope), data, hints
                )
        except ClientDisconnect:
            return  # the client left (or was too slow) before its body was in: no one to answer
        except Exception as exc:  # the adapter's boundary: every failure gets a body
            await stream_refusal(*self._failure(exc, scope))(scope, receive, send)
            return

        def error_line(exc: Exception) -> dict[str, Any]:
            return stream_error(*self._failure(exc, scope))

        await relay(items, receive, send, error_line, deadline, self.calls)


def principal_of(scope: Scope) -> Principal:
    """The caller the authentication middleware stored; `anonymous` without one."""
    state = scope.get("state") or {}
    principal = state.get("principal")
    return principal if isinstance(principal, Principal) else ANONYMOUS
