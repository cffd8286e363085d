"""`prefetched`: a stream read one item ahead of its writer, closed when the writer stops."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from armada_adapters.wire.pages import prefetched

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """Both transports run on asyncio."""
    return "asyncio"


class _Source:
    """Yields 0..n-1 (then raises `failure`, if any), recording what it did."""

    def __init__(self, n: int, failure: Exception | None = None) -> None:
        self.n = n
        self.failure = failure
        self.produced = 0
        self.closed = False

    async def items(self) -> AsyncIterator[int]:
        try:
            for k in range(self.n):
                self.produced += 1
                yield k
            if self.failure is not None:
                raise self.failure
        finally:
            self.closed = True


async def test_every_item_in_order_then_the_end() -> None:
    source = _Source(50)
    async with prefetched(source.items()) as ahead:
        assert [k async for k in ahead] == list(range(50))
    assert source.closed


async def test_a_failure_comes_after_the_items_before_it() -> None:
    source = _Source(3, LookupError("gone"))
    got: list[int] = []
    with pytest.raises(LookupError, match="gone"):
        async with prefetched(source.items()) as ahead:
            async for k in ahead:
                got.append(k)
    assert got == [0, 1, 2]
    assert source.closed


async def test_it_reads_one_item_ahead_and_no_more() -> None:
    source = _Source(10)
    async with prefetched(source.items()) as ahead:
        assert await ahead.__anext__() == 0
        for _ in range(20):
            await anyio.sleep(0)  # let the reader run as far as it may
        assert source.produced == 2  # the item taken, and the next one read ahead


async def test_a_writer_that_stops_early_closes_the_stream() -> None:
    source = _Source(1000)
    async with prefetched(source.items()) as ahead:
        async for k in ahead:
            if k == 3:
                break
    assert source.closed
    assert source.produced <= 5


async def test_an_error_in_the_writer_comes_out_as_it_is() -> None:
    source = _Source(10)
    with pytest.raises(KeyError):  # not wrapped in an ExceptionGroup
        async with prefetched(source.items()) as ahead:
            async for _ in ahead:
                raise KeyError("writer")
    assert source.closed


async def test_cancelling_the_writer_closes_the_stream() -> None:
    source = _Source(10**9)
    with anyio.move_on_after(0.05):
        async with prefetched(source.items()) as ahead:
            async for _ in ahead:
                await anyio.sleep(0.01)
    assert source.closed
