"""Cancel, reprioritize and preempt jobs (spec §6, decisions 1, 7, 8).

A cancelled job is CANCELLED at once (`cancelling` then `cancelled`); if it holds a
run, the run ends (CANCELLED) in the same unit of work and its executor learns it by
`CancelRuns` on its next lease call. Preempting a job with a run ends the run
(PREEMPTED) with `preempting`, `preempted` and `failed`; a job without a run only
gets the request recorded (`preempting`).
Reasons are recorded on the job but never put into events (spec §7.1).
"""

from __future__ import annotations

from collections.abc import Sequence

from armada_core._usecases.checks import (
    active_filter,
    cancellable_states,
    check_job_set,
    check_reason,
    in_job_set,
    unique,
)
from armada_core._usecases.context import Context
from armada_core._usecases.retries import RetryView, retry_view
from armada_core._usecases.runs import RUN_STATES, active_run_of, end_run, preempt_step
from armada_core._usecases.steps import Emit, Step, step, write_steps
from armada_core.commands import (
    CancelJobs,
    CancelJobSet,
    CancelOnQueue,
    PreemptJobs,
    PreemptOnQueue,
    ReprioritizeJobs,
)
from armada_core.errors import InvalidArgument
from armada_core.events import EventKind
from armada_core.jobs import ACTIVE_STATES, JobRecord
from armada_core.limits import check_ids, check_names
from armada_core.pacing import paced_map, paced_release
from armada_core.permissions import Permission, QueueVerb
from armada_core.principal import Principal
from armada_core.runs import Run, RunState
from armada_core.submission import check_priority, priority_as_uint32

JOB_IDS = "job_ids"


async def _active_by_id(
    ctx: Context, queue: str, job_set_id: str, job_ids: Sequence[str]
) -> list[JobRecord]:
    """The named jobs that exist in this job set and are active, in request order."""
    records = await ctx.storage.get_jobs(job_ids)
    found = (records.get(job_id) for job_id in job_ids)
    return [r for r in found if r is not None and in_job_set(r, queue, job_set_id)]


# --- cancel ---------------------------------------------------------------------------

CANCEL_BATCH = 1000  # jobs per write (Armada's default `cancelJobsBatchSize`)


def _cancel_step(
    record: JobRecord, run: Run | None, principal: Principal, reason: str, at_ns: int
) -> Step:
    requestor = {"requestor": principal.name}
    emits: list[Emit] = [(EventKind.CANCELLING, requestor), (EventKind.CANCELLED, requestor)]
    ended = end_run(run, RunState.CANCELLED, at_ns)
    return step(record, emits, at_ns, cancel_reason=reason, cancel_user=principal.name, runs=ended)


async def cancel_records(
    ctx: Context, principal: Principal, records: Sequence[JobRecord], reason: str
) -> None:
    """Cancel the jobs (each with its run, if it holds one), in batches."""
    at_ns = ctx.clock.now_ns()
    runs = await active_run_of(ctx, records)
    steps = await paced_map(
        lambda r: _cancel_step(r, runs.get(r.job.id), principal, reason, at_ns), records
    )
    # In batches, as Armada cancels (`cancelJobsBatchSize`): each is one write, so a
    # 100,000-job cancel does not hold the storage writer from every other call. A
    # retry after a failed batch re-reads, and finds the cancelled jobs inactive.
    for start in range(0, len(steps), CANCEL_BATCH):
        await write_steps(ctx, steps[start : start + CANCEL_BATCH], at_ns)
    await paced_release(steps)


async def cancel_jobs(ctx: Context, principal: Principal, command: CancelJobs) -> list[str]:
    """Cancel the named jobs; the answer echoes the requested ids (`[""]` without ids)."""
    check_reason(command.reason)
    ctx.check_count("JobIds", command.job_ids)
    job_ids = unique(command.job_ids)
    if not job_ids:
        whole = CancelJobSet(command.queue, command.job_set_id, reason=command.reason)
        await cancel_job_set(ctx, principal, whole)
        return [""]
    check_job_set(command.queue, command.job_set_id)
    check_ids(JOB_IDS, job_ids)
    await ctx.authorized_queue(principal, command.queue, QueueVerb.CANCEL)

    async def attempt() -> None:
        records = await _active_by_id(ctx, command.queue, command.job_set_id, job_ids)
        await cancel_records(ctx, principal, records, command.reason)
        await paced_release(records)

    await ctx.retrying(attempt)
    return job_ids


async def cancel_job_set(ctx: Context, principal: Principal, command: CancelJobSet) -> None:
    """Cancel the job set's jobs in exactly the given states (all active ones if none)."""
    check_reason(command.reason)
    check_job_set(command.queue, command.job_set_id)
    states = cancellable_states(command.states)
    await ctx.authorized_queue(principal, command.queue, QueueVerb.CANCEL)

    async def attempt() -> None:
        records = await ctx.storage.jobs_in_job_set(command.queue, command.job_set_id, states)
        await cancel_records(ctx, principal, records, command.reason)
        await paced_release(records)  # 100,000 jobs read: freed in one piece, a long stall

    await ctx.retrying(attempt)


def _check_filters(priority_classes: Sequence[str], pools: Sequence[str]) -> None:
    """The names a queue-wide cancel or preempt filters on."""
    check_names("priority_classes", priority_classes)
    check_names("pools", pools)


def _priority_class(record: JobRecord) -> str:
    return str(record.job.pod_spec.get("priorityClassName", ""))


async def cancel_on_queue(ctx: Context, principal: Principal, command: CancelOnQueue) -> None:
    """Cancel a whole queue's matching jobs. Pools are ignored until jobs have runs."""
    ctx.config.permissions.require(principal, Permission.CANCEL_ANY_JOBS)
    if not command.name:
        raise InvalidArgument("queue name cannot be empty")
    ctx.check_count("PriorityClasses", command.priority_classes)
    states = active_filter(command.job_states)
    _check_filters(command.priority_classes, command.pools)
    await ctx.queue(command.name)
    classes = frozenset(command.priority_classes)

    async def attempt() -> None:
        records = await ctx.storage.jobs_in_queue(command.name, states)
        chosen = [r for r in records if not classes or _priority_class(r) in classes]
        await cancel_records(ctx, principal, chosen, "")
        await paced_release(chosen)
        await paced_release(records)

    await ctx.retrying(attempt)


# --- reprioritize ---------------------------------------------------------------------


def _reprioritize_emits(principal: Principal, priority: int, by_id: bool) -> list[Emit]:
    fields = {"new_priority": float(priority), "requestor": principal.name}
    # Armada announces a reprioritisation by id at once (`reprioritizing`); a
    # job-set-wide one only shows when the scheduler applies it (`reprioritized`).
    if by_id:
        return [(EventKind.REPRIORITIZING, fields), (EventKind.REPRIORITIZED, fields)]
    return [(EventKind.REPRIORITIZED, fields)]


async def _active_jobs(
    ctx: Context, queue: str, job_set_id: str, job_ids: Sequence[str]
) -> list[JobRecord]:
    """The named active jobs, or with no names every active job of the set."""
    if job_ids:
        return await _active_by_id(ctx, queue, job_set_id, job_ids)
    return await ctx.storage.jobs_in_job_set(queue, job_set_id, ACTIVE_STATES)


async def reprioritize_jobs(
    ctx: Context, principal: Principal, command: ReprioritizeJobs
) -> dict[str, str]:
    """New priority for the named jobs, or for every active job of the set."""
    check_job_set(command.queue, command.job_set_id)
    check_priority("new_priority", command.new_priority)
    ctx.check_count("JobIds", command.job_ids)
    job_ids = unique(command.job_ids)
    check_ids(JOB_IDS, job_ids)
    await ctx.authorized_queue(principal, command.queue, QueueVerb.REPRIORITIZE)
    priority = priority_as_uint32(command.new_priority)
    emits = _reprioritize_emits(principal, priority, bool(job_ids))

    async def attempt() -> None:
        records = await _active_jobs(ctx, command.queue, command.job_set_id, job_ids)
        at_ns = ctx.clock.now_ns()
        steps = await paced_map(lambda r: step(r, emits, at_ns, priority=priority), records)
        await write_steps(ctx, steps, at_ns)
        await paced_release(steps)
        await paced_release(records)

    await ctx.retrying(attempt)
    if not job_ids:
        return {f"all jobs in job set {command.job_set_id}": ""}
    return dict.fromkeys(job_ids, "")


# --- preempt --------------------------------------------------------------------------


def _preempt_step(
    record: JobRecord,
    run: Run | None,
    principal: Principal,
    reason: str,
    at_ns: int,
    view: RetryView,
) -> Step:
    emits: list[Emit] = [(EventKind.PREEMPTING, {"requestor": principal.name, "reason": reason})]
    if run is None:
        return step(record, emits, at_ns)
    text = f"preempted by {principal.name}" + (f": {reason}" if reason else "")
    return preempt_step(record, run, text, at_ns, emits, requestor=principal.name, view=view)


async def preempt_records(
    ctx: Context,
    principal: Principal,
    records: Sequence[JobRecord],
    reason: str,
    pools: frozenset[str] = frozenset(),
) -> None:
    """Preempt the jobs; with `pools`, only those whose run is in one of them."""
    at_ns = ctx.clock.now_ns()
    runs = await active_run_of(ctx, records)
    if pools:
        records = [r for r in records if r.job.id in runs and runs[r.job.id].pool in pools]
    view = await retry_view(ctx, [r for r in records if r.job.id in runs])
    steps = await paced_map(
        lambda r: _preempt_step(r, runs.get(r.job.id), principal, reason, at_ns, view), records
    )
    await write_steps(ctx, steps, at_ns)


async def preempt_jobs(ctx: Context, principal: Principal, command: PreemptJobs) -> dict[str, str]:
    """Preempt each named active job: its run ends; without a run only `preempting`."""
    check_reason(command.reason)
    check_job_set(command.queue, command.job_set_id)
    ctx.check_count("JobIds", command.job_ids)
    job_ids = unique(command.job_ids)
    check_ids(JOB_IDS, job_ids)
    await ctx.authorized_queue(principal, command.queue, QueueVerb.PREEMPT)

    async def attempt() -> None:
        records = await _active_by_id(ctx, command.queue, command.job_set_id, job_ids)
        await preempt_records(ctx, principal, records, command.reason)

    await ctx.retrying(attempt)
    return dict.fromkeys(job_ids, "")


async def preempt_on_queue(ctx: Context, principal: Principal, command: PreemptOnQueue) -> None:
    """Preempt a queue's jobs that hold a run, of the given priority classes and pools
    (all if none)."""
    ctx.config.permissions.require(principal, Permission.PREEMPT_ANY_JOBS)
    if not command.name:
        raise InvalidArgument("queue name cannot be empty")
    _check_filters(command.priority_classes, command.pools)
    await ctx.queue(command.name)
    classes = frozenset(command.priority_classes)

    async def attempt() -> None:
        records = await ctx.storage.jobs_in_queue(command.name, RUN_STATES)
        chosen = [r for r in records if not classes or _priority_class(r) in classes]
        await preempt_records(ctx, principal, chosen, "", frozenset(command.pools))

    await ctx.retrying(attempt)
