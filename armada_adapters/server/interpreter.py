"""Interpreter settings of the reference server: the GIL's switch interval and the
garbage collector's policy.

Switch interval. `sqlite3` lets go of the GIL while a statement runs; taking it back
while the event loop computes (a big request's paced work) waits for the loop to be
forced off it, after the switch interval: 5 ms by default, per statement. A one-job
submit makes about eight statements on the writer thread, and a read one more hop:
40 ms and more waiting for the GIL alone (measured). At `SWITCH_INTERVAL_SECONDS`
the wait is ten times shorter; the loop pays a few microseconds more per switch.

Garbage collector.

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

SWITCH_INTERVAL_SECONDS = 0.0005
YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython: 700)
NEVER = 2**30  # collections of a generation before the next one's: never, automatically
CHECK_SECONDS = 1.0
QUIET_BLOCKS = 50_000  # heap growth (pymalloc blocks) since the last collection: quiet
LONGEST_WAIT_SECONDS = 60.0
FULL_EVERY = 30  # middle-generation collections per full one


def tune_interpreter() -> Callable[[], Awaitable[None]]:
    """Set the switch interval; freeze what start-up made, set the thresholds, start the
    quiet-time collector. Returns the coroutine function that stops it."""
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, NEVER, NEVER)
    task = asyncio.create_task(_collect_when_quiet(), name="armada-collector")

    async def stop() -> None:
        """Stop collecting and give the process its settings back (embedders, tests)."""
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(interval)

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
