"""Queues as last read, forgotten whenever a queue may have changed.

Every submit looks its queue up; on SQLite each lookup was a hop to a reader thread
(and, under load, a wait for the GIL to come back), on PostgreSQL a round trip. A
storage keeps the queues it read here and forgets them around each of its own queue
writes, so a lookup is a dict access. Where other processes write queues too
(PostgreSQL), it also forgets them when told another did (`forget`), and trusts the
cache only while it can be told (`suspend` / `resume`).

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

    def __init__(self, *, trusted: bool = True) -> None:
        self._queues: dict[str, Queue] = {}
        self._version = 0
        self._trusted = trusted

    async def get(self, name: str, read: Callable[[str], Awaitable[Queue | None]]) -> Queue | None:
        """The queue from the cache, else from `read` (kept unless a write overlapped)."""
        queue = self._queues.get(name)
        if queue is not None:
            return queue
        version = self._version
        queue = await read(name)
        if queue is not None and version == self._version and self._trusted:
            if len(self._queues) >= MAX_QUEUES:
                self._queues.clear()
            self._queues[name] = queue
        return queue

    async def forgetting(self, write: Awaitable[T]) -> T:
        """Await a write that may change queues; no queue read before it stays cached."""
        self.forget()
        try:
            return await write
        finally:
            self.forget()

    def forget(self) -> None:
        """Drop every queue; reads in flight are not kept either."""
        self._version += 1
        self._queues.clear()

    def suspend(self) -> None:
        """Stop keeping queues (changes elsewhere could go unnoticed) until `resume`."""
        self._trusted = False
        self.forget()

    def resume(self) -> None:
        """Keep queues again, from now on."""
        self.forget()
        self._trusted = True
