"""Protobuf wire-format pieces written by hand, where building a message costs more.

An event reply is a few nested length-delimited fields around bytes we already have
(a stored pod spec) or make once (a job's fields): joining them here spares parsing
the pod spec into a message only to serialise it again. What these write is what
upb writes for the same fields, so a reader sees the same message.
"""

from __future__ import annotations

_ONE_BYTE = [bytes((n,)) for n in range(0x80)]
_UINT64 = (1 << 64) - 1


def varint(n: int) -> bytes:
    """`n` as a base-128 varint; a negative int as its 64-bit two's complement."""
    if 0 <= n < 0x80:
        return _ONE_BYTE[n]
    if 0 < n < 0x4000:  # two bytes: most lengths of a reply's parts
        return bytes(((n & 0x7F) | 0x80, n >> 7))
    n &= _UINT64
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def tag(number: int, wire_type: int = 2) -> bytes:
    """A field's key (wire type 2: length-delimited)."""
    return varint(number << 3 | wire_type)


def delimited(key: bytes, data: bytes) -> bytes:
    """A length-delimited field: its key, the length, the bytes."""
    size = len(data)
    return key + (_ONE_BYTE[size] if size < 0x80 else varint(size)) + data


def string(key: bytes, value: str) -> bytes:
    """A string field as proto3 writes it (nothing when empty); `value` encodes as UTF-8
    (a lone surrogate raises UnicodeEncodeError, a ValueError)."""
    if not value:
        return b""
    data = value.encode()
    size = len(data)
    return key + (_ONE_BYTE[size] if size < 0x80 else varint(size)) + data


_INT64 = (-(1 << 63), (1 << 63) - 1)
_SECONDS, _NANOS = tag(1, 0), tag(2, 0)  # google.protobuf.Timestamp's fields
# The last timestamp written, as one tuple (replaced whole: safe across threads): a
# job's events, and the job itself, mostly share their time.
_LAST_TIMESTAMP: list[tuple[int, bytes]] = [(0, b"")]


def timestamp_body(ns: int) -> bytes:
    """The body of a `google.protobuf.Timestamp` for `ns` nanoseconds since the epoch.

    Raises OverflowError beyond int64 seconds, TypeError for a value that is not an int.
    """
    last_ns, last = _LAST_TIMESTAMP[0]
    if ns == last_ns and type(ns) is int:
        return last
    if type(ns) is not int:
        raise TypeError(f"a timestamp is an int of nanoseconds, not {type(ns).__name__}")
    seconds, nanos = divmod(ns, 1_000_000_000)
    if not _INT64[0] <= seconds <= _INT64[1]:
        raise OverflowError(f"{ns} ns is beyond a Timestamp")
    data = (_SECONDS + varint(seconds) if seconds else b"") + (
        _NANOS + varint(nanos) if nanos else b""
    )
    _LAST_TIMESTAMP[0] = (ns, data)
    return data
