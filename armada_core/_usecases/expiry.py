"""Lease expiry (decision E6): an executor silent past `executorTimeout` loses its runs.

Each active run on such an executor ends as LEASE_EXPIRED (category
`internal/lease-expired`). Without a deciding retry policy its job gets
`lease_expired` then `failed`; a policy's Retry sends `lease_expired` then a retryable
`failed` (the job waits again, unchanged: expiries get no mutations); a policy's Fail
sends only `failed`, naming the policy (spec §1.9). The executor, if it comes back,
is told to cancel those runs on its next lease call.
"""

from __future__ import annotations

from armada_core._usecases.context import Context
from armada_core._usecases.retries import (
    RetryView,
    category_fields,
    job_error,
    retry_reason,
    retry_view,
)
from armada_core._usecases.runs import end_run
from armada_core._usecases.steps import Emit, Step, step, write_steps
from armada_core.events import EventKind
from armada_core.jobs import JobRecord
from armada_core.retry.categories import INTERNAL
from armada_core.retry.categories import LEASE_EXPIRED as EXPIRED_CATEGORY
from armada_core.retry.engine import FailureKind, RunFailure
from armada_core.runs import Run, RunState

LEASE_EXPIRED = "lease expired: executor {executor} has not been heard from since {seconds} s"


async def expire_leases(ctx: Context) -> int:
    """Fail the runs of silent executors (leader only); the number of runs ended."""
    if not await ctx.storage.is_scheduling_leader():
        return 0
    return await ctx.retrying(lambda: _attempt(ctx))


async def _attempt(ctx: Context) -> int:
    now = ctx.clock.now_ns()
    timeout = ctx.config.scheduler.executor_timeout_ns
    silent = {
        e.id: (now - e.last_seen_ns) // 1_000_000_000
        for e in await ctx.storage.list_executors()
        if now - e.last_seen_ns > timeout
    }
    if not silent:
        return 0
    runs = [r for e in silent for r in await ctx.storage.active_runs(e)]
    records = await ctx.storage.get_jobs({r.job_id for r in runs})
    view = await retry_view(ctx, [r for r in records.values() if not r.is_terminal])
    steps = [
        _expire(view, records[r.job_id], r, silent[r.executor], now)
        for r in runs
        if r.job_id in records
    ]
    await write_steps(ctx, steps, now)
    return len(steps)


_CATEGORY = category_fields(INTERNAL, EXPIRED_CATEGORY)


def _expire(view: RetryView, record: JobRecord, run: Run, seconds: int, now: int) -> Step:
    reason = LEASE_EXPIRED.format(executor=run.executor, seconds=seconds)
    ended = end_run(run, RunState.LEASE_EXPIRED, now, error=reason)
    if record.is_terminal:
        return step(record, [], now, runs=ended)  # only the run was left to end
    failure = RunFailure.for_kind(FailureKind.LEASE_EXPIRED, node=run.node, message=reason)
    verdict = view.judge(record, failure, run.id)
    failed = {"cluster_id": run.executor, "reason": reason, **_CATEGORY}
    expired: Emit = (EventKind.LEASE_EXPIRED, {})
    if verdict is not None and verdict.retry:
        retried = {**failed, "reason": retry_reason(reason, verdict), "retryable": True}
        return step(record, [expired, (EventKind.FAILED, retried)], now, runs=ended)
    emits: list[Emit] = [expired]
    if verdict is not None:
        text = f"Lease expired and not retried by policy: {verdict.explanation}\n\n{reason}"
        failed["reason"], emits = text, []
    error = job_error(failed["reason"], INTERNAL, EXPIRED_CATEGORY)
    return step(record, [*emits, (EventKind.FAILED, failed)], now, error=error, runs=ended)
