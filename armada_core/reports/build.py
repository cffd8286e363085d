"""A pool's round as the reports keep it, from one pass's inputs and result.

Linear in the round's jobs, runs and nodes; runs in the scheduling thread beside the
pass itself. Reason texts are made once per distinct (reason, queue), so jobs that
wait for the same reason share one string.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from armada_core.reports.reasons import TRIED_NODES, reason_text
from armada_core.reports.rounds import PoolRound, QueueRound
from armada_core.scheduling import (
    Node,
    Pending,
    PendingKind,
    QueuedJob,
    RunningRun,
    SchedulingConfig,
    SchedulingResult,
    SchedulingRound,
)

_Amounts = dict[str, int]
_PerClass = dict[tuple[str, str], _Amounts]  # (queue, priority class) → amounts
NO_REMAINING = "no remaining candidate jobs"
_GLOBAL_RATE = "maximumSchedulingRate reached"


def pool_round(
    config: SchedulingConfig,
    round: SchedulingRound,
    result: SchedulingResult,
    finished_ns: int,
    uptime_ns: int,
) -> PoolRound:
    """What the reports keep of `round` (started at `round.now_ns`) and its result."""
    nodes = tuple(sorted((n for n in round.nodes if n.pool == round.pool), key=lambda n: n.id))
    in_pool = {node.id for node in nodes}
    runs = [run for run in round.runs if run.node_id in in_pool]
    jobs = {job.id: job for job in round.jobs}
    default = config.default_priority_class_name
    preempted = {p.run_id for p in result.preemptions}
    scheduled, allocated, taken = _scheduled(result, jobs, default)
    lost: _PerClass = defaultdict(dict)
    for run in runs:
        key = (run.queue, run.priority_class or default)
        _add(lost[key] if run.id in preempted else allocated[key], run.requests)
        if run.id not in preempted:
            _add(taken.setdefault(run.node_id, {}), run.requests)
    queues = _queue_rounds(round, result, jobs, runs, scheduled, lost, allocated)
    return PoolRound(
        pool=round.pool,
        started_ns=round.now_ns,
        finished_ns=finished_ns,
        uptime_ns=uptime_ns,
        termination=_termination(result.pending.values()),
        resource_order=config.dominant_resource_fairness_resources_to_consider,
        capacity=_capacity(n for n in nodes if not n.unschedulable),
        gangs_scheduled=_gangs(result, jobs),
        queues=queues,
        nodes=nodes,
        free={node.id: _free(node, taken.get(node.id, {})) for node in nodes},
        node_id_label=config.node_id_label,
        placed={p.job_id: p.node_id for p in result.placements},
        tried={
            job_id: jobs[job_id]
            for job_id, pending in result.pending.items()
            if pending.kind in TRIED_NODES and job_id in jobs
        },
    )


def _scheduled(
    result: SchedulingResult, jobs: Mapping[str, QueuedJob], default: str
) -> tuple[_PerClass, _PerClass, dict[str, _Amounts]]:
    """Placed requests per (queue, class), twice (placed; held after), and per node."""
    scheduled: _PerClass = defaultdict(dict)
    allocated: _PerClass = defaultdict(dict)
    taken: dict[str, _Amounts] = {}
    for placement in result.placements:
        job = jobs[placement.job_id]
        key = (placement.queue, job.priority_class or default)
        _add(scheduled[key], job.requests)
        _add(allocated[key], job.requests)
        _add(taken.setdefault(placement.node_id, {}), job.requests)
    return scheduled, allocated, taken


def _queue_rounds(
    round: SchedulingRound,
    result: SchedulingResult,
    jobs: Mapping[str, QueuedJob],
    runs: Iterable[RunningRun],
    scheduled: _PerClass,
    lost: _PerClass,
    allocated: _PerClass,
) -> dict[str, QueueRound]:
    names = {job.queue for job in round.jobs} | {run.queue for run in runs}
    placed: dict[str, list[str]] = defaultdict(list)
    for placement in result.placements:
        placed[placement.queue].append(placement.job_id)
    evicted: dict[str, list[str]] = defaultdict(list)
    for preemption in result.preemptions:
        evicted[preemption.queue].append(preemption.job_id)
    waiting = _waiting(result, jobs)
    return {
        name: QueueRound(
            name=name,
            scheduled=tuple(placed[name]),
            preempted=tuple(evicted[name]),
            scheduled_by_class=_of(scheduled, name),
            preempted_by_class=_of(lost, name),
            allocated_by_class=_of(allocated, name),
            unschedulable=waiting.get(name, {}),
        )
        for name in sorted(names)
    }


def _waiting(result: SchedulingResult, jobs: Mapping[str, QueuedJob]) -> dict[str, dict[str, str]]:
    """Per queue, each waiting job's reason text (made once per reason and queue)."""
    texts: dict[tuple[int, str], str] = {}
    kept: list[Pending] = []  # keeps each reason alive, so its id() stays its own
    by_queue: dict[str, dict[str, str]] = defaultdict(dict)
    for job_id, pending in result.pending.items():
        job = jobs.get(job_id)
        if job is None:
            continue
        key = (id(pending), job.queue)
        text = texts.get(key)
        if text is None:
            kept.append(pending)
            text = texts[key] = reason_text(pending, job.queue, result.queue_shares.get(job.queue))
        by_queue[job.queue][job_id] = text
    return by_queue


def _of(per_class: _PerClass, queue: str) -> dict[str, _Amounts]:
    return {pc: amounts for (q, pc), amounts in per_class.items() if q == queue}


def _add(into: _Amounts, amounts: Mapping[str, int]) -> None:
    for name, amount in amounts.items():
        into[name] = into.get(name, 0) + amount


def _capacity(nodes: Iterable[Node]) -> _Amounts:
    total: _Amounts = {}
    for node in nodes:
        _add(total, _free(node, {}))
    return total


def _free(node: Node, taken: Mapping[str, int]) -> _Amounts:
    """What is left of a node for Armada's jobs: total less other pods, less `taken`."""
    free = dict(node.total)
    for held in (*node.non_armada_allocated.values(), taken):
        for name, amount in held.items():
            free[name] = free.get(name, 0) - amount
    return free


def _gangs(result: SchedulingResult, jobs: Mapping[str, QueuedJob]) -> int:
    """Units placed: each lone job, and each gang once."""
    gangs = set()
    for placement in result.placements:
        gang = jobs[placement.job_id].gang
        gangs.add(placement.job_id if gang is None else "gang:" + gang.id)
    return len(gangs)


def _termination(pending: Collection[Pending]) -> str:
    kinds = {p.kind for p in pending}
    if PendingKind.ROUND_LIMIT in kinds:
        return "maximum resources scheduled"
    if any(p.kind is PendingKind.RATE_LIMITED and p.message == _GLOBAL_RATE for p in pending):
        return "global scheduling rate limit exceeded"
    return NO_REMAINING
