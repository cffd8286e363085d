"""The server's scheduling loop: a pass every `schedulePeriod`, expiry every `cyclePeriod`.

Both run through the service, which lets only the scheduling leader act (E5); a
lease call with queued work also schedules at once (E4), so the loop is what places
work when no executor is asking. A failed pass is logged and the loop goes on.
An observer (the metrics) hears each pass's time and placements, and whether this
process holds the scheduling leadership (asked once per pass, told on change).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from armada_core.observers import SchedulerObserver
from armada_core.service import ArmadaService

logger = logging.getLogger(__name__)
NS_PER_S = 1e9
Leadership = Callable[[], Awaitable[bool]]


def start_scheduling(
    service: ArmadaService,
    observer: SchedulerObserver | None = None,
    *,
    is_leader: Leadership | None = None,
) -> Callable[[], Awaitable[None]]:
    """Start the loop as a task; returns the coroutine function that stops it.

    `observer` hears of every pass, and of leadership changes when `is_leader` (the
    storage's `is_scheduling_leader`) is given."""
    watched = _Watched(observer, is_leader) if observer is not None else None
    task = asyncio.create_task(_loop(service, watched), name="armada-scheduler")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop


class _Watched:
    """Reports passes to the observer; leadership only when it changes."""

    def __init__(self, observer: SchedulerObserver, is_leader: Leadership | None) -> None:
        self.observer = observer
        self.is_leader = is_leader
        self.leader: bool | None = None

    async def pass_finished(self, seconds: float, placements: int) -> None:
        """A pass ended; only the leader's passes are scheduling cycles."""
        leader = True if self.is_leader is None else await self.is_leader()
        if leader != self.leader:
            self.leader = leader
            self.observer.leadership_changed(leader)
        if leader:
            self.observer.cycle_finished(seconds, placements)


async def _loop(service: ArmadaService, watched: _Watched | None) -> None:
    config = service.config.scheduler
    next_schedule = 0.0
    while True:
        now = time.monotonic()
        await _guarded("lease expiry", service.expire_leases)
        if now >= next_schedule:
            next_schedule = now + config.schedule_period_ns / NS_PER_S
            started = time.monotonic()
            placed = await _guarded("scheduling pass", service.schedule)
            if watched is not None and placed is not None:
                await _guarded(
                    "leadership check", watched.pass_finished, time.monotonic() - started, placed
                )
        await asyncio.sleep(min(config.cycle_period_ns, config.schedule_period_ns) / NS_PER_S)


async def _guarded(what: str, work: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """`work(*args)`, or None (logged) when it fails."""
    try:
        result = await work(*args)
    except Exception:
        logger.exception("%s failed; retrying next cycle", what)
        return None
    if isinstance(result, int) and result:
        logger.debug("%s: %d jobs", what, result)
    return result
