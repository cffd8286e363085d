"""One scheduling pass: queued jobs become runs on live executors (decisions E4, E5).

Only the scheduling leader places jobs. A pass reads the queued jobs of every queue
that is not cordoned, the executors heard from within `scheduling_executor_timeout`
and the active runs, asks `placement.place` where jobs go, and writes each placement
as a new run plus the job's `leased` event, in one unit of work.
"""

from __future__ import annotations

from armada_core._usecases.context import Context
from armada_core._usecases.placement import Placement, candidate, place, request_of, rooms
from armada_core._usecases.steps import Step, step, write_steps
from armada_core.events import EventKind
from armada_core.executors import Executor
from armada_core.jobs import JobRecord, JobState
from armada_core.runs import Run, new_run_id

_QUEUED = frozenset({JobState.QUEUED})


async def schedule_pass(ctx: Context) -> int:
    """Place what fits now; the number of jobs leased."""
    if not await ctx.storage.is_scheduling_leader():
        return 0
    return await ctx.retrying(lambda: _attempt(ctx))


async def _attempt(ctx: Context) -> int:
    now = ctx.clock.now_ns()
    executors = _live(await ctx.storage.list_executors(), now, ctx)
    if not executors:
        return 0
    queued = await _queued(ctx)
    if not queued:
        return 0
    runs = await ctx.storage.active_runs()
    running = await ctx.storage.get_jobs({r.job_id for r in runs})
    requests = {job_id: request_of(r.job) for job_id, r in running.items()}
    placements = place([candidate(r.job) for r in queued], rooms(executors, runs, requests))
    by_id = {r.job.id: r for r in queued}
    steps = [_lease_step(ctx, by_id[p.job_id], p, now) for p in placements]
    await write_steps(ctx, steps, now)
    return len(steps)


def _live(executors: list[Executor], now: int, ctx: Context) -> list[Executor]:
    timeout = ctx.config.scheduler.scheduling_executor_timeout_ns
    return [e for e in executors if now - e.last_seen_ns <= timeout]


async def _queued(ctx: Context) -> list[JobRecord]:
    """Queued jobs of queues open for scheduling, by priority then submission."""
    queued: list[JobRecord] = []
    for queue in await ctx.storage.list_queues():
        if not queue.cordoned:
            queued += await ctx.storage.jobs_in_queue(queue.name, _QUEUED)
    return sorted(queued, key=lambda r: (r.priority, r.job.created_ns, r.job.id))


def _lease_step(ctx: Context, record: JobRecord, placement: Placement, now: int) -> Step:
    class_name = str(record.job.pod_spec.get("priorityClassName", ""))
    run = Run(
        id=new_run_id(),
        job_id=record.job.id,
        executor=placement.executor,
        node=placement.node,
        pool=placement.pool,
        scheduled_at_priority=ctx.config.scheduler.priority_class(class_name).priority,
        leased_ns=now,
    )
    fields = {"cluster_id": run.executor, "pool": run.pool}
    return step(record, [(EventKind.LEASED, fields)], now, runs=[run])
