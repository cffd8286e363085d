"""`protobytes` writes what upb writes for the same fields."""

from __future__ import annotations

import pytest
from google.protobuf.internal.encoder import _VarintBytes
from hypothesis import given
from hypothesis import strategies as st

from armada_adapters.wire import protobytes
from armada_adapters.wire.pool import message_class

TIMESTAMP = message_class("google.protobuf.Timestamp")
INT64 = st.integers(-(2**63), 2**63 - 1)


@given(st.integers(0, 2**64 - 1) | INT64)
def test_varints_are_protobufs(n: int) -> None:
    assert protobytes.varint(n) == _VarintBytes(n & (2**64 - 1))


@given(INT64.map(lambda s: s * 1_000_000_000) | st.integers(-(2**70), 2**70))
def test_timestamps_are_upbs(ns: int) -> None:
    seconds, nanos = divmod(ns, 1_000_000_000)
    if -(2**63) <= seconds < 2**63:
        expected = TIMESTAMP(seconds=seconds, nanos=nanos).SerializeToString()
        assert protobytes.timestamp_body(ns) == expected
        assert protobytes.timestamp_body(ns) == expected  # once more: the kept one
    else:
        with pytest.raises(OverflowError):
            protobytes.timestamp_body(ns)


def test_a_timestamp_is_an_int() -> None:
    with pytest.raises(TypeError):
        protobytes.timestamp_body(1.0)  # type: ignore[arg-type]


@given(st.text(max_size=300))  # no lone surrogates: those take the message
def test_strings_are_upbs(value: str) -> None:
    message = message_class("api.JobQueuedEvent")(job_id=value)
    assert protobytes.string(protobytes.tag(1), value) == message.SerializeToString()
