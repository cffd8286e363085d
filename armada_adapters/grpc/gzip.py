"""Accept gzip-compressed request messages on grpclib servers.

grpclib 0.4.9 refuses any message whose compressed flag is set, and armadactl
compresses every call. `grpclib.server.Stream.recv_message` reads frames through a
function that `grpclib.server` imports by name from `grpclib.stream`; installing
this module's `recv_message` in its place teaches every grpclib server of the
process to decompress `grpc-encoding: gzip` messages (and `deflate`, which grpcio
also offers). Uncompressed messages are read exactly as before, so other grpclib
servers in the process are unaffected.

grpclib keeps a server stream's request headers from the message reader, so the
encoding is recognised by the body's own header (gzip magic, zlib header) rather
than by `grpc-encoding`; a body in neither format is UNIMPLEMENTED, as the gRPC
spec asks for an encoding the server does not support.

The reader also enforces the request size limit (`armada_adapters.wire.limits`): a
message whose length prefix is over it is refused with RESOURCE_EXHAUSTED before its
bytes are read (grpclib acknowledges data only as it is read, so HTTP/2 flow control
keeps the rest with the client), and a compressed one may not inflate beyond it.
The limit is the default unless the caller runs inside `message_limit(n)`, which our
handlers do with their server's limit.

Nothing happens at import: `install_gzip_support()` is called by
`build_grpc_server` and `build_servables` (embedders may call it for their own servers).
Responses stay uncompressed, which every gRPC client accepts.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import grpclib.server
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from armada_adapters.wire.limits import DEFAULT_MAX_MESSAGE_BYTES, MessageTooLarge

if TYPE_CHECKING:
    from grpclib.encoding.base import CodecBase
    from grpclib.protocol import Stream as H2Stream

_PREFIX = struct.Struct(">?I")
_GZIP_MAGIC = b"\x1f\x8b"
_AUTO_WBITS = 32 + zlib.MAX_WBITS  # zlib detects the gzip or zlib header itself
_LIMIT: ContextVar[int] = ContextVar("grpc_max_message_bytes", default=DEFAULT_MAX_MESSAGE_BYTES)


@contextmanager
def message_limit(limit: int) -> Iterator[None]:
    """Messages read inside this block may hold at most `limit` bytes (decompressed)."""
    token = _LIMIT.set(limit)
    try:
        yield
    finally:
        _LIMIT.reset(token)


async def recv_message(stream: H2Stream, codec: CodecBase, message_type: Any) -> Any:
    """Read one length-prefixed message, decompressing it when its flag says so."""
    prefix = await stream.recv_data(_PREFIX.size)
    if not prefix:
        return None
    compressed, length = _PREFIX.unpack(prefix)
    limit = _LIMIT.get()
    if length > limit:
        raise _too_large(MessageTooLarge(limit, length))
    data = await stream.recv_data(length)
    if len(data) != length:
        raise GRPCError(Status.INTERNAL, "incomplete request message")
    if compressed:
        data = decompress(data, limit)
    return codec.decode(data, message_type)


def decompress(data: bytes, limit: int = DEFAULT_MAX_MESSAGE_BYTES) -> bytes:
    """Inflate a gzip or deflate (zlib) message body; GRPCError for anything else."""
    if not (data.startswith(_GZIP_MAGIC) or _is_zlib(data)):
        raise GRPCError(
            Status.UNIMPLEMENTED, "compressed request messages must use gzip or deflate"
        )
    inflater = zlib.decompressobj(_AUTO_WBITS)
    try:
        # Bounded inflation: a tiny body must not expand into gigabytes.
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        raise GRPCError(Status.INTERNAL, "compressed request message is corrupt") from None
    if len(out) > limit:
        raise _too_large(MessageTooLarge(limit, what="message after decompression"))
    if not inflater.eof:
        raise GRPCError(Status.INTERNAL, "compressed request message is truncated")
    return out


def _too_large(error: MessageTooLarge) -> GRPCError:
    # A GRPCError, so that any grpclib handler reading through us answers the status.
    return GRPCError(Status.RESOURCE_EXHAUSTED, str(error))


def _is_zlib(data: bytes) -> bool:
    # RFC 1950: method 8 (deflate) in the low nibble, header checksum divisible by 31.
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def install_gzip_support() -> None:
    """Make grpclib servers read gzip-compressed requests (idempotent)."""
    # grpclib.server imported the name; replacing it there is what its Stream reads.
    setattr(grpclib.server, "recv_message", recv_message)  # noqa: B010


def gzip_support_installed() -> bool:
    """Whether `install_gzip_support()` has run in this process."""
    return getattr(grpclib.server, "recv_message", None) is recv_message
