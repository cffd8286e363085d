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

Nothing happens at import: `install_gzip_support()` is called by
`build_grpc_server` (and by embedders who mount our handlers in their own server).
Responses stay uncompressed, which every gRPC client accepts.
"""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING, Any

import grpclib.server
from grpclib.const import Status
from grpclib.exceptions import GRPCError

if TYPE_CHECKING:
    from grpclib.encoding.base import CodecBase
    from grpclib.protocol import Stream as H2Stream

# Go's default receive limit; a decompressed message may not exceed it either.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
# Executors send node snapshots and event batches up to their own 8 MiB limit: the
# executor API's messages have a limit of their own, with room above that.
EXECUTOR_MESSAGE_BYTES = 16 * 1024 * 1024
LARGE_MESSAGES = frozenset({"executorapi.LeaseRequest", "executorapi.EventList"})
_PREFIX = struct.Struct(">?I")
_GZIP_MAGIC = b"\x1f\x8b"
_AUTO_WBITS = 32 + zlib.MAX_WBITS  # zlib detects the gzip or zlib header itself


async def recv_message(stream: H2Stream, codec: CodecBase, message_type: Any) -> Any:
    """Read one length-prefixed message, decompressing it when its flag says so."""
    prefix = await stream.recv_data(_PREFIX.size)
    if not prefix:
        return None
    compressed, length = _PREFIX.unpack(prefix)
    data = await stream.recv_data(length)
    if len(data) != length:
        raise GRPCError(Status.INTERNAL, "incomplete request message")
    if compressed:
        data = decompress(data, message_limit(message_type))
    return codec.decode(data, message_type)


def message_limit(message_type: Any) -> int:
    """The most bytes one request message of this type may have."""
    descriptor = getattr(message_type, "DESCRIPTOR", None)
    name = getattr(descriptor, "full_name", "")
    return EXECUTOR_MESSAGE_BYTES if name in LARGE_MESSAGES else MAX_MESSAGE_BYTES


def decompress(data: bytes, limit: int = MAX_MESSAGE_BYTES) -> bytes:
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
        raise GRPCError(Status.RESOURCE_EXHAUSTED, "decompressed request message is too large")
    if not inflater.eof:
        raise GRPCError(Status.INTERNAL, "compressed request message is truncated")
    return out


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
