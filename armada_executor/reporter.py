"""Batched event reports: collected for a moment, grouped per job set, sent, re-sent on failure.

A report is kept until `ReportEvents` accepted it; a failed send is retried with
backoff (the server treats a repeated event as already known). Delivery callbacks let
the executor forget a run once its final report is safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from armada_executor.backoff import Backoff
from armada_executor.client import TRANSIENT
from armada_executor.messages import EventList

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.01
MAX_EVENTS_PER_CALL = 200
MAX_BYTES_PER_CALL = 4 * 1024 * 1024


@dataclass(slots=True)
class _Pending:
    sequence: Any
    delivered: Callable[[], None] | None


class Reporter:
    def __init__(self, send: Callable[[Any], Awaitable[None]]) -> None:
        self._send = send
        self._pending: list[_Pending] = []
        self._ready = asyncio.Event()
        self._backoff = Backoff()

    def add(self, sequence: Any, delivered: Callable[[], None] | None = None) -> None:
        self._pending.append(_Pending(sequence, delivered))
        self._ready.set()

    @property
    def waiting(self) -> int:
        return len(self._pending)

    async def run(self) -> None:
        while True:
            await self._ready.wait()
            await asyncio.sleep(FLUSH_SECONDS)  # let a burst of events join one call
            batch = self._take_batch()
            if not self._pending:
                self._ready.clear()
            await self._deliver(batch)

    def _take_batch(self) -> list[_Pending]:
        batch: list[_Pending] = []
        size = 0
        while self._pending and len(batch) < MAX_EVENTS_PER_CALL:
            size += self._pending[0].sequence.ByteSize()
            if batch and size > MAX_BYTES_PER_CALL:
                break
            batch.append(self._pending.pop(0))
        return batch

    async def _deliver(self, batch: list[_Pending]) -> None:
        while True:
            try:
                await self._send(compact([p.sequence for p in batch]))
            except TRANSIENT as exc:
                delay = self._backoff.next()
                logger.warning("reporting events failed (%s); again in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                continue
            self._backoff.reset()
            for pending in batch:
                if pending.delivered is not None:
                    pending.delivered()
            return


def compact(sequences: list[Any]) -> Any:
    """One `EventList` with one sequence per (queue, job set, user), events in order."""
    merged: dict[tuple[str, str, str], Any] = {}
    events = EventList()
    for sequence in sequences:
        key = (sequence.queue, sequence.job_set_name, sequence.user_id)
        if key not in merged:
            merged[key] = events.events.add(
                queue=sequence.queue, job_set_name=sequence.job_set_name, user_id=sequence.user_id
            )
        merged[key].events.extend(sequence.events)
    return events
