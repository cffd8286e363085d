"""The server's scheduling loop: a pass every `schedulePeriod`, expiry every `cyclePeriod`.

Both run through the service, which lets only the scheduling leader act (E5); a
lease call with queued work also schedules at once (E4), so the loop is what places
work when no executor is asking. A failed pass is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from armada_core.service import ArmadaService

logger = logging.getLogger(__name__)
NS_PER_S = 1e9


def start_scheduling(service: ArmadaService) -> Callable[[], Awaitable[None]]:
    """Start the loop as a task; returns the coroutine function that stops it."""
    task = asyncio.create_task(_loop(service), name="armada-scheduler")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop


async def _loop(service: ArmadaService) -> None:
    config = service.config.scheduler
    next_schedule = 0.0
    while True:
        now = time.monotonic()
        await _guarded("lease expiry", service.expire_leases)
        if now >= next_schedule:
            next_schedule = now + config.schedule_period_ns / NS_PER_S
            await _guarded("scheduling pass", service.schedule)
        await asyncio.sleep(min(config.cycle_period_ns, config.schedule_period_ns) / NS_PER_S)


async def _guarded(what: str, work: Callable[[], Awaitable[int]]) -> None:
    try:
        count = await work()
    except Exception:
        logger.exception("%s failed; retrying next cycle", what)
        return
    if count:
        logger.debug("%s: %d jobs", what, count)
