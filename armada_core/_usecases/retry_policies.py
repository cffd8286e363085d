"""Retry policy administration (spec §1.3): create, update, delete, read.

Every write checks the permission first, then validates, then stores, as Armada
does. Create is an upsert (like CreateQueue); delete detaches the policy from every
queue that names it and always succeeds (decisions in docs/retry.md).
"""

from __future__ import annotations

import logging

from armada_core._usecases.checks import require_global
from armada_core._usecases.context import Context
from armada_core.echo import shown
from armada_core.errors import NotFound
from armada_core.permissions import Permission
from armada_core.principal import Principal
from armada_core.retry.policy import RetryPolicy, check_policy_name, validate_policy
from armada_core.submission._go import go_quote

logger = logging.getLogger(__name__)


def _missing(name: str) -> NotFound:
    return NotFound(f"error: could not find retry policy {shown(go_quote(name))}")


def _require(
    ctx: Context, principal: Principal, permission: Permission, verb: str, name: str
) -> None:
    require_global(ctx, principal, permission, f"{verb} retry policy {shown(name)}")


def _checked(ctx: Context, policy: RetryPolicy) -> RetryPolicy:
    ctx.check_count("rules", policy.rules)
    return validate_policy(policy)


async def create(ctx: Context, principal: Principal, policy: RetryPolicy) -> None:
    """Store the policy, replacing one of the same name."""
    _require(ctx, principal, Permission.CREATE_RETRY_POLICY, "creating", policy.name)
    await ctx.storage.upsert_retry_policy(_checked(ctx, policy))


async def update(ctx: Context, principal: Principal, policy: RetryPolicy) -> None:
    """Replace an existing policy; NotFound if there is none of that name."""
    _require(ctx, principal, Permission.UPDATE_RETRY_POLICY, "updating", policy.name)
    if not await ctx.storage.update_retry_policy(_checked(ctx, policy)):
        raise _missing(policy.name)


async def delete(ctx: Context, principal: Principal, name: str) -> None:
    """Detach from every queue, then delete; a missing policy is fine."""
    _require(ctx, principal, Permission.DELETE_RETRY_POLICY, "deleting", name)
    check_policy_name(name)
    detached = await ctx.storage.delete_retry_policy(name)
    logger.info(
        "deleted retry policy %s and detached it from %d queue(s): %s",
        shown(name),
        len(detached),
        ", ".join(detached),
    )


async def get(ctx: Context, principal: Principal, name: str) -> RetryPolicy:
    """Any authenticated caller may read a policy."""
    check_policy_name(name)
    policy = await ctx.storage.get_retry_policy(name)
    if policy is None:
        raise _missing(name)
    return policy


async def list_all(ctx: Context, principal: Principal) -> list[RetryPolicy]:
    """Every policy, sorted by name."""
    return await ctx.storage.list_retry_policies()
