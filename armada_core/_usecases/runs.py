"""Helpers for use cases that end a job's run together with the job."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from armada_core._usecases.context import Context
from armada_core._usecases.retries import OFF, RetryView, category_fields, retry_reason
from armada_core._usecases.steps import Emit, Step, step
from armada_core.events import EventKind
from armada_core.jobs import JobRecord, JobState
from armada_core.retry.categories import INTERNAL, PREEMPTED
from armada_core.retry.engine import FailureKind, RunFailure
from armada_core.runs import Run, RunState

# Job states in which a job holds an active run on some executor.
RUN_STATES = frozenset({JobState.LEASED, JobState.PENDING, JobState.RUNNING})


async def active_run_of(ctx: Context, records: Sequence[JobRecord]) -> dict[str, Run]:
    """Job id → its active run, for the jobs that hold one."""
    holding = [r.job.id for r in records if r.state in RUN_STATES]
    if not holding:
        return {}
    runs = await ctx.storage.runs_of_jobs(holding)
    return {job_id: rs[-1] for job_id, rs in runs.items() if rs and not rs[-1].is_terminal}


def end_run(run: Run | None, state: RunState, at_ns: int, error: str = "") -> list[Run]:
    """The run's ended record (none without a run), to write with its job's change."""
    if run is None:
        return []
    return [dataclasses.replace(run, state=state, finished_ns=at_ns, error=error)]


def preempt_step(
    record: JobRecord,
    run: Run,
    reason: str,
    at_ns: int,
    emits: Sequence[Emit] = (),
    requestor: str = "",
    view: RetryView = OFF,
) -> Step:
    """End the job with its run: `preempted` then `failed` with the reason (after `emits`).

    Unless a retry policy retries it (ours: Armada never retries a preemption): then
    the run ends and the job waits again, with a retryable `failed` (category
    `internal/preempted`) naming the policy. A policy's Fail changes nothing.
    """
    failure = RunFailure.for_kind(FailureKind.PREEMPTED, node=run.node, message=reason)
    verdict = view.judge(record, failure, run.id)
    if verdict is not None and verdict.retry:
        retried = {
            "cluster_id": run.executor,
            "reason": retry_reason(reason, verdict),
            "retryable": True,
            **category_fields(INTERNAL, PREEMPTED),
        }
        runs = end_run(run, RunState.PREEMPTED, at_ns, error=reason)
        return step(record, [*emits, (EventKind.FAILED, retried)], at_ns, runs=runs)
    preempted = {"cluster_id": run.executor, "run_id": run.id, "reason": reason}
    if requestor:
        preempted["requestor"] = requestor
    ended: list[Emit] = [
        *emits,
        (EventKind.PREEMPTED, preempted),
        (EventKind.FAILED, {"cluster_id": run.executor, "reason": reason}),
    ]
    runs = end_run(run, RunState.PREEMPTED, at_ns, error=reason)
    return step(record, ended, at_ns, error=reason, runs=runs)
