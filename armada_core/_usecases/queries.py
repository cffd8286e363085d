"""The api.Jobs queries and GetQueueInfo (spec §8, §4.6, decision 9).

They read the job records the write path keeps up to date, so unlike Armada's
Lookout database they never lag behind a submission.
"""

from __future__ import annotations

from collections.abc import Sequence

from armada_core._usecases.context import Context
from armada_core._usecases.runs import RUN_STATES
from armada_core.echo import shown
from armada_core.errors import InvalidArgument, NotFound
from armada_core.jobs import JobState
from armada_core.limits import (
    EXTERNAL_URI_BYTES,
    check_ids,
    check_job_set_id,
    check_length,
    check_queue_name,
)
from armada_core.permissions import QueueVerb
from armada_core.principal import Principal
from armada_core.queues import authorize_queue_action
from armada_core.results import JobDetails, QueueInfo
from armada_core.runs import Run


def _check_count(ctx: Context, ids: Sequence[str], field: str = "job_ids") -> None:
    limit = ctx.config.max_query_items
    if len(ids) > limit:
        raise InvalidArgument(f"request contains {len(ids)} ids; at most {limit} are allowed")
    check_ids(field, ids)


async def job_status(ctx: Context, job_ids: Sequence[str]) -> dict[str, JobState]:
    """Every requested id answered; unknown ids are UNKNOWN."""
    _check_count(ctx, job_ids)
    records = await ctx.storage.get_jobs(job_ids)
    return {j: records[j].state if j in records else JobState.UNKNOWN for j in job_ids}


async def job_status_by_external_uri(
    ctx: Context, queue: str, job_set_id: str, uri: str
) -> dict[str, JobState]:
    """The jobs of a job set carrying this external URI (possibly none)."""
    if not uri:
        raise InvalidArgument("external job uri cannot be empty")
    check_queue_name(queue)
    check_job_set_id(job_set_id)
    check_length("external_job_uri", uri, EXTERNAL_URI_BYTES)
    records = await ctx.storage.jobs_by_external_uri(queue, job_set_id, uri)
    return {r.job.id: r.state for r in records}


async def job_details(
    ctx: Context, job_ids: Sequence[str], *, expand_job_spec: bool, expand_job_run: bool
) -> dict[str, JobDetails]:
    """Known jobs' records; unknown ids are left out."""
    _check_count(ctx, job_ids)
    records = await ctx.storage.get_jobs(job_ids)
    runs = await ctx.storage.runs_of_jobs(list(records)) if records else {}
    return {
        j: JobDetails(records[j], expand_job_spec, expand_job_run, tuple(runs.get(j, ())))
        for j in job_ids
        if j in records
    }


async def job_errors(ctx: Context, job_ids: Sequence[str]) -> dict[str, str]:
    """Known jobs' error text ("" when they have none)."""
    _check_count(ctx, job_ids)
    records = await ctx.storage.get_jobs(job_ids)
    return {j: records[j].error for j in job_ids if j in records}


async def job_run_details(ctx: Context, run_ids: Sequence[str]) -> dict[str, Run]:
    """Known runs by id; unknown ids are left out."""
    _check_count(ctx, run_ids, "run_ids")
    return await ctx.storage.get_runs(run_ids)


async def active_queues(ctx: Context) -> dict[str, list[str]]:
    """Pool → queues (sorted) with leased, pending or running jobs, by their runs' pools."""
    runs = await ctx.storage.active_runs()
    records = await ctx.storage.get_jobs({r.job_id for r in runs})
    by_pool: dict[str, set[str]] = {}
    for run in runs:
        record = records.get(run.job_id)
        if record is not None and record.state in RUN_STATES:
            by_pool.setdefault(run.pool, set()).add(record.job.queue)
    return {pool: sorted(queues) for pool, queues in sorted(by_pool.items())}


async def queue_info(ctx: Context, principal: Principal, name: str) -> QueueInfo:
    """Job sets with queued or leased jobs, sorted by name (LEGACY order of checks)."""
    check_queue_name(name)
    queue = await ctx.storage.get_queue(name)
    if queue is None:
        raise NotFound(f"Queue {shown(name)} does not exist")
    authorize_queue_action(ctx.config.permissions, principal, queue, QueueVerb.WATCH)
    return QueueInfo(name, tuple(await ctx.storage.job_set_activity(name)))
