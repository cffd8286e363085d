"""Encoding and decoding rows, off the event loop when there is a lot of it.

A write is encoded (`encode_write`) before it takes a connection, so a connection is
held for the SQL only. JSON of a few jobs takes microseconds; of thousands, tens of
milliseconds that would stall every other request of the process, so `off_loop` moves
big batches to a worker thread, as the SQLite backend does with all of its work.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread

from armada_core.jobs import Job, JobChange, JobState
from armada_core.ports import Append
from armada_core.runs import Run
from armada_storage._codec import events_to_json, job_to_json, run_columns
from armada_storage._rules import client_id_keys
from armada_storage.postgres.schema import CHUNK

T = TypeVar("T")
OFF_LOOP_WEIGHT = 256  # jobs, events or rows to decode: worth a thread hop (~0.1 ms)


async def off_loop(weight: int, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)`, in a worker thread if `weight` says it is big."""
    if weight < OFF_LOOP_WEIGHT:
        return work(*args)
    return await anyio.to_thread.run_sync(functools.partial(work, *args))


@dataclass(frozen=True, slots=True)
class Chunk:
    """One `events` row of an entry, without the entry's id (known only under the lock)."""

    start: int
    count: int
    final: bool
    data: str


@dataclass(frozen=True, slots=True)
class EncodedWrite:
    """One `Storage.write`, its JSON done: what the transaction sends."""

    at_ms: int
    job_rows: list[tuple[Any, ...]]
    client_ids: dict[tuple[str, str], str]  # (queue, client id) → job id, to record
    changes: Sequence[JobChange]
    appends: Sequence[Append]
    chunks: list[list[Chunk]]  # per append
    require_queue: str | None
    run_rows: list[tuple[Any, ...]]


async def encode_write(
    at_ms: int,
    jobs: Sequence[Job],
    changes: Sequence[JobChange],
    appends: Sequence[Append],
    require_queue: str | None,
    runs: Sequence[Run] = (),
) -> EncodedWrite:
    """Encode a write's jobs, events and runs (in a thread when big)."""
    weight = len(jobs) + len(runs) + sum(len(append.events) for append in appends)
    job_rows, chunks = await off_loop(weight, _encode, jobs, appends)
    run_rows = await off_loop(weight, lambda: [run_columns(r) for r in runs])
    client_ids = client_id_keys(jobs)
    return EncodedWrite(
        at_ms, job_rows, client_ids, changes, appends, chunks, require_queue, run_rows
    )


def _encode(
    jobs: Sequence[Job], appends: Sequence[Append]
) -> tuple[list[tuple[Any, ...]], list[list[Chunk]]]:
    inserted = {job.id: job for job in jobs}

    def stored(job: Job) -> bool:
        same = inserted.get(job.id)
        return same is job or same == job

    return [_job_row(job) for job in jobs], [_chunks(a, stored) for a in appends]


def _job_row(job: Job) -> tuple[Any, ...]:
    return (
        job.id,
        job.queue,
        job.job_set_id,
        int(JobState.QUEUED),
        job.priority,
        job.created_ns,
        job.client_id,
        job.external_job_uri,
        job_to_json(job),
    )


def _chunks(append: Append, stored: Callable[[Job], bool]) -> list[Chunk]:
    """An entry's events, at most `CHUNK` to a row; the submitted jobs stored are not repeated."""
    events, count = append.events, len(append.events)
    return [
        Chunk(start, len(part), start + len(part) == count, events_to_json(part, stored))
        for start in range(0, count, CHUNK)
        for part in (events[start : start + CHUNK],)
    ]
