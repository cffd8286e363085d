"""An in-process change feed: wakes followers of a job set after its log grew.

Followers register *before* they read (`follow`), so an append that commits between
their read and their wait still wakes them. A wake-up is level-triggered: a waiter
notified while it was busy returns at once from its next `wait()`; several
notifications before that collapse into one, which is enough because the follower
reads everything after its last id when it wakes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from armada_core.ports import Waiter


class _Waiter:
    """One follower's wake-up flag."""

    __slots__ = ("_woken",)

    def __init__(self) -> None:
        self._woken = anyio.Event()

    def wake(self) -> None:
        self._woken.set()

    async def wait(self) -> None:
        """Return once woken since the waiter was made or last returned."""
        await self._woken.wait()
        # No await between the wake-up and the reset: a notify cannot slip in here,
        # because notify runs on the event loop thread only.
        self._woken = anyio.Event()


class LocalChangeFeed:
    """`ChangeFeed` for one process: a set of waiters per job set.

    `notify` must be called from the event loop thread (anyio events are not thread
    safe); storage backends call it after their write has committed. Notifying a job
    set nobody follows is one dictionary lookup.
    """

    def __init__(self) -> None:
        self._waiters: dict[tuple[str, str], set[_Waiter]] = {}
        self._everything: set[_Waiter] = set()

    @asynccontextmanager
    async def follow(self, queue: str, job_set_id: str) -> AsyncIterator[Waiter]:
        """Register a waiter for the job set for the duration of the block."""
        key = (queue, job_set_id)
        waiter = _Waiter()
        self._waiters.setdefault(key, set()).add(waiter)
        try:
            yield waiter
        finally:
            waiters = self._waiters[key]
            waiters.discard(waiter)
            if not waiters:
                del self._waiters[key]

    @asynccontextmanager
    async def follow_all(self) -> AsyncIterator[Waiter]:
        """Register a waiter woken by a change to any job set, for the block's duration."""
        waiter = _Waiter()
        self._everything.add(waiter)
        try:
            yield waiter
        finally:
            self._everything.discard(waiter)

    def notify(self, queue: str, job_set_id: str) -> None:
        """Wake every follower of the job set, and of all job sets (event loop thread only)."""
        for waiter in self._waiters.get((queue, job_set_id), ()):
            waiter.wake()
        for waiter in self._everything:
            waiter.wake()

    def notify_all(self) -> None:
        """Wake every follower of every job set (event loop thread only).

        For a backend that may have missed notifications (a lost connection):
        followers re-read, so a spurious wake-up costs one read and loses nothing.
        """
        for waiters in (*self._waiters.values(), self._everything):
            for waiter in waiters:
                waiter.wake()

    def follower_count(self) -> int:
        """How many waiters are registered, over all job sets."""
        return sum(len(waiters) for waiters in self._waiters.values()) + len(self._everything)
