"""`build_grpc_server` on a real socket: authentication, request ids, gzip via grpcio."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import anyio
import grpc
import pytest
from grpclib.client import Channel
from grpclib.const import Cardinality
from grpclib.server import Server

from armada_adapters.grpc._betterproto import api
from armada_adapters.grpc.server import build_grpc_server
from armada_adapters.server.listeners import bind
from armada_adapters.wire.pool import message_class
from armada_adapters.wire.shutdown import CallTracker
from armada_auth import build_authenticator
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio

AUTH = {
    "basicAuth": {"users": {"alice": {"password": "secret", "groups": ["team"]}}},
    "anonymousAuth": True,
}


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"authorization": f"basic {token}"}


@pytest.fixture
def tracker() -> CallTracker:
    return CallTracker()


@pytest.fixture
async def port(service: ArmadaService, tracker: CallTracker) -> AsyncIterator[int]:
    authenticator = await build_authenticator(AUTH)
    server: Server = build_grpc_server(service, authenticator, tracker=tracker)
    sock = bind("127.0.0.1", 0)
    await server.start(sock=sock)
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()
        await authenticator.aclose()


@pytest.fixture
async def channel(port: int) -> AsyncIterator[Channel]:
    channel = Channel("127.0.0.1", port)
    try:
        yield channel
    finally:
        channel.close()


async def test_the_caller_is_the_authenticated_principal(channel: Channel) -> None:
    stub = api.QueueServiceStub(channel)
    await stub.create_queue(
        api.Queue(name="q", priority_factor=1.0), metadata=basic("alice", "secret")
    )
    queue = await stub.get_queue(api.QueueGetRequest(name="q"))
    owners = queue.permissions[0].subjects
    assert [(s.kind, s.name) for s in owners] == [("User", "alice")]


async def test_anonymous_callers_are_named_anonymous(channel: Channel) -> None:
    stub = api.QueueServiceStub(channel)
    await stub.create_queue(api.Queue(name="anon", priority_factor=1.0))
    queue = await stub.get_queue(api.QueueGetRequest(name="anon"))
    assert queue.permissions[0].subjects[0].name == "anonymous"


async def test_a_rejected_call_still_carries_the_request_id(port: int) -> None:
    Request = message_class("api.QueueGetRequest")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        get_queue = ch.unary_unary(
            "/api.QueueService/GetQueue",
            request_serializer=Request.SerializeToString,
            response_deserializer=message_class("api.Queue").FromString,
        )
        metadata = (*basic("alice", "wrong").items(), ("x-request-id", "req-42"))
        with pytest.raises(grpc.aio.AioRpcError) as rejected:
            await get_queue(Request(name="q"), metadata=metadata)
    assert rejected.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert ("x-request-id", "req-42") in tuple(rejected.value.trailing_metadata())


async def test_request_id_round_trip_in_trailers(port: int) -> None:
    Request = message_class("api.QueueGetRequest")
    Reply = message_class("api.Queue")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        get_queue = ch.unary_unary(
            "/api.QueueService/GetQueue",
            request_serializer=Request.SerializeToString,
            response_deserializer=Reply.FromString,
        )
        call = get_queue(Request(name="missing"), metadata=(("x-request-id", "rid-7"),))
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await call
    assert failed.value.code() is grpc.StatusCode.NOT_FOUND
    assert failed.value.details().startswith('[x-request-id: "rid-7"] ')
    assert ("x-request-id", "rid-7") in tuple(failed.value.trailing_metadata())


async def test_gzip_compressed_calls_from_grpcio(port: int) -> None:
    Queue = message_class("api.Queue")
    Empty = message_class("google.protobuf.Empty")
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{port}", compression=grpc.Compression.Gzip
    ) as ch:
        create = ch.unary_unary(
            "/api.Submit/CreateQueue",
            request_serializer=Queue.SerializeToString,
            response_deserializer=Empty.FromString,
        )
        # Compressible: 40 labels of the longest value a label may have.
        labels = {f"k{i}": "v" * 63 for i in range(40)}
        await create(Queue(name="zipped", priority_factor=1.0, labels=labels))
        get = ch.unary_unary(
            "/api.Submit/GetQueue",
            request_serializer=message_class("api.QueueGetRequest").SerializeToString,
            response_deserializer=Queue.FromString,
        )
        got = await get(message_class("api.QueueGetRequest")(name="zipped"))
    assert dict(got.labels) == labels


async def test_hundreds_of_watchers_share_one_connection_and_are_all_released(
    channel: Channel, tracker: CallTracker
) -> None:
    """More than h2's default of 100 streams on one connection, as Go's server allows."""
    await api.QueueServiceStub(channel).create_queue(api.Queue(name="q", priority_factor=1.0))
    request_type = message_class("api.JobSetRequest")
    reply_type = message_class("api.EventStreamMessage")
    streams = []
    with anyio.fail_after(10):
        for _ in range(300):
            stream = channel.request(
                "/api.Event/GetJobSetEvents", Cardinality.UNARY_STREAM, request_type, reply_type
            )
            await stream.__aenter__()
            await stream.send_message(request_type(queue="q", id="s", watch=True), end=True)
            await stream.recv_initial_metadata()
            streams.append(stream)
        assert tracker.open_streams == 300
        for stream in streams:
            await stream.cancel()
            await stream.__aexit__(None, None, None)
        while tracker.open_streams:  # the server sees the resets asynchronously
            await anyio.wait_all_tasks_blocked()
            await anyio.sleep(0.01)
    assert tracker.open_streams == 0
