"""Pages of stream replies, and reading a stream one page ahead of its writer.

A server stream's iterator (see `operations`) yields replies one by one as Go-JSON
dicts, or several at once as a `Page`: the replies one storage read found (an event
stream's events). A transport writes a page in as few writes as it can, and can ask
for each reply as its protobuf bytes (`Page.to_bytes`), which may skip the dict.

`prefetched` runs the iterator in a task of its own, so the next page is being read
while the transport writes the current one; it holds one item at most and never
waits for more than the iterator has (a watcher's event is passed on at once).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

JsonDict = dict[str, Any]
T = TypeVar("T")


class Page(ABC, Generic[T]):
    """Replies of one stream read, in order, each convertible to JSON or protobuf bytes."""

    def __init__(self, items: Sequence[T]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    @abstractmethod
    def to_json(self, item: T) -> JsonDict:
        """One reply as its Go-JSON dict."""

    @abstractmethod
    def to_bytes(self, item: T) -> bytes:
        """One reply as its message's protobuf bytes (the message `to_json` describes)."""


class _Failed:
    """The iterator raised: the reader hands the error on to be raised in the writer."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


@asynccontextmanager
async def prefetched(items: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """`items`, read one item ahead in a task of its own; closed when the block ends.

    An error the iterator raises comes out of the returned iterator, in order.
    """
    send, receive = anyio.create_memory_object_stream[Any](0)
    failure: Exception | None = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_read, items, send)
        try:
            yield _Receiving(receive)
        except Exception as error:
            failure = error  # raised below as it is, not in the task group's ExceptionGroup
        finally:
            tasks.cancel_scope.cancel()
            receive.close()
    if failure is not None:
        raise failure


async def _read(items: AsyncIterator[T], send: MemoryObjectSendStream[Any]) -> None:
    async with send:
        try:
            async for item in items:
                await send.send(item)
        except anyio.get_cancelled_exc_class():
            raise
        except anyio.BrokenResourceError:
            return  # the writer has left
        except Exception as error:  # the stream's failure, for the writer to report
            with contextlib.suppress(anyio.BrokenResourceError):
                await send.send(_Failed(error))
        finally:
            with anyio.CancelScope(shield=True):
                await close_stream(items)


class _Receiving:
    """The items as they arrive; a `_Failed` is raised."""

    def __init__(self, receive: MemoryObjectReceiveStream[Any]) -> None:
        self._receive = receive

    def __aiter__(self) -> _Receiving:
        return self

    async def __anext__(self) -> Any:
        try:
            item = await self._receive.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None
        if type(item) is _Failed:
            raise item.error
        return item


async def close_stream(items: AsyncIterator[Any]) -> None:
    """`aclose()` the iterator if it has one (an async generator does)."""
    aclose = getattr(items, "aclose", None)
    if aclose is not None:
        await aclose()
