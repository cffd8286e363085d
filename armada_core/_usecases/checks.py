"""Request checks shared by the job actions, worded as Armada words them (spec §6)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from armada_core.echo import shown
from armada_core.errors import InvalidArgument, PermissionDenied
from armada_core.jobs import ACTIVE_STATES, TERMINAL_STATES, JobRecord, JobState
from armada_core.limits import check_job_set_id, check_queue_name
from armada_core.permissions import Permission
from armada_core.principal import Principal

if TYPE_CHECKING:
    from armada_core._usecases.context import Context

MAX_REASON_BYTES = 50


def _invalid(field: str, value: str, message: str) -> InvalidArgument:
    return InvalidArgument(f'value "{shown(value)}" is invalid for field "{field}": {message}')


def require_global(ctx: Context, principal: Principal, permission: Permission, what: str) -> None:
    """The global permission, refused with Armada's prefix: `error <what>: <why>`
    (`what` names the action and its bounded subject)."""
    try:
        ctx.config.permissions.require(principal, permission)
    except PermissionDenied as exc:
        raise PermissionDenied(f"error {what}: {exc.message}") from None


def check_reason(reason: str) -> None:
    """A cancel or preempt reason is at most 50 bytes of UTF-8."""
    if len(reason.encode()) > MAX_REASON_BYTES:
        raise _invalid("Reason", reason, f"reason must be at most {MAX_REASON_BYTES} bytes")


def check_job_set(queue: str, job_set_id: str) -> None:
    """Queue and job set must be named, within their limits."""
    if not queue:
        raise _invalid("Queue", queue, "queue cannot be empty")
    if not job_set_id:
        raise _invalid("JobSetId", job_set_id, "jobset cannot be empty")
    check_queue_name(queue)
    check_job_set_id(job_set_id)


def cancellable_states(states: Iterable[JobState]) -> frozenset[JobState]:
    """The states a job-set cancel acts on: exactly those given (decision 7).

    Empty means every active state; a terminal state is refused.
    """
    wanted = frozenset(states)
    terminal = sorted(s.name for s in wanted & TERMINAL_STATES)
    if terminal:
        raise InvalidArgument(
            f"job states {', '.join(terminal)} are terminal: only non-terminal jobs "
            "can be cancelled"
        )
    return wanted or ACTIVE_STATES


def active_filter(states: Iterable[JobState]) -> frozenset[JobState]:
    """CancelOnQueue's filter: every state must be an active one; empty means all."""
    wanted = frozenset(states)
    if not wanted <= ACTIVE_STATES:
        raise InvalidArgument("provided job states must be non-terminal")
    return wanted or ACTIVE_STATES


def unique(ids: Iterable[str]) -> list[str]:
    """Ids without repeats, first occurrence kept."""
    return list(dict.fromkeys(ids))


def in_job_set(record: JobRecord, queue: str, job_set_id: str) -> bool:
    """Whether the job belongs to this queue's job set and can still change."""
    job = record.job
    return job.queue == queue and job.job_set_id == job_set_id and record.state in ACTIVE_STATES
