"""ReportEvents (executor spec §5, decision E2): run events → run records and job events.

The job-level outcome is decided here, in the same unit of work as the run's new
record, so watchers see `succeeded` or `failed` at once. Executors resend, reorder
and skip phases; every event is therefore checked against the run as stored:

- an event for an unknown run, a run of another job, a run that is not its job's
  latest, or a run that has ended changes nothing (stale);
- a phase the run has already passed changes nothing (duplicate or late);
- a phase may be skipped (running without assigned, failed without running).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from armada_core._usecases.context import Context
from armada_core._usecases.retries import (
    RetryView,
    category_fields,
    job_error,
    retry_reason,
    retry_view,
)
from armada_core._usecases.steps import Emit, Step, step, write_steps
from armada_core.events import EventKind
from armada_core.execution import ErrorReason, RunError, RunEvent, RunEventKind
from armada_core.jobs import JobRecord
from armada_core.limits import RUN_ERROR_CHARS, clipped
from armada_core.retry.categories import INTERNAL, MAX_RUNS_EXCEEDED
from armada_core.retry.engine import FailureKind, RunFailure, terminal_message
from armada_core.retry.record import RetryMutations
from armada_core.runs import Run, RunState
from armada_core.state_machine import IllegalTransition

MAX_CONTAINERS = 64  # container errors kept per run error
OFF_LOOP_RUNS = 100  # runs in a report judged by policy beyond which a thread folds them
_MAX_RUNS = category_fields(INTERNAL, MAX_RUNS_EXCEEDED)  # returned leases ran out (§2.2)


async def report(ctx: Context, events: Sequence[RunEvent]) -> None:
    """Apply every event, grouped by run, in one unit of work per report."""
    by_run: dict[str, list[RunEvent]] = {}
    for event in events:
        by_run.setdefault(event.run_id, []).append(event)
    if by_run:
        await ctx.retrying(lambda: _attempt(ctx, by_run))


async def _attempt(ctx: Context, by_run: Mapping[str, list[RunEvent]]) -> None:
    runs = await ctx.storage.get_runs(list(by_run))
    job_ids = {run.job_id for run in runs.values()}
    records = await ctx.storage.get_jobs(job_ids)
    history = await ctx.storage.runs_of_jobs(job_ids)
    now = ctx.clock.now_ns()
    view = await _view(ctx, records, history, by_run.values())
    report = _Report(ctx, view, now)

    def fold_all() -> list[Step]:
        steps = []
        for run_id, run_events in by_run.items():
            run = runs.get(run_id)
            if run is None or run.job_id not in records:
                continue
            folded = _fold(report, records[run.job_id], run, history[run.job_id], run_events)
            if folded is not None:
                steps.append(folded)
        return steps

    # Judging many failures by policy (mutations, the probe) is pure CPU work: a big
    # report does it off the event loop, as the scheduler's pass does.
    if view.policies and len(by_run) > OFF_LOOP_RUNS:
        steps = await anyio.to_thread.run_sync(fold_all)
    else:
        steps = fold_all()
    await write_steps(ctx, steps, now)


async def _view(
    ctx: Context,
    records: Mapping[str, JobRecord],
    history: Mapping[str, list[Run]],
    reports: Iterable[list[RunEvent]],
) -> RetryView:
    """The retry view, read only when the report ends some run in failure."""
    ending = any(
        e.kind is RunEventKind.ERRORS and any(x.terminal for x in e.errors)
        for events in reports
        for e in events
    )
    return await retry_view(ctx, list(records.values()), history) if ending else RetryView()


@dataclass(frozen=True, slots=True)
class _Report:
    """What folding one report's events needs besides the run."""

    ctx: Context
    view: RetryView
    now: int


@dataclass(frozen=True, slots=True)
class _Applied:
    """One event's effect: the run after it, the job's events, its error and retry record."""

    run: Run
    emits: tuple[Emit, ...] = ()
    error: str | None = None
    retry: RetryMutations | None = None


def _fold(
    report: _Report, record: JobRecord, run: Run, history: list[Run], events: list[RunEvent]
) -> Step | None:
    """The step one run's events make, or None when they change nothing."""
    if history[-1].id != run.id or record.is_terminal:
        return None
    emits: list[Emit] = []
    error: str | None = None
    retry: RetryMutations | None = None
    current = run
    for event in events:
        if event.job_id != run.job_id:
            continue
        applied = _apply(report, record, current, event, len(history))
        current = applied.run
        emits += applied.emits
        error = applied.error if applied.error is not None else error
        retry = applied.retry if applied.retry is not None else retry
    if current == run:
        return None
    try:
        return step(record, emits, report.now, error=error, runs=[current], retry=retry)
    except IllegalTransition:
        return None  # the job moved on in a way the run did not: leave both


def _apply(
    report: _Report, record: JobRecord, run: Run, event: RunEvent, attempts: int
) -> _Applied:
    """The run after one event, the job events it makes, and the job's new error."""
    if run.is_terminal:
        return _Applied(run)
    now = report.now
    pod = _pod_fields(run, event)
    if event.kind is RunEventKind.ASSIGNED and run.state is RunState.LEASED:
        return _Applied(_moved(run, RunState.PENDING, pending_ns=now), ((EventKind.PENDING, pod),))
    if event.kind is RunEventKind.RUNNING and run.state is not RunState.RUNNING:
        running = {**pod, "node_name": event.pod.node_name}
        moved = _moved(run, RunState.RUNNING, running_ns=now)
        return _Applied(moved, ((EventKind.RUNNING, running),))
    if event.kind is RunEventKind.SUCCEEDED:
        fields = _pod_fields(run, event, with_pool=False)
        fields["node_name"] = event.pod.node_name
        ended = _moved(run, RunState.SUCCEEDED, finished_ns=now)
        return _Applied(ended, ((EventKind.SUCCEEDED, fields),))
    terminal = next((e for e in event.errors if e.terminal), None)
    if event.kind is RunEventKind.ERRORS and terminal is not None:
        return _failed(report, record, run, event, terminal, attempts)
    return _Applied(run)


def _failed(
    report: _Report,
    record: JobRecord,
    run: Run,
    event: RunEvent,
    error: RunError,
    attempts: int,
) -> _Applied:
    error = _bounded(error)
    if error.reason is ErrorReason.LEASE_RETURNED:
        ended, emits, reason = _returned(report.ctx, run, event, error, attempts, report.now)
        return _Applied(ended, tuple(emits), reason)
    ended = _moved(run, RunState.FAILED, finished_ns=report.now, error=error.message)
    fields = _failed_fields(run, event, error)
    node = run.node or event.pod.node_name  # the name the scheduler's node label carries
    failure = RunFailure(
        FailureKind.POD_FAILED, error.category, error.subcategory, node, True, final_error(error)
    )
    verdict = report.view.judge(record, failure, run.id)
    after = record.retry
    if verdict is not None and verdict.retry:
        verdict, after = report.view.granted(record, verdict)  # may fit no node: Fail
    if verdict is not None and verdict.retry:
        fields = {**fields, "reason": retry_reason(error.message, verdict), "retryable": True}
        return _Applied(ended, ((EventKind.FAILED, fields),), retry=after)
    if verdict is not None:
        fields = {**fields, "reason": terminal_message(verdict, failure)}
    text = job_error(fields["reason"], error.category, error.subcategory)
    return _Applied(ended, ((EventKind.FAILED, fields),), text)


def final_error(error: RunError) -> str:
    """Armada's `Final run error` lines: the pod's message, then each failed container."""
    lines = [error.message] if error.message else []
    lines += [
        f"{c.name or 'container'} exited with code {c.exit_code}: {c.message}"
        for c in error.containers
    ]
    return "\n".join(lines)


def _bounded(error: RunError) -> RunError:
    """The error with its texts cut to `RUN_ERROR_CHARS` (an executor may send megabytes)."""
    containers = tuple(
        dataclasses.replace(
            c,
            message=clipped(c.message, RUN_ERROR_CHARS),
            reason=clipped(c.reason, RUN_ERROR_CHARS),
        )
        for c in error.containers[:MAX_CONTAINERS]
    )
    return dataclasses.replace(
        error, message=clipped(error.message, RUN_ERROR_CHARS), containers=containers
    )


def _returned(
    ctx: Context, run: Run, event: RunEvent, error: RunError, attempts: int, now: int
) -> tuple[Run, list[Emit], str | None]:
    ended = _moved(
        run,
        RunState.LEASE_RETURNED,
        finished_ns=now,
        error=error.message,
        run_attempted=error.run_attempted,
    )
    returned = {
        "cluster_id": run.executor,
        "reason": error.message,
        "kubernetes_id": event.pod.kubernetes_id,
        "pod_number": event.pod.pod_number,
        "run_attempted": error.run_attempted,
    }
    emits: list[Emit] = [(EventKind.LEASE_RETURNED, returned)]
    limit = ctx.config.scheduler.max_retries + 1
    if attempts < limit:
        return ended, emits, None
    reason = f"job was attempted {attempts} times, the maximum is {limit}: {error.message}"
    failed = {"cluster_id": run.executor, "reason": reason, **_MAX_RUNS}
    emits.append((EventKind.FAILED, failed))
    return ended, emits, job_error(reason, INTERNAL, MAX_RUNS_EXCEEDED)


def _failed_fields(run: Run, event: RunEvent, error: RunError) -> dict[str, Any]:
    pod = _pod_fields(run, event, with_pool=False)
    statuses = [
        {
            "name": c.name,
            "exitCode": c.exit_code,
            "message": c.message,
            "reason": c.reason,
            "cause": int(c.cause),
        }
        for c in error.containers
    ]
    return {
        **pod,
        "reason": error.message,
        "exit_codes": {c.name: c.exit_code for c in error.containers},
        "node_name": event.pod.node_name or run.node,
        "container_statuses": statuses,
        "cause": int(error.cause),
        **category_fields(error.category, error.subcategory),
    }


def _pod_fields(run: Run, event: RunEvent, with_pool: bool = True) -> dict[str, Any]:
    """Where the run's pod is, as the public events name it (some have no `pool`)."""
    pod = event.pod
    fields = {
        "cluster_id": run.executor,
        "kubernetes_id": pod.kubernetes_id,
        "pod_number": pod.pod_number,
        "pod_name": pod.name,
        "pod_namespace": pod.namespace,
    }
    if with_pool:
        fields["pool"] = run.pool
    return fields


def _moved(run: Run, state: RunState, **changes: Any) -> Run:
    return dataclasses.replace(run, state=state, **changes)
