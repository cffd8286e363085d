"""`send_encoded`: many encoded messages per write, read by a plain grpclib client.

Over a real socket: the client must see exactly the messages sent, in order, split
however the writes split them (a message larger than a write, many small ones in
one), and grpclib's own bookkeeping must count them; with a `SendMessage` listener
every message still reaches the client, through the public API.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from grpclib.client import Channel
from grpclib.const import Cardinality, Handler
from grpclib.events import SendMessage, listen
from grpclib.server import Server, Stream

from armada_adapters.grpc import frames
from armada_adapters.grpc.frames import send_encoded
from armada_adapters.wire.pool import message_class

pytestmark = pytest.mark.anyio

REQUEST = message_class("api.JobSetRequest")
EVENT = message_class("api.EventStreamMessage")
PATH = "/api.Event/GetJobSetEvents"


def _events(sizes: list[int]) -> list[Any]:
    return [EVENT(id=f"{k}:" + "x" * size) for k, size in enumerate(sizes)]


class _Sender:
    """A servable whose one method sends `batches` of pre-encoded messages."""

    def __init__(self, batches: list[list[Any]]) -> None:
        self.batches = batches
        self.counted: tuple[int, int] = (0, 0)

    def __mapping__(self) -> dict[str, Handler]:
        async def handle(stream: Stream[Any, Any]) -> None:
            await stream.recv_message()
            for batch in self.batches:
                await send_encoded(stream, [m.SerializeToString() for m in batch])
            self.counted = (stream._messages_sent, stream._stream.connection.messages_sent)

        return {PATH: Handler(handle, Cardinality.UNARY_STREAM, REQUEST, EVENT)}


@asynccontextmanager
async def _serving(
    sender: _Sender, setup: Callable[[Server], None] = lambda server: None
) -> AsyncIterator[Channel]:
    sock = socket.create_server(("127.0.0.1", 0))
    server = Server([sender])
    setup(server)
    await server.start(sock=sock)
    channel = Channel("127.0.0.1", sock.getsockname()[1])
    try:
        yield channel
    finally:
        channel.close()
        server.close()
        await server.wait_closed()


async def _received(channel: Channel) -> list[Any]:
    async with channel.request(PATH, Cardinality.UNARY_STREAM, REQUEST, EVENT) as stream:
        await stream.send_message(REQUEST(id="s"), end=True)
        return [message async for message in stream]


async def test_the_client_reads_every_message_in_order() -> None:
    # Small ones many to a write, one bigger than a write, an empty batch, a lone one.
    sizes = [10] * 5000 + [3 * frames.WRITE_BYTES] + [0, 200]
    batches = [_events(sizes[:2500]), _events(sizes[2500:]), [], _events([7])]
    sender = _Sender(batches)
    async with _serving(sender) as channel:
        received = await _received(channel)
    sent = [m for batch in batches for m in batch]
    assert received == sent
    assert sender.counted == (len(sent), len(sent))


async def test_writes_hold_many_messages() -> None:
    messages = [m.SerializeToString() for m in _events([100] * 2000)]
    chunks = list(frames._chunks(messages))
    assert 1 < len(chunks) < 10  # about 210 KB
    assert sum(count for _, count in chunks) == 2000
    assert b"".join(chunk for chunk, _ in chunks) == b"".join(
        b"\0" + len(m).to_bytes(4, "big") + m for m in messages
    )


async def test_with_a_send_message_listener_every_message_goes_the_public_way() -> None:
    seen: list[Any] = []

    async def on_send(event: SendMessage) -> None:
        seen.append(event.message)

    batches = [_events([5, 6, 7])]
    async with _serving(_Sender(batches), lambda s: listen(s, SendMessage, on_send)) as channel:
        received = await _received(channel)
    assert received == seen == batches[0]
