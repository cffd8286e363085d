"""Turning decisions about jobs into one storage write: events, changes, appends.

A `Step` is what one use case does to one job: the events it emits (run through
the state machine from the state it read) and the guarded `JobChange` that goes
with them. The change is written even when the state stays, so a job that moved on
meanwhile makes the write fail with `Conflict` and the use case re-reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from armada_core._usecases.context import NS_PER_MS, Context
from armada_core.events import Event, EventKind
from armada_core.jobs import JobChange, JobRecord
from armada_core.ports import Append
from armada_core.retry.record import RetryMutations
from armada_core.runs import Run
from armada_core.state_machine import apply

Emit = tuple[EventKind, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Step:
    """One job's events, the change that records their effect, and its runs' new records."""

    record: JobRecord
    events: tuple[Event, ...]
    change: JobChange
    runs: tuple[Run, ...] = ()


def step(
    record: JobRecord,
    emits: Sequence[Emit],
    at_ns: int,
    *,
    priority: int | None = None,
    cancel_reason: str | None = None,
    cancel_user: str | None = None,
    error: str | None = None,
    runs: Sequence[Run] = (),
    retry: RetryMutations | None = None,
) -> Step:
    """The events `emits` describe for this job, and the guarded change they imply."""
    state = record.state
    for kind, fields in emits:
        state = apply(state, kind, fields)
    job_id = record.job.id
    events = tuple(Event(kind, job_id, at_ns, dict(fields)) for kind, fields in emits)
    change = JobChange(
        job_id,
        expected=record.state,
        state=state,
        at_ns=at_ns,
        priority=priority,
        cancel_reason=cancel_reason,
        cancel_user=cancel_user,
        error=error,
        retry=retry,
    )
    return Step(record, events, change, tuple(runs))


def appends_for(steps: Sequence[Step]) -> list[Append]:
    """One log entry per job set touched, events in step order."""
    grouped: dict[tuple[str, str], list[Event]] = {}
    for s in steps:
        key = (s.record.job.queue, s.record.job.job_set_id)
        grouped.setdefault(key, []).extend(s.events)
    return [Append(queue, job_set, tuple(events)) for (queue, job_set), events in grouped.items()]


async def write_steps(ctx: Context, steps: Sequence[Step], at_ns: int) -> None:
    """Write every step in one unit of work; nothing to do writes nothing."""
    if not steps:
        return
    await ctx.storage.write(
        at_ms=at_ns // NS_PER_MS,
        changes=[s.change for s in steps],
        appends=appends_for(steps),
        runs=[run for s in steps for run in s.runs],
    )
