"""Send already-encoded messages on a grpclib server stream, many per socket write.

grpclib's public `Stream.send_message` takes one message object, encodes it and
writes it: one HTTP/2 DATA frame and one `transport.write` per message. A replay of
100,000 events pays that 100,000 times. gRPC's framing allows any number of
length-prefixed messages in one DATA frame, so `send_encoded` joins the messages
it is given (and only those: it never waits for more) into writes of up to
`WRITE_BYTES` and hands each to the HTTP/2 stream, as `send_message` would.

This is the one place that reaches past grpclib 0.4.9's public API (the stream's
HTTP/2 stream and its bookkeeping); `_fits` checks for what it relies on. When a
`SendMessage` listener is attached, listeners must see message objects, so each
message is decoded and sent the public way.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator, Sequence
from typing import Any

from grpclib.events import SendMessage
from grpclib.server import Stream

WRITE_BYTES = 64 * 1024  # a few HTTP/2 frames per write: big enough, and little held
_PREFIX = struct.Struct(">?I")  # not compressed, length


async def send_encoded(stream: Stream[Any, Any], messages: Sequence[bytes]) -> None:
    """Send `messages` (each the encoded reply message) in order, several per write."""
    if not messages:
        return
    if not _fits(stream):
        for data in messages:
            await stream.send_message(stream._send_type.FromString(data))
        return
    if not stream._send_initial_metadata_done:
        await stream.send_initial_metadata()
    for chunk, count in _chunks(messages):
        await stream._stream.send_data(chunk)
        _count_sent(stream, count)


def _chunks(messages: Sequence[bytes]) -> Iterator[tuple[bytes, int]]:
    """Length-prefixed messages joined into pieces of about `WRITE_BYTES`."""
    parts: list[bytes] = []
    size = 0
    for data in messages:
        parts += (_PREFIX.pack(False, len(data)), data)
        size += _PREFIX.size + len(data)
        if size >= WRITE_BYTES:
            yield b"".join(parts), len(parts) // 2
            parts, size = [], 0
    if parts:
        yield b"".join(parts), len(parts) // 2


def _count_sent(stream: Stream[Any, Any], count: int) -> None:
    # What `Stream.send_message` records, so grpclib's stats and keepalive stay true.
    stream._send_message_done = True
    stream._messages_sent += count
    connection = stream._stream.connection
    connection.messages_sent += count
    connection.last_message_sent = time.monotonic()


def _fits(stream: Stream[Any, Any]) -> bool:
    """Whether the stream is grpclib's as we know it, with no `SendMessage` listener."""
    dispatch = getattr(stream, "_dispatch", None)
    listeners = getattr(dispatch, "_listeners", None)
    return (
        isinstance(listeners, dict)
        and not listeners.get(SendMessage)
        and hasattr(getattr(stream, "_stream", None), "send_data")
        and hasattr(stream, "_send_initial_metadata_done")
        and stream._cardinality.server_streaming
    )
