"""Long request work in slices, so one big request does not hold the event loop.

Both protocols share one event loop. A request's CPU work (converting 10,000 jobs,
validating them, building their events) runs in the loop thread; done in one go it
stalls every other call for as long. `paced_map` does the same work in order but
lets the loop run other calls every `SLICE_SECONDS` of it. A request that finishes
within one slice never yields, so small requests pay only a clock read per item.

Pacing does not split a unit of work: the results are collected first and written
in one storage write afterwards, so a request stays all-or-nothing. Freeing is work
too: `paced_release` drops the bulk of a finished request in slices.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import anyio.lowlevel

T = TypeVar("T")
R = TypeVar("R")

# Longest stretch of one request's work between two turns of the loop.
SLICE_SECONDS = 0.001


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


# Elements dropped between two clock reads: freeing one is a job's worth of objects.
RELEASE_STEP = 32


async def paced_release(items: list[Any]) -> None:
    """Empty `items`, dropping its references in slices, letting other tasks run.

    Freeing a big request's objects (10,000 jobs: about a million of them) takes tens
    of milliseconds of the loop thread when the last reference goes in one piece, as
    it does when a frame ends. A caller that holds the last references to the bulk in
    a list hands it here instead, once nothing else will use it.
    """
    clock = time.perf_counter
    until = clock() + SLICE_SECONDS
    while items:
        del items[-RELEASE_STEP:]
        if clock() >= until:
            await anyio.lowlevel.checkpoint()
            until = clock() + SLICE_SECONDS
