"""One scheduling pass: the fair-share scheduler's decisions, written (decisions E4, E5).

Only the scheduling leader schedules. A pass reads the queues, the queued jobs, the
executors heard from within `scheduling_executor_timeout` and the active runs, and
calls `armada_core.scheduling.schedule` once per pool (pools in name order; a job
placed in one pool is not offered to the next). Each placement becomes a new run
and its job's `leased` event; each preemption ends its run with `preempted` and
`failed`; all of it in one unit of work. The token buckets of the scheduling rate
limits carry from pass to pass in `SchedulingState`. A resource that no node
reports (say `ephemeral-storage` from executors that do not track it) is not
scheduled: jobs' requests of it are left out, as Armada leaves out resources that
are not among its `supportedResourceTypes`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import anyio.to_thread

from armada_core._usecases.context import Context
from armada_core._usecases.nodes import node_id, nodes_of
from armada_core._usecases.retries import retry_view
from armada_core._usecases.runs import preempt_step
from armada_core._usecases.steps import Step, step, write_steps
from armada_core.clock import uptime_ns
from armada_core.events import EventKind
from armada_core.executors import Executor
from armada_core.jobs import JobRecord, JobState
from armada_core.ports import Clock
from armada_core.queues import Queue
from armada_core.reports import PoolRound, ReportStore, pool_round
from armada_core.retry.mutations import mutated_job
from armada_core.runs import Run, new_run_id
from armada_core.scheduler_config import SchedulerConfig
from armada_core.scheduling import (
    Placement,
    QueuedJob,
    RateState,
    RunningRun,
    SchedulingResult,
    SchedulingRound,
    queued_job,
    schedule,
    units_of,
)
from armada_core.submission.podspec import priority_class_name

logger = logging.getLogger(__name__)

_QUEUED = frozenset({JobState.QUEUED})


@dataclass(slots=True)
class SchedulingState:
    """What one pass leaves to the next: the rate limiters' buckets, per pool; what the
    reports keep of each pool's latest round; and how many queued jobs the last pass
    left unplaced (None: unknown, it did not finish)."""

    rates: dict[str, RateState] = field(default_factory=dict)
    reports: ReportStore = field(default_factory=ReportStore)
    left_queued: int | None = None


async def schedule_pass(ctx: Context, state: SchedulingState) -> int:
    """Place and preempt as the scheduler decides; the number of jobs leased."""
    state.left_queued = None
    if not await ctx.storage.is_scheduling_leader():
        state.reports.step_down()
        return 0
    return await ctx.retrying(lambda: _attempt(ctx, state))


async def _attempt(ctx: Context, state: SchedulingState) -> int:
    now = ctx.clock.now_ns()
    executors = _live(await ctx.storage.list_executors(), now, ctx)
    if not executors:
        return 0
    cordoned = await _cordoned(ctx, executors)
    queues = tuple(await ctx.storage.list_queues())
    queued: dict[str, JobRecord] = {}
    for queue in queues:
        for record in await ctx.storage.jobs_in_queue(queue.name, _QUEUED):
            queued[record.job.id] = record
    if not queued:
        state.reports.keep(_idle_rounds(ctx.config.scheduler, executors, cordoned, now))
        state.left_queued = 0
        return 0
    runs = await ctx.storage.active_runs()
    holders = await ctx.storage.get_jobs({r.job_id for r in runs})
    inputs = _Inputs(now, executors, cordoned, queues, queued, runs, holders)
    # The scheduler is pure and CPU-bound (all queued jobs): off the event loop.
    steps, preempted, rates, rounds = await anyio.to_thread.run_sync(
        _plan, ctx.config.scheduler, inputs, state, ctx.clock
    )
    view = await retry_view(ctx, [record for record, _, _ in preempted])
    steps += [preempt_step(rec, run, reason, now, view=view) for rec, run, reason in preempted]
    await write_steps(ctx, steps, now)
    state.rates = rates  # only once the decisions are written
    state.reports.keep(rounds)
    leased = sum(1 for s in steps if s.change.state is JobState.LEASED)
    state.left_queued = len(queued) - leased
    return leased


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What one pass read from storage."""

    now: int
    executors: list[Executor]
    cordoned: frozenset[str]
    queues: tuple[Queue, ...]
    queued: dict[str, JobRecord]
    runs: list[Run]
    holders: dict[str, JobRecord]


# A preemption to write: the job, its run and why (judged by the retry policies later).
_Preempted = tuple[JobRecord, Run, str]


def _plan(
    config: SchedulerConfig, inputs: _Inputs, state: SchedulingState, clock: Clock
) -> tuple[list[Step], list[_Preempted], dict[str, RateState], list[PoolRound]]:
    """Every pool's leases as steps to write, its preemptions, the rate buckets after
    them, and what the reports keep of each pool's round."""
    now, queued = inputs.now, dict(inputs.queued)
    label = config.scheduling.node_id_label
    nodes = nodes_of(inputs.executors, inputs.cordoned, label)
    names = {node_id(e.id, n.name): n.name for e in inputs.executors for n in e.nodes}
    tracked = frozenset(name for n in nodes for name in n.total)
    running = _running(config, inputs.runs, inputs.holders, tracked)
    by_id = {r.id: r for r in inputs.runs}
    steps: list[Step] = []
    preempted: list[_Preempted] = []
    rates = dict(state.rates)
    rounds: list[PoolRound] = []
    for pool in sorted({n.pool for n in nodes}):
        jobs = tuple(_tracked(queued_job(_retried(r, label)), tracked) for r in queued.values())
        rate_state = state.rates.get(pool, RateState())
        round = SchedulingRound(pool, now, inputs.queues, jobs, nodes, running, rate_state)
        up = uptime_ns()
        result = schedule(config.scheduling, round)
        rounds.append(pool_round(config.scheduling, round, result, clock.now_ns(), up))
        rates[pool] = result.rate_state
        steps += _leases(result, queued, names, pool, now)
        preempted += _preemptions(result, by_id, inputs.holders)
        for placement in result.placements:
            queued.pop(placement.job_id, None)
    return steps, preempted, rates, rounds


def _retried(record: JobRecord, label: str) -> JobRecord:
    """The record with the job its next run gets (memory grown, nodes avoided)."""
    if record.retry.empty:
        return record
    return dataclasses.replace(record, job=mutated_job(record.job, record.retry, label))


def _idle_rounds(
    config: SchedulerConfig, executors: list[Executor], cordoned: frozenset[str], now: int
) -> list[PoolRound]:
    """Rounds of a pass with nothing queued: each pool's capacity, no job considered."""
    nodes = nodes_of(executors, cordoned, config.scheduling.node_id_label)
    up = uptime_ns()
    idle = SchedulingResult((), (), {}, RateState(), {})
    return [
        pool_round(config.scheduling, SchedulingRound(pool, now, (), (), nodes), idle, now, up)
        for pool in sorted({n.pool for n in nodes})
    ]


def _tracked(job: QueuedJob, tracked: frozenset[str]) -> QueuedJob:
    if job.requests.keys() <= tracked:
        return job
    return dataclasses.replace(job, requests=_only(job.requests, tracked))


def _only(requests: Mapping[str, int], tracked: frozenset[str]) -> dict[str, int]:
    return {name: amount for name, amount in requests.items() if name in tracked}


def _live(executors: list[Executor], now: int, ctx: Context) -> list[Executor]:
    timeout = ctx.config.scheduler.scheduling_executor_timeout_ns
    return [e for e in executors if now - e.last_seen_ns <= timeout]


async def _cordoned(ctx: Context, executors: list[Executor]) -> frozenset[str]:
    """The ids of the executors an operator cordoned: no new leases to their nodes."""
    cordoned = {s.executor_id: s for s in await ctx.storage.list_executor_settings() if s.cordoned}
    for executor in executors:
        settings = cordoned.get(executor.id)
        if settings is not None:
            logger.debug(
                "Ignoring executor %s as it was cordoned for reason: %s",
                executor.id,
                settings.cordon_reason,
            )
    return frozenset(cordoned)


def _running(
    config: SchedulerConfig,
    runs: Iterable[Run],
    holders: Mapping[str, JobRecord],
    tracked: frozenset[str],
) -> tuple[RunningRun, ...]:
    out = []
    for run in runs:
        record = holders.get(run.job_id)
        if record is None:
            continue
        job = _retried(record, config.scheduling.node_id_label).job
        class_name = priority_class_name(job.pod_spec)
        gang = job.annotations.get("armadaproject.io/gangId", "")
        out.append(
            RunningRun(
                id=run.id,
                job_id=job.id,
                queue=job.queue,
                node_id=node_id(run.executor, run.node),
                requests=_only(units_of(job.scheduling_resource_requirements.requests), tracked),
                priority_class=class_name,
                priority=run.scheduled_at_priority,
                preemptible=config.priority_class(class_name).preemptible,
                gang_id=gang,
                leased_ns=run.leased_ns,
            )
        )
    return tuple(out)


def _leases(
    result: SchedulingResult,
    queued: Mapping[str, JobRecord],
    names: Mapping[str, str],
    pool: str,
    now: int,
) -> list[Step]:
    """Leases for the placements of one pool's pass."""
    return [
        _lease_step(queued[p.job_id], p, pool, names[p.node_id], now) for p in result.placements
    ]


def _preemptions(
    result: SchedulingResult, runs: Mapping[str, Run], holders: Mapping[str, JobRecord]
) -> list[_Preempted]:
    """The runs one pool's pass preempts, with their jobs."""
    out = []
    for preemption in result.preemptions:
        run, record = runs.get(preemption.run_id), holders.get(preemption.job_id)
        if run is not None and record is not None and not record.is_terminal:
            out.append((record, run, preemption.reason))
    return out


def _lease_step(record: JobRecord, placement: Placement, pool: str, node: str, now: int) -> Step:
    run = Run(
        id=new_run_id(),
        job_id=record.job.id,
        executor=placement.executor,
        node=node,
        pool=pool,
        scheduled_at_priority=placement.priority,
        leased_ns=now,
    )
    fields = {"cluster_id": run.executor, "pool": run.pool}
    return step(record, [(EventKind.LEASED, fields)], now, runs=[run])
