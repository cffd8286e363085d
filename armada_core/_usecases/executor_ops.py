"""Executor and node controls (api.Executor, api.Node; spec retry-reports-ops §4).

Settings: an operator cordons an executor (no new leases to its nodes) with a reason,
recorded with who set it and when; uncordoning writes the settings uncordoned, and
deleting them has the same effect. Deleting an executor forgets its snapshot only.

Cancel and preempt on an executor or a node select the jobs holding an active run
there, by queue, priority class and (executor only) pool, and end them through the
same paths as a user's cancel or preempt: the run ends in the same write and the
executor gets `CancelRuns` on its next lease call. Unlike Armada, the change happens
at once (not at the next scheduling cycle) and empty filters select everything: an
empty `queues` is all queues, not none (armadactl sends every queue for "all").
Unknown executors, nodes, queues and pools select nothing, silently, as in Armada.
Permission is checked before the fields, with Armada's message prefixes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from armada_core._usecases.actions import cancel_records, preempt_records
from armada_core._usecases.checks import require_global
from armada_core._usecases.context import Context
from armada_core._usecases.runs import RUN_STATES
from armada_core.commands import OnExecutor, OnNode
from armada_core.echo import shown
from armada_core.errors import InvalidArgument
from armada_core.executors import ExecutorSettings
from armada_core.jobs import JobRecord
from armada_core.limits import CORDON_REASON_BYTES, check_length, check_name, check_names
from armada_core.permissions import Permission
from armada_core.principal import Principal
from armada_core.runs import Run
from armada_core.submission.podspec import priority_class_name

CANCEL_ON_EXECUTOR = "cancelled by CancelOnExecutor"
CANCEL_ON_NODE = "cancelled by CancelOnNode"


def _require(
    ctx: Context, principal: Principal, permission: Permission, prefix: str, name: str
) -> None:
    require_global(ctx, principal, permission, f"{prefix} {shown(name)}")


def _named(name: str, what: str) -> None:
    if not name:
        raise InvalidArgument(f"must provide non-empty executor name when {what}")
    check_name("name", name)


# --- settings ---------------------------------------------------------------------------


async def upsert_settings(
    ctx: Context, principal: Principal, name: str, cordoned: bool, reason: str
) -> None:
    """Cordon (a reason is required) or uncordon an executor, known yet or not."""
    _require(
        ctx, principal, Permission.UPDATE_EXECUTOR_SETTINGS, "updating executor settings", name
    )
    _named(name, "upserting executor settings")
    if cordoned and not reason:
        raise InvalidArgument("cordon reason must be specified if cordoning")
    check_length("cordonReason", reason, CORDON_REASON_BYTES)
    settings = ExecutorSettings(name, cordoned, reason, principal.name, ctx.clock.now_ns())
    await ctx.storage.upsert_executor_settings(settings)


async def delete_settings(ctx: Context, principal: Principal, name: str) -> None:
    """Drop an executor's settings (it is then uncordoned); missing is fine."""
    _require(
        ctx, principal, Permission.UPDATE_EXECUTOR_SETTINGS, "deleting executor settings", name
    )
    _named(name, "deleting executor settings")
    await ctx.storage.delete_executor_settings(name)


async def delete_executor(ctx: Context, principal: Principal, name: str) -> None:
    """Forget an executor until its next lease call; its runs and settings stay."""
    _require(ctx, principal, Permission.UPDATE_EXECUTOR_SETTINGS, "deleting executor", name)
    _named(name, "deleting executor")
    await ctx.storage.delete_executor(name)


# --- cancel and preempt -------------------------------------------------------------------


def _check_filters(ctx: Context, queues: Sequence[str], classes: Sequence[str]) -> None:
    for field, values in (("queues", queues), ("priorityClasses", classes)):
        ctx.check_count(field, values)
        check_names(field, values)


def _check_executor(ctx: Context, command: OnExecutor, verb: str) -> None:
    _named(command.name, f"determining what to {verb}")
    _check_filters(ctx, command.queues, command.priority_classes)
    ctx.check_count("pools", command.pools)
    check_names("pools", command.pools)


def _check_node(ctx: Context, command: OnNode, verb: str) -> None:
    _named(command.name, f"determining what to {verb}")
    if not command.executor:
        raise InvalidArgument(f"must provide non-empty executor id when determining what to {verb}")
    check_name("executor", command.executor)
    _check_filters(ctx, command.queues, command.priority_classes)


async def _selected(ctx: Context, where: _Where) -> list[JobRecord]:
    """The active jobs whose run is on the executor (and node), matching the filters."""
    runs = [
        r
        for r in await ctx.storage.active_runs(where.executor)
        if _run_matches(r, where.node, where.pools)
    ]
    records = await ctx.storage.get_jobs([r.job_id for r in runs])
    wanted_queues, wanted_classes = frozenset(where.queues), frozenset(where.classes)
    return [
        record
        for record in (records.get(r.job_id) for r in runs)
        if record is not None
        and record.state in RUN_STATES
        and (not wanted_queues or record.job.queue in wanted_queues)
        and (not wanted_classes or priority_class_name(record.job.pod_spec) in wanted_classes)
    ]


def _run_matches(run: Run, node: str | None, pools: Sequence[str]) -> bool:
    return (node is None or run.node == node) and (not pools or run.pool in pools)


async def cancel_on_executor(ctx: Context, principal: Principal, command: OnExecutor) -> None:
    """Cancel the matching jobs running on an executor."""
    _require(
        ctx, principal, Permission.CANCEL_ANY_JOBS, "cancelling jobs on executor", command.name
    )
    _check_executor(ctx, command, "cancel")
    where = _Where(command.name, None, command.queues, command.priority_classes, command.pools)
    await _end_selected(ctx, principal, where, _cancel(CANCEL_ON_EXECUTOR))


async def preempt_on_executor(ctx: Context, principal: Principal, command: OnExecutor) -> None:
    """Preempt the matching jobs running on an executor."""
    _require(
        ctx, principal, Permission.PREEMPT_ANY_JOBS, "preempting jobs on executor", command.name
    )
    _check_executor(ctx, command, "preempt")
    where = _Where(command.name, None, command.queues, command.priority_classes, command.pools)
    await _end_selected(ctx, principal, where, _preempt)


async def cancel_on_node(ctx: Context, principal: Principal, command: OnNode) -> None:
    """Cancel the matching jobs running on one node of an executor."""
    # "canceling", one l: Armada's words for this RPC.
    _require(ctx, principal, Permission.CANCEL_ANY_JOBS, "canceling jobs on executor", command.name)
    _check_node(ctx, command, "cancel")
    where = _Where(command.executor, command.name, command.queues, command.priority_classes)
    await _end_selected(ctx, principal, where, _cancel(CANCEL_ON_NODE))


async def preempt_on_node(ctx: Context, principal: Principal, command: OnNode) -> None:
    """Preempt the matching jobs running on one node of an executor."""
    _require(
        ctx, principal, Permission.PREEMPT_ANY_JOBS, "preempting jobs on executor", command.name
    )
    _check_node(ctx, command, "preempt")
    where = _Where(command.executor, command.name, command.queues, command.priority_classes)
    await _end_selected(ctx, principal, where, _preempt)


@dataclass(frozen=True, slots=True)
class _Where:
    """Which running jobs an operation ends: on the executor (and node), by the filters."""

    executor: str
    node: str | None
    queues: Sequence[str]
    classes: Sequence[str]
    pools: Sequence[str] = ()


_End = Callable[[Context, Principal, list[JobRecord]], Awaitable[None]]


def _cancel(reason: str) -> _End:
    async def end(ctx: Context, principal: Principal, records: list[JobRecord]) -> None:
        await cancel_records(ctx, principal, records, reason)

    return end


async def _preempt(ctx: Context, principal: Principal, records: list[JobRecord]) -> None:
    await preempt_records(ctx, principal, records, "")


async def _end_selected(ctx: Context, principal: Principal, where: _Where, end: _End) -> None:
    """Select the jobs and end them through the user paths (executors get CancelRuns),
    again from the selection if the write lost a race."""

    async def attempt() -> None:
        await end(ctx, principal, await _selected(ctx, where))

    await ctx.retrying(attempt)
