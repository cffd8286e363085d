"""Queue administration: create, update, delete, read, cordon (spec §4, decisions 2-3)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

from armada_core._usecases.context import Context, missing_queue
from armada_core.echo import shown
from armada_core.errors import ArmadaError, FailedPrecondition, InvalidArgument
from armada_core.limits import check_queue_name
from armada_core.permissions import Permission
from armada_core.ports import DeleteOutcome
from armada_core.principal import Principal
from armada_core.queues import Queue, QueueSpec, build_queue
from armada_core.results import QueueFailure
from armada_core.retry.policy import RetryPoliciesMissing


async def create_queue(ctx: Context, principal: Principal, spec: QueueSpec) -> None:
    """Upsert (decision 2); with no user owners the caller becomes the owner."""
    ctx.config.permissions.require(principal, Permission.CREATE_QUEUE)
    if not spec.user_owners:
        spec = dataclasses.replace(spec, user_owners=(principal.name,))
    queue = build_queue(spec, prefix="error validating queue:")
    with _policies_checked("error creating queue:"):
        await ctx.storage.upsert_queue(queue)


async def update_queue(ctx: Context, principal: Principal, spec: QueueSpec) -> None:
    """Replace an existing queue as written: no owner defaulting, NotFound if missing."""
    ctx.config.permissions.require(principal, Permission.CREATE_QUEUE)
    queue = build_queue(spec, prefix="error:")
    with _policies_checked("error updating queue:"):
        if not await ctx.storage.update_queue(queue):
            raise missing_queue(spec.name)


@contextmanager
def _policies_checked(prefix: str) -> Iterator[None]:
    """Storage's refusal of a queue naming missing retry policies, worded as Armada's."""
    try:
        yield
    except RetryPoliciesMissing as exc:
        raise InvalidArgument(f"{prefix} {exc.message}") from None


async def create_queues(
    ctx: Context, principal: Principal, specs: list[QueueSpec]
) -> list[QueueFailure]:
    """create_queue for each spec; failed items are returned, the call succeeds."""
    ctx.check_count("Queues", specs)
    failures = []
    for spec in specs:
        try:
            await create_queue(ctx, principal, spec)
        except ArmadaError as exc:
            failures.append(QueueFailure(spec, exc))
    return failures


async def update_queues(
    ctx: Context, principal: Principal, specs: list[QueueSpec]
) -> list[QueueFailure]:
    """update_queue for each spec; failed items are returned, the call succeeds."""
    ctx.check_count("Queues", specs)
    failures = []
    for spec in specs:
        try:
            await update_queue(ctx, principal, spec)
        except ArmadaError as exc:
            failures.append(QueueFailure(spec, exc))
    return failures


async def delete_queue(ctx: Context, principal: Principal, name: str) -> None:
    """Delete unless jobs are still active (decision 3); a missing queue is fine."""
    ctx.config.permissions.require(principal, Permission.DELETE_QUEUE)
    check_queue_name(name)
    if await ctx.storage.delete_queue(name) is DeleteOutcome.HAS_ACTIVE_JOBS:
        raise FailedPrecondition(f"queue {shown(name)} is not empty: it has active jobs")


async def get_queue(ctx: Context, principal: Principal, name: str) -> Queue:
    """Any authenticated caller may read a queue."""
    return await ctx.queue(name)


async def get_queues(ctx: Context, principal: Principal, limit: int) -> list[Queue]:
    """Queues sorted by name; `limit` 0 means all."""
    if limit < 0:
        raise InvalidArgument(f"limit must not be negative, got {limit}")
    return await ctx.storage.list_queues(limit)


async def set_cordoned(ctx: Context, principal: Principal, name: str, cordoned: bool) -> None:
    """Cordon or uncordon: stops scheduling only; submissions are still accepted."""
    ctx.config.permissions.require(principal, Permission.CORDON_QUEUE)
    if not name:
        raise InvalidArgument("queue name cannot be empty")
    queue = await ctx.queue(name)
    # A queue deleted between the read and the write is as missing as before.
    if not await ctx.storage.update_queue(dataclasses.replace(queue, cordoned=cordoned)):
        raise missing_queue(name)
