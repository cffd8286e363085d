"""LeaseJobRuns (executor spec §1.4): record the snapshot, cancel, (re)send leases.

The call is the executor's heartbeat. Runs it reports that are unknown or ended are
to be cancelled; every other active run placed on it that it does not report is sent
(again, same run id), oldest first, up to `max_jobs_to_lease`. Sending needs no
acknowledgement: a lost answer just means the next call sends the runs again.

An executor may let the server hold a call that has nothing to say (`wait_ns`, our
executor's `armada-lease-wait-ms` header; Armada's never asks): the call then answers
as soon as a change to any job set gives it something to say, so a job submitted to
an idle cluster starts without waiting for the executor's next round.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import anyio

from armada_core._usecases.context import Context
from armada_core.execution import Lease, LeaseAnswer, LeaseCall, LeasePatch
from armada_core.jobs import JobRecord
from armada_core.permissions import Permission
from armada_core.principal import Principal
from armada_core.retry.mutations import retry_patch
from armada_core.runs import Run
from armada_core.scheduler_config import SchedulerConfig

POOL_ANNOTATION = "armadaproject.io/pool"
PREEMPTIBLE_LABEL = "armada_preemptible"
MAX_WAIT_NS = 10 * 10**9  # well inside any executor's call timeout (Armada's: 30 s)
NS_PER_S = 1e9


def require_executor(ctx: Context, principal: Principal) -> None:
    """Both executor RPCs need `execute_jobs`."""
    ctx.config.permissions.require(principal, Permission.EXECUTE_JOBS)


async def record_executor(ctx: Context, call: LeaseCall) -> None:
    """Store the snapshot, seen now by the server's clock, in the default pool if unnamed."""
    pool = call.executor.pool or ctx.config.default_pool
    seen = dataclasses.replace(call.executor, pool=pool, last_seen_ns=ctx.clock.now_ns())
    await ctx.storage.upsert_executor(seen)


async def answer(ctx: Context, call: LeaseCall) -> LeaseAnswer:
    """What the executor must cancel and start, from the stored runs."""
    executor = call.executor
    reported = executor.reported_run_ids
    known = await ctx.storage.get_runs(reported)
    cancel = tuple(r for r in reported if r not in known or known[r].is_terminal)
    if call.max_jobs_to_lease <= 0:
        return LeaseAnswer(cancel, ())
    held = set(reported)
    runs = [r for r in await ctx.storage.active_runs(executor.id) if r.id not in held]
    runs = runs[: call.max_jobs_to_lease]
    records = await ctx.storage.get_jobs([r.job_id for r in runs])
    config = ctx.config.scheduler
    leases = tuple(leased_pod(records[r.job_id], r, config) for r in runs if r.job_id in records)
    return LeaseAnswer(cancel, leases)


async def answer_when_due(
    ctx: Context,
    call: LeaseCall,
    answer_now: Callable[[], Awaitable[LeaseAnswer]],
    left_queued: Callable[[], int | None],
) -> LeaseAnswer:
    """`answer_now()`, held while it is empty, the last scheduling pass left no job
    queued (capacity the executor frees would not show in this call's snapshot) and
    the call's wait lasts. The wait is the executor's own lease interval, so holding
    never delays anything more than the executor's next round would.

    Registered with the change feed before each answer, so a change committed while
    answering still wakes the wait; each wake-up answers again.
    """
    deadline = anyio.current_time() + min(call.wait_ns, MAX_WAIT_NS) / NS_PER_S
    while True:
        async with ctx.storage.changes.follow_all() as waiter:
            answer = await answer_now()
            left = deadline - anyio.current_time()
            if not answer.empty or left <= 0 or call.max_jobs_to_lease <= 0:
                return answer
            if left_queued():  # None (unknown: a pass is under way) holds too
                return answer
            with anyio.move_on_after(left):
                await waiter.wait()


def leased_pod(record: JobRecord, run: Run, config: SchedulerConfig) -> Lease:
    """The job's pod as the executor must create it for this run.

    With the mutations its retries were granted (memory, nodes to avoid), pinned to
    its node by `<nodeIdLabel>=<node>`, annotated with the run's pool,
    labelled preemptible or not by its priority class, whose name the configured
    override replaces. The pod spec itself is not copied here: the lease names its
    changes (`LeasePatch`) and the transport applies them where the pod lives (the
    stored protobuf message, over gRPC).
    """
    label = config.scheduling.node_id_label
    job = record.job
    rules = job.spec.rules()
    # What earlier retries changed (memory, nodes to avoid), as data like the rest.
    retry = None if record.retry.empty else retry_patch(rules, record.retry, label)
    node_selector = {label: run.node} if run.node else {}
    patch = LeasePatch(node_selector, config.priority_class_override, retry)
    class_name = str(rules.get("priorityClassName", ""))
    preemptible = config.priority_class(class_name).preemptible
    labels = {**job.labels, PREEMPTIBLE_LABEL: "true" if preemptible else "false"}
    annotations = {**job.annotations, POOL_ANNOTATION: run.pool}
    return Lease(run, record, job.spec, patch, labels, annotations)
