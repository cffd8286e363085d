"""grpclib servables built from the service descriptors and the operation table.

There is one generic unary handler and one generic server-stream handler. Each
receives a upb message (classes from the private pool; grpclib's `ProtoCodec` calls
their `FromString`/`SerializeToString`), turns it into Go-style JSON with the wire
codec (unless the operation takes the message itself: SubmitJobs), runs the
operation of `armada_adapters.wire.operations`, and encodes the answer back. No RPC
has code of its own here: what a method does lives in the operation table, which the
REST adapter shares.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping
from typing import Any

from google.protobuf.message import Message
from grpclib.const import Cardinality, Status
from grpclib.const import Handler as GrpcHandler
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError
from grpclib.server import Stream

from armada_adapters.grpc.auth import principal
from armada_adapters.grpc.errors import status_for
from armada_adapters.grpc.frames import send_encoded
from armada_adapters.grpc.gzip import install_gzip_support, message_limit
from armada_adapters.grpc.request_id import prefixed, request_scope, trailers
from armada_adapters.wire.jsoncodec import from_json, prepare
from armada_adapters.wire.limits import DEFAULT_MAX_MESSAGE_BYTES, check_message_limit
from armada_adapters.wire.operations import (
    OPERATIONS,
    SERVICES,
    Operation,
    StreamItem,
    hints_for,
)
from armada_adapters.wire.paced import from_json_paced, release_paced, to_json_paced
from armada_adapters.wire.pages import Page, prefetched
from armada_adapters.wire.pool import message_class, service_descriptor
from armada_adapters.wire.shutdown import CallTracker
from armada_core.pacing import paced_map
from armada_core.service import ArmadaService

HandlerFunc = Callable[[Stream[Any, Any]], Coroutine[Any, Any, None]]
ReplyEncoder = Callable[[dict[str, Any]], Message]


class Servable:
    """One gRPC service as grpclib wants it: an object with `__mapping__()`."""

    def __init__(self, name: str, mapping: Mapping[str, GrpcHandler]) -> None:
        self.name = name
        self._mapping = dict(mapping)

    def __mapping__(self) -> dict[str, GrpcHandler]:
        return self._mapping


def build_servables(
    service: ArmadaService,
    *,
    tracker: CallTracker | None = None,
    operations: Mapping[str, Operation] = OPERATIONS,
    services: Iterable[str] = SERVICES,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> list[Servable]:
    """A servable per gRPC service, every method of its descriptor wired to `operations`.

    `max_message_bytes`: the largest request message accepted (decompressed); larger
    ones are refused with RESOURCE_EXHAUSTED before they are read.
    """
    install_gzip_support()  # our reader enforces the size limit
    calls = tracker or CallTracker()
    limit = check_message_limit(max_message_bytes)
    servables = [_servable(name, service, calls, operations, limit) for name in services]
    _prepare_codecs(servables)
    return servables


def _servable(
    name: str,
    service: ArmadaService,
    tracker: CallTracker,
    operations: Mapping[str, Operation],
    limit: int,
) -> Servable:
    mapping = {}
    for method in service_descriptor(name).methods:
        path = f"/{name}/{method.name}"
        operation = operations[path]
        _check(
            path,
            operation,
            method.input_type.full_name,
            method.output_type.full_name,
            (method.server_streaming, method.client_streaming),
        )
        own = operation.max_message_bytes  # the executor API's messages are bigger
        mapping[path] = _grpc_handler(path, operation, service, tracker, own or limit)
    return Servable(name, mapping)


def _prepare_codecs(servables: list[Servable]) -> None:
    # Compile every codec now, so no call pays for it (tens of ms the first time).
    prepare(
        *(
            message_type
            for servable in servables
            for handler in servable.__mapping__().values()
            for message_type in (handler.request_type, handler.reply_type)
        )
    )


def _check(
    path: str, op: Operation, request: str, response: str, streaming: tuple[bool, bool]
) -> None:
    # The table and the descriptors are written separately; a mismatch is a bug.
    if (op.request_type_name, op.response_type_name, op.streaming, op.client_streaming) != (
        request,
        response,
        *streaming,
    ):
        raise ValueError(f"operation table disagrees with the descriptor of {path}")


def _grpc_handler(
    path: str,
    operation: Operation,
    service: ArmadaService,
    tracker: CallTracker,
    limit: int,
) -> GrpcHandler:
    reply_type = message_class(operation.response_type_name)
    request_type = message_class(operation.request_type_name)
    if operation.streaming:

        def encode(item: dict[str, Any]) -> Message:
            return from_json(item, reply_type)

        func = _stream_handler(path, operation, service, tracker, encode, limit)
        # A bidirectional call reads one request and answers like a server stream.
        cardinality = (
            Cardinality.STREAM_STREAM if operation.client_streaming else Cardinality.UNARY_STREAM
        )
    else:
        func = _unary_handler(path, operation, service, tracker, reply_type, limit)
        cardinality = Cardinality.UNARY_UNARY
    return GrpcHandler(func, cardinality, request_type, reply_type)


def _unary_handler(
    path: str,
    operation: Operation,
    service: ArmadaService,
    tracker: CallTracker,
    reply_type: type[Message],
    limit: int,
) -> HandlerFunc:
    async def handle(stream: Stream[Message, Message]) -> None:
        with request_scope(stream.metadata), tracker.call():
            try:
                tracker.refuse_if_closing()
                request = await _receive(stream, limit)
                data = await _request_data(operation, request)
                try:
                    reply = await operation.call_unary(service, principal(), data, hints_for())
                finally:
                    await release_paced(data)
                message = await from_json_paced(reply, reply_type)
            except StreamTerminatedError:
                raise
            except Exception as exc:
                await _send_error(stream, exc, path)
                return
            await stream.send_message(message)
            await stream.send_trailing_metadata(metadata=trailers())

    return handle


def _stream_handler(
    path: str,
    operation: Operation,
    service: ArmadaService,
    tracker: CallTracker,
    encode: ReplyEncoder,
    limit: int,
) -> HandlerFunc:
    async def handle(stream: Stream[Message, Message]) -> None:
        with request_scope(stream.metadata), tracker.call():
            try:
                tracker.refuse_if_closing()
                request = await _receive(stream, limit)
                # Checks (missing job set, permissions, bad ids) run here, before any
                # header goes out, so they end the call as a trailers-only error.
                hints = hints_for(stream.metadata)
                items = await operation.open_stream(
                    service, principal(), await _request_data(operation, request), hints
                )
            except StreamTerminatedError:
                raise
            except Exception as exc:
                await _send_error(stream, exc, path)
                return
            await _relay(stream, items, encode, tracker, path)

    return handle


async def _relay(
    stream: Stream[Message, Message],
    items: AsyncIterator[StreamItem],
    encode: ReplyEncoder,
    tracker: CallTracker,
    path: str,
) -> None:
    """Send every item until the iterator ends, the client leaves or the server drains
    (then the stream ends with UNAVAILABLE, as any failure ends it).

    The iterator is read one item ahead (`prefetched`): the next page of events is
    read while this one is written, several messages per socket write. When the
    client leaves, grpclib cancels this task, which closes the iterator at once, so
    a dead watcher holds nothing.
    """
    async with prefetched(items) as ahead:
        await _send_headers_now(stream)
        try:
            with tracker.stream():
                async for item in ahead:
                    await _send_item(stream, item, encode)
        except StreamTerminatedError:
            raise
        except Exception as exc:
            await _send_error(stream, exc, path)
            return
    await stream.send_trailing_metadata(metadata=trailers())


async def _send_item(
    stream: Stream[Message, Message], item: StreamItem, encode: ReplyEncoder
) -> None:
    if isinstance(item, Page):
        # Paced: a page of big events takes long enough to hold up other calls.
        await send_encoded(stream, await paced_map(item.to_bytes, item.items))
    else:
        await stream.send_message(encode(item))


async def _send_headers_now(stream: Stream[Message, Message]) -> None:
    # Decision 11: a watcher sees response headers at once, not at the first event.
    # ProtocolError: already sent, with the Kerberos mutual-auth token.
    with contextlib.suppress(ProtocolError):
        await stream.send_initial_metadata()


async def _receive(stream: Stream[Message, Message], limit: int) -> Message:
    with message_limit(limit):
        request = await stream.recv_message()
    if request is None:
        raise GRPCError(Status.INVALID_ARGUMENT, "request message missing")
    return request


async def _send_error(stream: Stream[Message, Message], exc: Exception, path: str) -> None:
    status, message = status_for(exc, path)
    await stream.send_trailing_metadata(
        status=status, status_message=prefixed(message), metadata=trailers()
    )


async def _request_data(operation: Operation, request: Message) -> Any:
    """What the operation takes: the message itself (SubmitJobs: its pod specs go to the
    core as protobuf, unknown fields and all), else its Go-JSON dict."""
    if operation.takes_message:
        return request
    return await to_json_paced(request)
