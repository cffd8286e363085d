"""SubmitJobs (spec §5.1, §5.5, decision 1).

Order: queue (NotFound) → permission (PermissionDenied) → validation
(InvalidArgument) → deduplication by `(queue, client_id)` → one write holding the
new jobs and, per job, `submitted` then `queued`. Storage inserts new jobs as
QUEUED, which is where the state machine puts a job after those two events.

Deduplication looks the client ids up first (as Armada does), but the lookup only
saves work: the write itself refuses client ids another write recorded meanwhile
(`ClientIdsTaken`, nothing written), and the submit then answers those items with
the earlier ids and writes the rest. So concurrent submits of one client id, in one
process or several, make one job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from armada_core._usecases.context import NS_PER_MS, Context
from armada_core.commands import SubmitJobs
from armada_core.errors import ClientIdsTaken, Unavailable
from armada_core.events import Event, EventKind
from armada_core.jobs import Job
from armada_core.permissions import QueueVerb
from armada_core.ports import Append
from armada_core.principal import Principal
from armada_core.submission import build_job, validate_submit
from armada_core.submission.memo import PodKey

logger = logging.getLogger(__name__)

SUBMIT_KINDS = (EventKind.SUBMITTED, EventKind.QUEUED)


async def _known_client_ids(ctx: Context, command: SubmitJobs) -> dict[str, str]:
    """Job ids of earlier submissions under the request's client ids.

    As in Armada, a failed lookup is logged and the items are submitted anew.
    """
    client_ids = {item.client_id for item in command.items if item.client_id}
    if not client_ids:
        return {}
    try:
        return await ctx.storage.find_client_ids(command.queue, client_ids)
    except Unavailable as exc:
        logger.warning("client id lookup failed, not deduplicating: %s", exc.message)
        return {}


def _events(jobs: Sequence[Job], at_ns: int) -> tuple[Event, ...]:
    events: list[Event] = []
    for job in jobs:
        events.append(Event(EventKind.SUBMITTED, job.id, at_ns, job=job))
        events.append(Event(EventKind.QUEUED, job.id, at_ns))
    return tuple(events)


def _new_jobs(
    ctx: Context,
    principal: Principal,
    command: SubmitJobs,
    known: dict[str, str],
    at_ns: int,
    pod_keys: Sequence[PodKey | None],
) -> tuple[list[str], list[Job]]:
    """The id answered for each item, and the jobs to create for the new ones."""
    job_ids: list[str] = []
    jobs: list[Job] = []
    groups = tuple(principal.sorted_groups)  # sorted once per request, not per job
    config = ctx.config.submission
    for item, pod_key in zip(command.items, pod_keys, strict=True):
        if item.client_id in known:
            job_ids.append(known[item.client_id])
            continue
        job = build_job(
            item,
            job_id=ctx.ids.new_id(),
            queue=command.queue,
            job_set_id=command.job_set_id,
            owner=principal.name,
            groups=groups,
            created_ns=at_ns,
            config=config,
            pod_key=pod_key,
        )
        jobs.append(job)
        job_ids.append(job.id)
    return job_ids, jobs


async def submit_jobs(ctx: Context, principal: Principal, command: SubmitJobs) -> list[str]:
    """Job ids in item order; an item whose client id is known gets the earlier id."""
    await ctx.authorized_queue(principal, command.queue, QueueVerb.SUBMIT)
    pod_keys = validate_submit(command, ctx.config.submission)
    known = await _known_client_ids(ctx, command)
    at_ns = ctx.clock.now_ns()
    while True:  # ends: each lost race adds at least one client id to `known`
        job_ids, jobs = _new_jobs(ctx, principal, command, known, at_ns, pod_keys)
        if not jobs:
            return job_ids
        try:
            await ctx.storage.write(
                at_ms=at_ns // NS_PER_MS,
                jobs=jobs,
                appends=[Append(command.queue, command.job_set_id, _events(jobs, at_ns))],
                require_queue=command.queue,
            )
        except ClientIdsTaken as taken:
            _learn(known, taken, command.queue)
            continue
        return job_ids


def _learn(known: dict[str, str], taken: ClientIdsTaken, queue: str) -> None:
    """Add the ids another write recorded first; a race that teaches nothing is a bug."""
    new = {c: job_id for (q, c), job_id in taken.job_ids.items() if q == queue and c not in known}
    if not new:
        raise taken
    known.update(new)
