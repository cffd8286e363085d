"""Decoding big row sets off the event loop (PostgreSQL reads).

JSON of a few rows takes microseconds; of thousands, tens of milliseconds that would
stall every other request of the process, so `off_loop` moves big batches to a worker
thread. (Writes are encoded before the transaction, paced, by `armada_storage._rows`.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread

T = TypeVar("T")
OFF_LOOP_WEIGHT = 256  # jobs, events or rows to decode: worth a thread hop (~0.1 ms)


async def off_loop(weight: int, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)`, in a worker thread if `weight` says it is big."""
    if weight < OFF_LOOP_WEIGHT:
        return work(*args)
    return await anyio.to_thread.run_sync(functools.partial(work, *args))
