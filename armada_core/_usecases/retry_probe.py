"""Would a retried job fit anywhere? (spec §1.8: the submit checker's probe.)

A retry that grows a job's memory, or steers it off every node it tried, may leave it
fitting no node at all; it would then wait in its queue for ever. Armada probes the
mutated job against every node of every executor, by total capacity (what runs there
now is ignored, cordoned nodes count), and fails the job instead, with decision
`retry_unschedulable`. Resources a node does not report are not checked (the
scheduler leaves them out too).

Cost: the first fitting node ends the search, and jobs with the same requests and
node constraints (a job set's copies) share one answer through `cache`, so a report
of many failures does not walk every node once per job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from armada_core.executors import Executor, NodeSnapshot
from armada_core.jobs import JobRecord
from armada_core.retry.mutations import mutated_job
from armada_core.retry.record import RetryMutations
from armada_core.scheduling import Taint, queued_job
from armada_core.scheduling.matching import Constraints, mismatch

BUMP_FITS_NOWHERE = "retry granted, but the job grown by the rule's memory bump fits no node"
NO_UNTRIED_NODE = "retry granted, but no untried node fits the job"


def all_nodes(executors: Iterable[Executor]) -> tuple[NodeSnapshot, ...]:
    return tuple(n for e in executors for n in e.nodes)


Cache = dict[tuple[object, ...], bool]


def unschedulable(
    record: JobRecord,
    after: RetryMutations,
    nodes: Sequence[NodeSnapshot],
    label: str,
    cache: Cache,
) -> str | None:
    """Why the job with the mutations `after` fits no node (None: it fits one, or no
    node is known at all)."""
    if not nodes or _fits_any(record, after, nodes, label, cache):
        return None
    grown = RetryMutations(after.memory)  # which one bites: the memory alone, or the nodes
    return NO_UNTRIED_NODE if _fits_any(record, grown, nodes, label, cache) else BUMP_FITS_NOWHERE


def _fits_any(
    record: JobRecord,
    mutations: RetryMutations,
    nodes: Sequence[NodeSnapshot],
    label: str,
    cache: Cache,
) -> bool:
    job = mutated_job(record.job, mutations, label)
    queued = queued_job(JobRecord(job, record.state, 0, record.priority))
    constraints = Constraints(
        queued.tolerations, tuple(sorted(queued.node_selector.items())), queued.node_affinity
    )
    key = (constraints, tuple(sorted(queued.requests.items())))
    if key not in cache:
        cache[key] = _search(queued.requests, constraints, nodes, label)
    return cache[key]


def _search(
    requests: Mapping[str, int],
    constraints: Constraints,
    nodes: Sequence[NodeSnapshot],
    label: str,
) -> bool:
    for node in nodes:
        labels = {label: node.name, **node.labels}
        taints = tuple(Taint.from_kube(t) for t in node.taints)
        if mismatch(constraints, node.name, labels, taints, False) is not None:
            continue
        if all(need <= node.total[r] for r, need in requests.items() if r in node.total):
            return True
    return False
