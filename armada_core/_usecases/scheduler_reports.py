"""SchedulerReporting: the scheduling, queue and job reports, and a job's short reason.

Reports come from this process's `ReportStore`, filled by its scheduling passes.
A process that is not the scheduling leader (PostgreSQL, several servers) has none
and cannot reach the leader's memory: it answers Armada's "no leader found" text as
Unavailable (a retry may land on the leader), never an empty report that would read
as "nothing to say". No permission is checked (as Armada): authentication suffices. A report of a
large pool walks every job of the round it shows, so it is written in a worker
thread, from the rounds taken on the event loop (kept rounds are never changed).
"""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread

from armada_core.echo import shown
from armada_core.errors import InvalidArgument, Unavailable
from armada_core.limits import ID_BYTES, check_queue_name, utf8_length
from armada_core.reports import PoolRound, ReportStore, render
from armada_core.reports.exclusions import excluded_nodes

NO_LEADER = "no leader found to retrieve scheduling reports from"
_ULID_BYTES = 26
_REASON_CHARS = 1000  # the one-line reason of GetJobDetails-like views


async def scheduling_report(
    store: ReportStore, verbosity: int, queue: str | None = None, job_id: str | None = None
) -> str:
    """Every pool's latest round; the deprecated filters give the queue or job report."""
    if queue is not None:
        return await queue_report(store, queue, verbosity)
    if job_id is not None:  # not checked as GetJobReport checks it (as Armada)
        trimmed = job_id.strip()[:ID_BYTES]
        return await _written(render.job_report, _rounds(store), trimmed, _exclusions)
    return await _written(render.scheduling_report, _rounds(store), verbosity)


async def queue_report(store: ReportStore, queue: str, verbosity: int) -> str:
    name = queue.strip()
    check_queue_name(name)
    return await _written(render.queue_report, _rounds(store), name, verbosity)


async def job_report(store: ReportStore, job_id: str) -> str:
    trimmed = job_id.strip()
    if utf8_length(trimmed) != _ULID_BYTES or trimmed[0] > "7":  # Armada's whole check
        raise InvalidArgument(f"{shown(job_id)} is not a valid jobId")
    return await _written(render.job_report, _rounds(store), trimmed, _exclusions)


async def _written(write: Callable[..., str], *args: object) -> str:
    return await anyio.to_thread.run_sync(write, *args)


def pending_reason(store: ReportStore, job_id: str) -> str:
    """Why the latest rounds left the job waiting, in one line ("" if none did)."""
    if not store.leading:
        return ""
    found = [(r.pool, r.reason(job_id)) for r in store.rounds()]
    reasons = [(pool, reason) for pool, reason in found if reason is not None]
    if len(reasons) == 1:
        return reasons[0][1][:_REASON_CHARS]
    return "; ".join(f"pool {pool}: {reason}" for pool, reason in reasons)[:_REASON_CHARS]


def _rounds(store: ReportStore) -> list[PoolRound]:
    if store.leading is False:
        raise Unavailable(
            f"{NO_LEADER}: this server is not the scheduling leader, and reports live only "
            "in the leader's memory"
        )
    return store.rounds()


def _exclusions(round: PoolRound, job_id: str) -> list[tuple[int, str]] | None:
    job = round.tried.get(job_id)
    return None if job is None else excluded_nodes(round, job)
