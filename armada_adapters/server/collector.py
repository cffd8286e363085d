"""Garbage-collector policy of the reference server.

A 10,000-job request keeps about a million objects alive for a second. With CPython's
default thresholds the collector then runs young collections constantly, and every
tenth one also walks everything that survived since the last (the middle
generation): 100 to 150 ms with such a request alive (measured), on the event loop
that serves every other call. So:

- objects alive at start-up (codecs, schema, config) are frozen out of collection;
- young collections wait for many more allocations, and never cascade into the
  older generations: each walks at most `YOUNG_THRESHOLD` new objects;
- the older generations are collected by a task, when the process is quiet: when
  the heap has grown little since the last collection, no big request is alive, and
  walking what survived costs little. At least every `LONGEST_WAIT_SECONDS` they are
  collected anyway, so garbage in cycles (rare: the request paths make none) stays
  bounded under constant load.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import time
from collections.abc import Awaitable, Callable

YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython: 700)
NEVER = 2**30  # collections of a generation before the next one's: never, automatically
CHECK_SECONDS = 1.0
QUIET_BLOCKS = 50_000  # heap growth (pymalloc blocks) since the last collection: quiet
LONGEST_WAIT_SECONDS = 60.0
FULL_EVERY = 30  # middle-generation collections per full one


def tune_collector() -> Callable[[], Awaitable[None]]:
    """Freeze what start-up made, set the thresholds, start the quiet-time collector;
    returns the coroutine function that stops it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, NEVER, NEVER)
    task = asyncio.create_task(_collect_when_quiet(), name="armada-collector")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop


async def _collect_when_quiet() -> None:
    baseline, last, count = sys.getallocatedblocks(), time.monotonic(), 0
    while True:
        await asyncio.sleep(CHECK_SECONDS)
        quiet = sys.getallocatedblocks() - baseline < QUIET_BLOCKS
        if quiet or time.monotonic() - last >= LONGEST_WAIT_SECONDS:
            count += 1
            gc.collect(2 if count % FULL_EVERY == 0 else 1)
            baseline, last = sys.getallocatedblocks(), time.monotonic()
