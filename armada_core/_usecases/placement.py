"""A minimal placement: queued jobs onto executors' nodes, honouring free resources.

The narrow interface the scheduling pass uses until the fair-share scheduler
(`armada_core/scheduling`) replaces it: `place(jobs, nodes)` → placements. Pure and
deterministic. A job fits a node when every resource it requests is free there, the
node is schedulable, and the job's node selector matches the node's labels; among
fitting nodes the fullest (least free CPU) is chosen, to pack jobs tightly. Resources
that no node reports (say `ephemeral-storage` from executors that do not track it)
are not tracked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from armada_core.executors import Executor, Resources
from armada_core.jobs import Job
from armada_core.quantity import Quantity
from armada_core.runs import Run


@dataclass(slots=True)
class NodeRoom:
    """What is still free on one node."""

    executor: str
    pool: str
    node: str
    labels: Mapping[str, str]
    free: dict[str, int]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A queued job as placement sees it."""

    job_id: str
    request: Resources
    node_selector: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Placement:
    """A job placed on an executor's node."""

    job_id: str
    executor: str
    pool: str
    node: str


def request_of(job: Job) -> dict[str, int]:
    """The job's scheduling requests in nano-units."""
    requests = job.scheduling_resource_requirements.requests
    return {name: Quantity.parse(text).nanos for name, text in requests.items()}


def candidate(job: Job) -> Candidate:
    """A job's request and node selector."""
    selector = job.pod_spec.get("nodeSelector") or {}
    return Candidate(job.id, request_of(job), dict(selector))


def rooms(
    executors: Iterable[Executor], runs: Iterable[Run], requests: Mapping[str, Resources]
) -> list[NodeRoom]:
    """Free resources per schedulable node: total - non-Armada use - active runs' requests."""
    out: dict[tuple[str, str], NodeRoom] = {}
    for executor in executors:
        for node in executor.nodes:
            if node.unschedulable:
                continue
            free = dict(node.total)
            for used in node.non_armada.values():
                _take(free, used)
            pool = node.pool or executor.pool
            out[executor.id, node.name] = NodeRoom(executor.id, pool, node.name, node.labels, free)
    for run in runs:
        room = out.get((run.executor, run.node))
        if room is not None:
            _take(room.free, requests.get(run.job_id, {}))
    return [out[key] for key in sorted(out)]


def place(jobs: Sequence[Candidate], nodes: Sequence[NodeRoom]) -> list[Placement]:
    """Each job, in order, on the fullest node it fits; jobs that fit nowhere wait."""
    placements = []
    tracked = {name for n in nodes for name in n.free}
    for job in jobs:
        request = {k: v for k, v in job.request.items() if k in tracked}
        fitting = [n for n in nodes if _fits(request, job.node_selector, n)]
        if not fitting:
            continue
        node = min(fitting, key=lambda n: (n.free.get("cpu", 0), n.executor, n.node))
        _take(node.free, request)
        placements.append(Placement(job.job_id, node.executor, node.pool, node.node))
    return placements


def _fits(request: Resources, selector: Mapping[str, str], node: NodeRoom) -> bool:
    if any(node.labels.get(k) != v for k, v in selector.items()):
        return False
    return all(node.free.get(name, 0) >= amount for name, amount in request.items())


def _take(free: dict[str, int], used: Resources) -> None:
    for name, amount in used.items():
        free[name] = free.get(name, 0) - amount
