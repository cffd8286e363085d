"""A write's rows, encoded before the write takes the database (both SQL backends).

Encoding is the CPU-heavy part of a write: the JSON and bytes of 10,000 jobs and their events
takes about 100 ms (more for pod specs held as Kubernetes JSON, which the codec turns
into protobuf bytes here; a protobuf-backed one hands over its bytes). Done inside
the transaction (as the SQLite writer once did), it held the one writer for that
long, so a one-job submit waited behind it; done in a worker thread, it holds the GIL
against the event loop in 5 ms turns. So it runs here, in the caller's task, paced
(`armada_core.pacing`): other calls interleave every slice, and the transaction that
follows is SQL only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from armada_core.jobs import Job, JobChange, JobState
from armada_core.pacing import paced_map
from armada_core.ports import Append, EventCodec, PodSpecCodec
from armada_core.runs import Run
from armada_storage._codec import job_to_json, run_columns
from armada_storage._event_rows import events_row
from armada_storage._rules import check_appends, client_id_keys

CHUNK = 256  # events per `events` row at most (both schemas)
# The columns of `job_row`, in its order.
JOB_COLUMNS = (
    "id", "queue", "job_set_id", "state", "priority", "last_transition_ns", "client_id",
    "external_job_uri", "spec", "pod_spec",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Chunk:
    """One `events` row of an entry, without the entry's id (known only in the transaction)."""

    start: int
    count: int
    final: bool
    data: bytes  # `_event_rows.events_row`


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

    @property
    def weight(self) -> int:
        """Rows the transaction writes, about: how long it holds the database."""
        return (
            len(self.job_rows)
            + len(self.changes)
            + len(self.run_rows)
            + sum(len(a.events) for a in self.appends)
        )


async def encode_write(
    at_ms: int,
    jobs: Sequence[Job],
    changes: Sequence[JobChange],
    appends: Sequence[Append],
    require_queue: str | None,
    runs: Sequence[Run] = (),
    *,
    pod_specs: PodSpecCodec,
    events: EventCodec,
) -> EncodedWrite:
    """Check the appends and encode the write's jobs, events and runs (paced)."""
    check_appends(appends)
    stored = _stored_predicate(jobs)
    job_rows = await paced_map(lambda job: job_row(job, pod_specs), jobs)
    chunks = [await _chunks(append, stored, events) for append in appends]
    run_rows = await paced_map(run_columns, runs)
    client_ids = client_id_keys(jobs)
    return EncodedWrite(
        at_ms, job_rows, client_ids, changes, appends, chunks, require_queue, run_rows
    )


def _stored_predicate(jobs: Sequence[Job]) -> Callable[[Job], bool]:
    """Whether a submitted event's job is one this write inserts (not repeated then)."""
    inserted = {job.id: job for job in jobs}

    def stored(job: Job) -> bool:
        same = inserted.get(job.id)
        return same is job or same == job

    return stored


def job_row(job: Job, pod_specs: PodSpecCodec) -> tuple[Any, ...]:
    """A new job's row: id, queue, job set, state, priority, last transition, client
    id, external URI, spec JSON, pod spec bytes (both schemas name these columns alike).

    A protobuf-backed pod spec hands over the bytes it arrived with: nothing is
    encoded again on the submit path."""
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
        pod_specs.encode(job.spec),
    )


async def _chunks(append: Append, stored: Callable[[Job], bool], codec: EventCodec) -> list[Chunk]:
    """An entry's events, at most `CHUNK` to a row; the submitted jobs stored are not repeated."""
    events, count = append.events, len(append.events)
    queue, job_set_id = append.queue, append.job_set_id

    def chunk(start: int) -> Chunk:
        part = events[start : start + CHUNK]
        data = events_row(part, stored, codec, queue, job_set_id)
        return Chunk(start, len(part), start + len(part) == count, data)

    return await paced_map(chunk, range(0, count, CHUNK))
