"""Rules every backend shares: entry ids, new job records, client ids, how a change applies.

Keeping them here makes the memory backend (the reference) and the SQL backends
agree by construction; the SQL backends mirror `apply_change` in their UPDATE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from armada_core.errors import Conflict
from armada_core.events import EventId
from armada_core.jobs import Job, JobChange, JobRecord, JobState
from armada_core.ports import Append
from armada_core.queues import Queue
from armada_core.runs import Run

_T = TypeVar("_T")


def next_entry(last: tuple[int, int] | None, at_ms: int) -> tuple[int, int]:
    """The `(ms, seq)` of the entry after `last`: never lower, even if the clock went back."""
    if last is None:
        return at_ms, 0
    last_ms, last_seq = last
    ms = max(at_ms, last_ms)
    return (ms, last_seq + 1) if ms == last_ms else (ms, 0)


def entry_ids(ms: int, seq: int, count: int) -> list[EventId]:
    """Ids of the `count` events of entry `ms-seq`; the final one is `last`."""
    return [EventId(ms, seq, index, index == count - 1) for index in range(count)]


def check_appends(appends: Sequence[Append]) -> None:
    """An entry needs at least one event: its id is the id of its last event."""
    for append in appends:
        if not append.events:
            raise ValueError(f"empty append to job set {append.job_set_id!r}")


def new_record(job: Job) -> JobRecord:
    """The record of a job just submitted: QUEUED since its creation."""
    return JobRecord(
        job=job, state=JobState.QUEUED, last_transition_ns=job.created_ns, priority=job.priority
    )


def client_id_keys(jobs: Sequence[Job]) -> dict[tuple[str, str], str]:
    """`(queue, client_id) → job id` to record for new jobs: the first job of each key.

    Two jobs of one write may share a client id (Armada makes both); the first, the
    oldest, is the one a later submit of that client id is answered with.
    """
    keys: dict[tuple[str, str], str] = {}
    for job in jobs:
        if job.client_id:
            keys.setdefault((job.queue, job.client_id), job.id)
    return keys


def apply_change(record: JobRecord | None, change: JobChange) -> JobRecord:
    """The record after `change`, or `Conflict` if the job is not in `change.expected`.

    The transition time moves only when the state does (a reprioritisation keeps it).
    The cancel time is the change's time when it carries a cancel reason or user,
    or when the job becomes CANCELLED without an earlier cancel time.
    """
    if record is None or record.state != change.expected:
        raise Conflict(f"job {change.job_id} is no longer {change.expected.name}")
    cancel_given = change.cancel_reason is not None or change.cancel_user is not None
    cancelled_now = change.state == JobState.CANCELLED and record.cancel_ns == 0
    return replace(
        record,
        state=change.state,
        last_transition_ns=(
            record.last_transition_ns if change.state == record.state else change.at_ns
        ),
        priority=_given(change.priority, record.priority),
        cancel_ns=change.at_ns if cancel_given or cancelled_now else record.cancel_ns,
        cancel_reason=_given(change.cancel_reason, record.cancel_reason),
        cancel_user=_given(change.cancel_user, record.cancel_user),
        error=_given(change.error, record.error),
        retry=_given(change.retry, record.retry),
    )


def _given(value: _T | None, stored: _T) -> _T:
    return stored if value is None else value


def stored_run(run: Run, serial: int) -> Run:
    """The run as stored: with the serial its storage gave it."""
    return run if run.serial == serial else replace(run, serial=serial)


def detach(queue: Queue, policy: str) -> Queue:
    """The queue without `policy` among its retry policies (a deleted policy's queues)."""
    return replace(queue, retry_policies=tuple(p for p in queue.retry_policies if p != policy))


def policy_mention(policy: str) -> str:
    """Text every stored queue naming `policy` contains: a cheap SQL prefilter.

    A policy name is an RFC 1123 label, which JSON writes as it is, within quotes.
    """
    return f'"{policy}"'
