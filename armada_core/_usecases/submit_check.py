"""The submit check (issue 11, decision 5): a job no known node could ever run is rejected.

Known nodes are those of every executor the server holds a snapshot of, live or silent
(a rejection is for good, and a silent executor may come back; DeleteExecutor takes
one out). With no executor (or no node) at all nothing is rejected. A node counts whole: its total
(what non-Armada pods hold may be freed), schedulable or not, cordoned or not (those
are switches an operator flips back, not the node's shape). The rules are the
scheduler's own: `NodeDb` eligibility (node selector, affinity, taints) and
`explain_no_fit` for the reason, so no fit rule is written twice.

Cheap on the submit path: the nodes are read again at most every `REFRESH_NS`, or on
the next submit after a lease call of this process shows an executor whose nodes
changed shape; until then a verdict is memoised per scheduling key (requests, node
selector, tolerations, affinity), so a batch of alike jobs costs one check. A gang
member submitted with a refused one is refused too (the gang could never be whole).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from armada_core._usecases.context import Context
from armada_core._usecases.nodes import nodes_of
from armada_core.executors import Executor
from armada_core.jobs import Job, JobRecord, JobState
from armada_core.pacing import paced_map
from armada_core.scheduling.candidates import constraints_of
from armada_core.scheduling.explain import explain_no_fit
from armada_core.scheduling.from_jobs import queued_job
from armada_core.scheduling.nodes import NodeDb
from armada_core.scheduling.resources import ResourceSpace
from armada_core.submission.gangs import parse_gang

REFRESH_NS = 1_000_000_000  # how stale the known nodes may be (other processes' executors)
MEMO_SIZE = 4096  # distinct scheduling keys remembered; a full memo starts over
_LEVEL = 0  # one priority level: nothing is charged, free = total


@dataclass(frozen=True, slots=True)
class KnownNodes:
    """The known nodes, as the scheduler's node table over their resources, and the
    verdicts worked out against them (a verdict belongs to the nodes it was made on)."""

    db: NodeDb
    space: ResourceSpace
    verdicts: dict[Hashable, str | None] = field(default_factory=dict)


class SubmitCheck:
    """The known nodes and the memo of verdicts; one per service (process)."""

    def __init__(self) -> None:
        self._shapes: dict[str, Hashable] = {}
        self._known: KnownNodes | None = None
        self._loaded_ns: int | None = None

    def saw(self, executor: Executor) -> None:
        """A lease call's snapshot: read the nodes again if this executor's shape is new."""
        if self._shapes.get(executor.id) != _shape(executor):
            self._loaded_ns = None

    def forget(self) -> None:
        """An executor was deleted: read the nodes again on the next submit."""
        self._loaded_ns = None

    async def refusals(self, ctx: Context, jobs: Sequence[Job]) -> dict[str, str]:
        """Job id → why no known node could ever run it, for the jobs none could."""
        known = await self._current(ctx)
        if known is None:
            return {}
        verdicts = await paced_map(lambda job: self._verdict(known, job), jobs)
        refused = {job.id: why for job, why in zip(jobs, verdicts, strict=True) if why is not None}
        return _with_gang_mates(jobs, refused) if refused else refused

    def _verdict(self, known: KnownNodes, job: Job) -> str | None:
        key, memo = _scheduling_key(job), known.verdicts
        if key in memo:
            return memo[key]
        why = never_fits(known, job)
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = why
        return why

    async def _current(self, ctx: Context) -> KnownNodes | None:
        now = ctx.clock.now_ns()
        if self._loaded_ns is not None and now - self._loaded_ns < REFRESH_NS:
            return self._known
        executors = await ctx.storage.list_executors()
        shapes = {e.id: _shape(e) for e in executors}
        if shapes != self._shapes or self._loaded_ns is None:
            self._known = known_nodes(executors, ctx.config.scheduler.scheduling.node_id_label)
            self._shapes = shapes
        self._loaded_ns = now
        return self._known


def _with_gang_mates(jobs: Sequence[Job], refused: dict[str, str]) -> dict[str, str]:
    """A gang runs whole or not at all: its members submitted with a refused one go too."""
    gangs = {_gang_of(job): refused[job.id] for job in jobs if job.id in refused}
    for job in jobs:
        gang = _gang_of(job)
        if gang and job.id not in refused and gang in gangs:
            refused[job.id] = f"a member of its gang {gang[:100]} cannot run: {gangs[gang]}"
    return refused


def _gang_of(job: Job) -> str:
    """The job's gang id, "" if none (annotations were checked at submit)."""
    gang = parse_gang(job.annotations)
    return "" if gang is None else gang.id


def _shape(executor: Executor) -> Hashable:
    """What the check depends on: each node's pool, total, labels and taints."""
    return tuple(
        (
            n.name,
            n.pool or executor.pool,
            tuple(n.total.items()),
            tuple(n.labels.items()),
            repr(n.taints),
        )
        for n in executor.nodes
    )


def known_nodes(executors: Sequence[Executor], label: str) -> KnownNodes | None:
    """The nodes as the check sees them; None (check nothing) without any node."""
    nodes = [
        dataclasses.replace(node, non_armada_allocated={}, unschedulable=False)
        for node in nodes_of(executors, frozenset(), label)
    ]
    if not nodes:
        return None
    space = ResourceSpace((node.total for node in nodes), ())
    return KnownNodes(NodeDb(nodes, space, (_LEVEL,), label), space)


def _scheduling_key(job: Job) -> Hashable:
    """What the verdict depends on; texts as submitted (alike jobs repeat them)."""
    spec = job.pod_spec
    return (
        tuple(job.scheduling_resource_requirements.requests.items()),
        repr(spec.get("nodeSelector")),
        repr(spec.get("tolerations")),
        repr(spec.get("affinity")),
    )


def never_fits(known: KnownNodes, job: Job) -> str | None:
    """The reason no known node could ever take the job, None if one could."""
    queued = queued_job(JobRecord(job, JobState.QUEUED, job.created_ns, job.priority))
    constraints = constraints_of(queued)
    request = known.space.vector(queued.requests)
    eligible = known.db.eligible(constraints)
    # Nodes that report no resources at all: nothing is scheduled by amount.
    if any(eligible) if not request else known.db.best_fit(request, _LEVEL, eligible) >= 0:
        return None
    return explain_no_fit(known.db, known.space, constraints, request, _LEVEL).message
