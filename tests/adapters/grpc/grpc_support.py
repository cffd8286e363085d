"""Helpers of the gRPC adapter tests (imported by name: `from grpc_support import ...`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message
from grpclib.client import Channel
from grpclib.const import Cardinality
from grpclib.exceptions import GRPCError
from grpclib.testing import ChannelFor

from armada_adapters.grpc.handlers import build_servables
from armada_adapters.wire.operations import OPERATIONS, Operation
from armada_adapters.wire.pool import message_class
from armada_adapters.wire.shutdown import CallTracker
from armada_core.service import ArmadaService


@dataclass
class RawReply:
    """What a raw call returned: the messages, trailers and the error, if any."""

    messages: list[Message] = field(default_factory=list)
    initial: Mapping[str, Any] = field(default_factory=dict)
    trailers: Mapping[str, Any] = field(default_factory=dict)
    error: GRPCError | None = None


@asynccontextmanager
async def channel_for(
    service: ArmadaService,
    *,
    operations: Mapping[str, Operation] = OPERATIONS,
    tracker: CallTracker | None = None,
) -> AsyncIterator[Channel]:
    """An in-memory channel to our servables (no socket)."""
    servables = build_servables(service, operations=operations, tracker=tracker)
    async with ChannelFor(servables) as ch:
        yield ch


def replace_operation(path: str, call: Any) -> dict[str, Operation]:
    """The operation table with `path`'s call replaced (types and streaming kept)."""
    old = OPERATIONS[path]
    new = Operation(old.request_type_name, old.response_type_name, old.streaming, call)
    return {**OPERATIONS, path: new}


async def call_raw(
    channel: Channel,
    path: str,
    request: Message | None = None,
    *,
    metadata: Mapping[str, str] | None = None,
) -> RawReply:
    """Call `path` with a upb request; collect replies, trailers and the error."""
    op = OPERATIONS[path]
    request_type = message_class(op.request_type_name)
    reply_type = message_class(op.response_type_name)
    cardinality = Cardinality.UNARY_STREAM if op.streaming else Cardinality.UNARY_UNARY
    reply = RawReply()
    async with channel.request(
        path, cardinality, request_type, reply_type, metadata=metadata
    ) as stream:
        await stream.send_message(request if request is not None else request_type(), end=True)
        try:
            async for message in stream:
                reply.messages.append(message)
            await stream.recv_trailing_metadata()
        except GRPCError as error:
            reply.error = error
        reply.trailers = dict(stream.trailing_metadata or {})
        reply.initial = dict(stream.initial_metadata or {})
    return reply
