"""Would a retried job fit anywhere? (spec §1.8: the submit checker's probe.)

A retry that grows a job's memory, or steers it off every node it tried, may leave it
fitting no node at all; it would then wait in its queue for ever. Armada probes the
mutated job against every node of every executor, by total capacity (what runs there
now is ignored, cordoned nodes count), and fails the job instead, with decision
`retry_unschedulable`. The question is the submit check's (`submit_check.never_fits`,
the scheduler's own fit rules), asked of the mutated job.

Cost: jobs with the same requests and node constraints (a job set's copies) share one
answer through `cache`, so a report of many failures does not walk every node once per job.
"""

from __future__ import annotations

from armada_core._usecases.submit_check import KnownNodes, never_fits
from armada_core.jobs import JobRecord
from armada_core.retry.mutations import mutated_job
from armada_core.retry.record import RetryMutations
from armada_core.scheduling import queued_job
from armada_core.scheduling.candidates import constraints_of

BUMP_FITS_NOWHERE = "retry granted, but the job grown by the rule's memory bump fits no node"
NO_UNTRIED_NODE = "retry granted, but no untried node fits the job"

Cache = dict[tuple[object, ...], bool]


def unschedulable(
    record: JobRecord,
    after: RetryMutations,
    known: KnownNodes | None,
    label: str,
    cache: Cache,
) -> str | None:
    """Why the job with the mutations `after` fits no node (None: it fits one, or no
    node is known at all)."""
    if known is None or _fits_any(record, after, known, label, cache):
        return None
    grown = RetryMutations(after.memory)  # which one bites: the memory alone, or the nodes
    return NO_UNTRIED_NODE if _fits_any(record, grown, known, label, cache) else BUMP_FITS_NOWHERE


def _fits_any(
    record: JobRecord, mutations: RetryMutations, known: KnownNodes, label: str, cache: Cache
) -> bool:
    job = mutated_job(record.job, mutations, label)
    queued = queued_job(JobRecord(job, record.state, 0, record.priority))
    key = (constraints_of(queued), tuple(sorted(queued.requests.items())))
    if key not in cache:
        cache[key] = never_fits(known, job) is None
    return cache[key]
