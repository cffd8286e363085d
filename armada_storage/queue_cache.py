"""Queues as last read, for a storage that is the only writer of its queues.

Every submit looks its queue up; on SQLite each lookup was a hop to a reader thread
(and, under load, a wait for the GIL to come back). A storage whose queue writes all
go through itself (SQLite: one server process per file) keeps the queues it read
here and forgets them around each queue write, so a lookup is a dict access.

A read that overlaps a queue write may return what was there before; it is kept only
if no queue write began since the read did (`version`), so the cache never holds a
queue older than the last write. Missing queues are not kept: any name may be asked
for, and a queue is usable the moment CreateQueue returns (decision 4).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from armada_core.queues import Queue

T = TypeVar("T")
MAX_QUEUES = 10_000  # more queues than this: start over (the cache only saves reads)


class QueueCache:
    """Known queues by name; `forgetting()` around every write that may change one."""

    def __init__(self) -> None:
        self._queues: dict[str, Queue] = {}
        self._version = 0

    async def get(self, name: str, read: Callable[[str], Awaitable[Queue | None]]) -> Queue | None:
        """The queue from the cache, else from `read` (kept unless a write overlapped)."""
        queue = self._queues.get(name)
        if queue is not None:
            return queue
        version = self._version
        queue = await read(name)
        if queue is not None and version == self._version:
            if len(self._queues) >= MAX_QUEUES:
                self._queues.clear()
            self._queues[name] = queue
        return queue

    async def forgetting(self, write: Awaitable[T]) -> T:
        """Await a write that may change queues; no queue read before it stays cached."""
        self._forget()
        try:
            return await write
        finally:
            self._forget()

    def _forget(self) -> None:
        self._version += 1
        self._queues.clear()
