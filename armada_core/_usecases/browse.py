"""Browsing jobs for the web UI: pages, groups and one job's history.

Like Lookout (and our api.Jobs queries) these need authentication only: any caller
may look at every job. Inputs are bounded here, before storage sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

from armada_core._usecases.context import Context
from armada_core.browse import (
    FILTER_VALUE_BYTES,
    MAX_FILTER_PAIRS,
    MAX_PAGE_JOBS,
    NUMERIC_ORDERS,
    POSITION_BYTES,
    GroupField,
    JobFilter,
    JobGroup,
    JobOrder,
    JobPage,
    JobQuery,
    PagePosition,
)
from armada_core.echo import shown
from armada_core.errors import InvalidArgument, NotFound
from armada_core.events import EventId, StoredEvent
from armada_core.failures import Failure, failures
from armada_core.jobs import JobRecord
from armada_core.limits import (
    ID_BYTES,
    MESSAGE_ID_BYTES,
    check_job_set_id,
    check_label_key,
    check_length,
    check_queue_name,
)
from armada_core.runs import Run, RunState

# A job's events are found by reading its job set's log: at most this many events
# are read for one job view, so a huge job set costs a bounded read.
MAX_HISTORY_SCAN = 50_000
_HISTORY_BATCH = 2_000
_INT64 = (-(2**63), 2**63 - 1)  # what every backend stores a number of a position in


@dataclass(frozen=True, slots=True)
class JobHistory:
    """A job, its events and its runs (serial order); `complete` is False when the
    scan bound cut the log."""

    record: JobRecord
    events: list[StoredEvent]
    complete: bool
    runs: tuple[Run, ...] = ()

    @property
    def failures(self) -> list[Failure]:
        """Every `failed` event of the job, oldest first."""
        return failures(stored.event for stored in self.events)

    @property
    def failure(self) -> Failure | None:
        """Why the job failed: its last `failed` event (None if it has none)."""
        found = self.failures
        return found[-1] if found else None

    @property
    def run_failures(self) -> dict[str, Failure]:
        """Run id → the run's `failed` event, for the runs the log has one of.

        Events name their run by the pod's `kubernetes_id`; a failure that names no
        known run (an executor that leaves it empty, or names pods otherwise) belongs
        to the last run when that run failed.
        """
        found = {f.run_id: f for f in self.failures if f.run_id}
        failure = self.failure
        if not self.runs or failure is None:
            return found
        last = self.runs[-1]
        known = failure.run_id in {run.id for run in self.runs}
        if last.state is RunState.FAILED and not known:
            found.setdefault(last.id, failure)
        return found


def check_filter(filter: JobFilter) -> None:
    """Every value of a filter within the API's limits."""
    check_queue_name(filter.queue)
    check_job_set_id(filter.job_set_id)
    check_length("job id", filter.job_id, ID_BYTES)
    for field, pairs in (("labels", filter.labels), ("annotations", filter.annotations)):
        if len(pairs) > MAX_FILTER_PAIRS:
            raise InvalidArgument(f"{field}: at most {MAX_FILTER_PAIRS} conditions allowed")
        for key, value in pairs:
            check_label_key(field, key)
            check_length(f"{field} value", value, FILTER_VALUE_BYTES)


def check_position(position: PagePosition, order: JobOrder) -> None:
    """A position of `order`: a number where it sorts by number, else text; in range."""
    numeric = order in NUMERIC_ORDERS
    values = (position.seq, position.value) if numeric else (position.seq,)
    if any(type(v) is not int or not _INT64[0] <= v <= _INT64[1] for v in values):
        raise InvalidArgument(f"the page position does not belong to the order {order.value}")
    if not numeric:
        if not isinstance(position.value, str):
            raise InvalidArgument(f"the page position does not belong to the order {order.value}")
        check_length("page position", position.value, POSITION_BYTES)


async def browse_jobs(ctx: Context, query: JobQuery) -> JobPage:
    """A page of jobs by position."""
    check_filter(query.filter)
    if not 1 <= query.limit <= MAX_PAGE_JOBS:
        raise InvalidArgument(f"page size must be between 1 and {MAX_PAGE_JOBS}")
    if query.after is not None:
        check_position(query.after, query.order)
    return await ctx.storage.browse_jobs(query)


async def group_jobs(ctx: Context, filter: JobFilter, field: GroupField) -> list[JobGroup]:
    """Matching jobs counted per group and state."""
    check_filter(filter)
    return await ctx.storage.group_jobs(filter, field)


async def _record(ctx: Context, job_id: str) -> JobRecord:
    check_length("job id", job_id, ID_BYTES)
    record = (await ctx.storage.get_jobs([job_id])).get(job_id)
    if record is None:
        raise NotFound(f"job {shown(job_id)} not found")
    return record


async def job_changed(ctx: Context, job_id: str, since: str) -> bool:
    """Whether the job set's log has events of the job after message id `since`.

    A live view asks this before it reads the whole history again: one bounded
    read of the newest part of the log. True also when that read is not enough to
    tell (a busy log), so the view is never left stale.
    """
    check_length("since", since, MESSAGE_ID_BYTES)
    job = (await _record(ctx, job_id)).job
    after = EventId.parse(since)
    batch = await ctx.storage.read_events(job.queue, job.job_set_id, after, _HISTORY_BATCH)
    return len(batch) == _HISTORY_BATCH or any(e.event.job_id == job_id for e in batch)


async def job_history(ctx: Context, job_id: str) -> JobHistory:
    """The job and its events in log order; NotFound if the job is unknown."""
    record = await _record(ctx, job_id)
    job = record.job
    runs = tuple((await ctx.storage.runs_of_jobs([job_id])).get(job_id, ()))
    events: list[StoredEvent] = []
    after = None
    for _ in range(MAX_HISTORY_SCAN // _HISTORY_BATCH):
        batch = await ctx.storage.read_events(job.queue, job.job_set_id, after, _HISTORY_BATCH)
        events += (e for e in batch if e.event.job_id == job_id)
        if len(batch) < _HISTORY_BATCH:
            return JobHistory(record, events, complete=True, runs=runs)
        after = batch[-1].id
    return JobHistory(record, events, complete=False, runs=runs)
