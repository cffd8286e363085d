"""gzip-compressed request messages: the replacement `recv_message` on crafted frames."""

from __future__ import annotations

import gzip
import struct
import zlib

import grpclib.server
import pytest
from grpclib.const import Status
from grpclib.encoding.proto import ProtoCodec
from grpclib.exceptions import GRPCError

from armada_adapters.grpc.gzip import (
    decompress,
    gzip_support_installed,
    install_gzip_support,
    recv_message,
)
from armada_adapters.wire.pool import message_class

pytestmark = pytest.mark.anyio

QueueGetRequest = message_class("api.QueueGetRequest")


class FakeH2Stream:
    """What `recv_message` uses of grpclib's protocol stream: headers and `recv_data`."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.headers = None  # grpclib never keeps a server stream's request headers

    async def recv_data(self, size: int) -> bytes:
        chunk, self._data = self._data[:size], self._data[size:]
        return chunk


def frame(body: bytes, *, compressed: bool) -> bytes:
    return struct.pack(">?I", compressed, len(body)) + body


async def receive(stream: FakeH2Stream) -> object:
    return await recv_message(stream, ProtoCodec(), QueueGetRequest)  # type: ignore[arg-type]


async def test_a_gzip_frame_is_decompressed() -> None:
    body = QueueGetRequest(name="q").SerializeToString()
    message = await receive(FakeH2Stream(frame(gzip.compress(body), compressed=True)))
    assert message == QueueGetRequest(name="q")


async def test_an_uncompressed_frame_reads_as_before() -> None:
    body = QueueGetRequest(name="plain").SerializeToString()
    message = await receive(FakeH2Stream(frame(body, compressed=False)))
    assert message == QueueGetRequest(name="plain")


async def test_a_deflate_frame_is_decompressed_too() -> None:
    body = QueueGetRequest(name="z").SerializeToString()
    message = await receive(FakeH2Stream(frame(zlib.compress(body), compressed=True)))
    assert message == QueueGetRequest(name="z")


async def test_end_of_stream_is_none() -> None:
    assert await receive(FakeH2Stream(b"")) is None


async def test_another_encoding_is_unimplemented() -> None:
    with pytest.raises(GRPCError) as refused:
        await receive(FakeH2Stream(frame(b"\xffsnappy-ish", compressed=True)))
    assert refused.value.status is Status.UNIMPLEMENTED


async def test_a_corrupt_gzip_body_is_an_error_not_a_crash() -> None:
    corrupt = gzip.compress(b"payload")[:12]
    with pytest.raises(GRPCError) as refused:
        await receive(FakeH2Stream(frame(corrupt + b"garbage!", compressed=True)))
    assert refused.value.status is Status.INTERNAL


def test_a_gzip_bomb_is_cut_off_at_the_limit() -> None:
    bomb = gzip.compress(b"\0" * 100_000)
    with pytest.raises(GRPCError) as refused:
        decompress(bomb, limit=10_000)
    assert refused.value.status is Status.RESOURCE_EXHAUSTED


def test_install_replaces_what_grpclib_server_reads_and_is_idempotent() -> None:
    install_gzip_support()
    install_gzip_support()
    assert gzip_support_installed()
    assert grpclib.server.recv_message is recv_message  # type: ignore[attr-defined]
