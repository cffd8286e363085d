"""Long request work in slices, so one big request does not hold the event loop.

Both protocols share one event loop. A request's CPU work (converting 10,000 jobs,
validating them, building their events) runs in the loop thread; done in one go it
stalls every other call for as long. `paced_map` does the same work in order but
lets the loop run other calls every `SLICE_SECONDS` of it. A request that finishes
within one slice never yields, so small requests pay only a clock read per item.

Pacing does not split a unit of work: the results are collected first and written
in one storage write afterwards, so a request stays all-or-nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import anyio.lowlevel

T = TypeVar("T")
R = TypeVar("R")

# Longest stretch of one request's work between two turns of the loop.
SLICE_SECONDS = 0.002


async def paced_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`[fn(item) for item in items]`, letting other tasks run every slice of work."""
    clock = time.perf_counter
    out: list[R] = []
    until = clock() + SLICE_SECONDS
    for item in items:
        out.append(fn(item))
        if clock() >= until:
            await anyio.lowlevel.checkpoint()
            until = clock() + SLICE_SECONDS
    return out
