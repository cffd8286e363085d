"""SubmitJobs (spec §5.1, §5.5, decision 1).

Order: queue (NotFound) → permission (PermissionDenied) → validation
(InvalidArgument) → deduplication by `(queue, client_id)` → one write holding the
new jobs and, per job, `submitted` then `queued`. Storage inserts new jobs as
QUEUED, which is where the state machine puts a job after those two events. A job
that no known node could ever run (`submit_check`) gets `failed` (cause Rejected)
right after, and its change to REJECTED, in that same write: never half-written.

Deduplication looks the client ids up first (as Armada does), but the lookup only
saves work: the write itself refuses client ids another write recorded meanwhile
(`ClientIdsTaken`, nothing written), and the submit then answers those items with
the earlier ids and writes the rest. So concurrent submits of one client id, in one
process or several, make one job.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from itertools import chain

from armada_core._usecases.context import NS_PER_MS, Context
from armada_core._usecases.steps import Step, step
from armada_core._usecases.submit_check import SubmitCheck
from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.errors import ClientIdsTaken, Unavailable
from armada_core.events import Event, EventKind
from armada_core.jobs import Job, JobRecord, JobState
from armada_core.pacing import paced_map, paced_release
from armada_core.permissions import QueueVerb
from armada_core.ports import Append
from armada_core.principal import Principal
from armada_core.retry.categories import INTERNAL, JOB_REJECTED
from armada_core.state_machine import FailureCause
from armada_core.submission import build_job, check_submit_request, validate_item
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


def _events(job: Job, rejected: Mapping[str, Step]) -> tuple[Event, ...]:
    submitted = (
        Event(EventKind.SUBMITTED, job.id, job.created_ns, job=job),
        Event(EventKind.QUEUED, job.id, job.created_ns),
    )
    rejection = rejected.get(job.id)
    return submitted if rejection is None else (*submitted, *rejection.events)


def _rejection(job: Job, why: str, at_ns: int) -> Step:
    """A new job no known node could run: `failed` (cause Rejected) → REJECTED."""
    reason = f"no known node could ever run this job: {why}"
    fields = {
        "reason": reason,
        "cause": int(FailureCause.REJECTED),
        "failure_category": INTERNAL,
        "failure_subcategory": JOB_REJECTED,
    }
    # Inserted QUEUED by the very write that rejects it (storage inserts new jobs so).
    queued = JobRecord(job, JobState.QUEUED, job.created_ns, job.priority)
    return step(queued, [(EventKind.FAILED, fields)], at_ns, error=reason)


async def _validate(ctx: Context, command: SubmitJobs) -> list[PodKey | None]:
    """Each item's pod key once the whole request passed validation (paced)."""
    ctx.check_count("JobRequestItems", command.items)
    check_submit_request(command)
    config = ctx.config.submission
    return await paced_map(lambda item: validate_item(item, config), command.items)


async def _new_jobs(
    ctx: Context,
    principal: Principal,
    command: SubmitJobs,
    known: dict[str, str],
    at_ns: int,
    pod_keys: Sequence[PodKey | None],
) -> tuple[list[str], list[Job]]:
    """The id answered for each item, and the jobs to create for the new ones."""
    groups = tuple(principal.sorted_groups)  # sorted once per request, not per job
    config = ctx.config.submission

    def answer(pair: tuple[JobSubmitItem, PodKey | None]) -> str | Job:
        """The earlier job id of a known client id, else the new job."""
        item, pod_key = pair
        if item.client_id in known:
            return known[item.client_id]
        return build_job(
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

    answers = await paced_map(answer, zip(command.items, pod_keys, strict=True))
    jobs = [a for a in answers if isinstance(a, Job)]
    return [a.id if isinstance(a, Job) else a for a in answers], jobs


async def submit_jobs(
    ctx: Context, principal: Principal, command: SubmitJobs, check: SubmitCheck
) -> list[str]:
    """Job ids in item order; an item whose client id is known gets the earlier id."""
    await ctx.authorized_queue(principal, command.queue, QueueVerb.SUBMIT)
    pod_keys = await _validate(ctx, command)
    known = await _known_client_ids(ctx, command)
    at_ns = ctx.clock.now_ns()
    while True:  # ends: each lost race adds at least one client id to `known`
        job_ids, jobs = await _new_jobs(ctx, principal, command, known, at_ns, pod_keys)
        if not jobs:
            return job_ids
        refusals = await check.refusals(ctx, jobs)
        rejected = {j.id: _rejection(j, refusals[j.id], at_ns) for j in jobs if j.id in refusals}
        events = await paced_map(partial(_events, rejected=rejected), jobs)
        try:
            await ctx.storage.write(
                at_ms=at_ns // NS_PER_MS,
                jobs=jobs,
                changes=[s.change for s in rejected.values()],
                appends=[Append(command.queue, command.job_set_id, tuple(chain(*events)))],
                require_queue=command.queue,
            )
        except ClientIdsTaken as taken:
            _learn(known, taken, command.queue)
            continue
        # These lists hold the last references to the new jobs and their events.
        await paced_release(events)
        await paced_release(jobs)
        return job_ids


def _learn(known: dict[str, str], taken: ClientIdsTaken, queue: str) -> None:
    """Add the ids another write recorded first; a race that teaches nothing is a bug."""
    new = {c: job_id for (q, c), job_id in taken.job_ids.items() if q == queue and c not in known}
    if not new:
        raise taken
    known.update(new)
