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
    scheduled, allocated, taken, units = _scheduled(result, jobs, default)
    lost: _PerClass = defaultdict(dict)
    for run in runs:
        key = (run.queue, run.priority_class or default)
        _add(lost[key] if run.id in preempted else allocated[key], run.requests)
        if run.id not in preempted:
            _add(taken.setdefault(run.node_id, {}), run.requests)
    waiting = _Waiting(result, jobs)
    queues = _queue_rounds(round, result, waiting.by_queue, runs, scheduled, lost, allocated)
    return PoolRound(
        pool=round.pool,
        started_ns=round.now_ns,
        finished_ns=finished_ns,
        uptime_ns=uptime_ns,
        termination=_termination(waiting.distinct),
        resource_order=config.dominant_resource_fairness_resources_to_consider,
        capacity=_capacity(n for n in nodes if not n.unschedulable),
        gangs_scheduled=units,
        queues=queues,
        nodes=nodes,
        free={node.id: _free(node, taken.get(node.id, {})) for node in nodes},
        node_id_label=config.node_id_label,
        placed={p.job_id: p for p in result.placements},
        tried=waiting.tried,
    )


def _scheduled(
    result: SchedulingResult, jobs: Mapping[str, QueuedJob], default: str
) -> tuple[_PerClass, _PerClass, dict[str, _Amounts], int]:
    """Placed requests per (queue, class), twice (placed; held after), per node, and
    the units placed (each lone job, each gang once). One tight loop: it sees every
    placement of the pass."""
    scheduled: _PerClass = defaultdict(dict)
    taken: dict[str, _Amounts] = defaultdict(dict)
    lone, gangs = 0, set()
    for placement in result.placements:
        job = jobs[placement.job_id]
        into = scheduled[placement.queue, job.priority_class or default]
        node = taken[placement.node_id]
        for name, amount in job.requests.items():
            into[name] = into.get(name, 0) + amount
            node[name] = node.get(name, 0) + amount
        if job.gang is None:
            lone += 1
        else:
            gangs.add(job.gang.id)
    allocated: _PerClass = defaultdict(dict, {k: dict(v) for k, v in scheduled.items()})
    return scheduled, allocated, taken, lone + len(gangs)


def _queue_rounds(
    round: SchedulingRound,
    result: SchedulingResult,
    waiting: Mapping[str, Mapping[str, str]],
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
    by_queue = [_by_queue(amounts) for amounts in (scheduled, lost, allocated)]
    return {
        name: QueueRound(
            name=name,
            scheduled=tuple(placed[name]),
            preempted=tuple(evicted[name]),
            scheduled_by_class=by_queue[0].get(name, {}),
            preempted_by_class=by_queue[1].get(name, {}),
            allocated_by_class=by_queue[2].get(name, {}),
            unschedulable=waiting.get(name, {}),
        )
        for name in sorted(names)
    }


class _Waiting:
    """One walk over the waiting jobs: per queue each one's reason text (made once per
    distinct reason and queue), the jobs that tried nodes, the distinct reasons."""

    def __init__(self, result: SchedulingResult, jobs: Mapping[str, QueuedJob]) -> None:
        self.by_queue: dict[str, dict[str, str]] = defaultdict(dict)
        self.tried: dict[str, QueuedJob] = {}
        self.distinct: list[Pending] = []  # also keeps each alive, so its id() stays its own
        self._ids: set[int] = set()
        seen: dict[tuple[int, str], tuple[str, bool]] = {}
        for job_id, pending in result.pending.items():
            job = jobs.get(job_id)
            if job is None:
                continue
            key = (id(pending), job.queue)
            known = seen.get(key)
            if known is None:
                known = seen[key] = self._first(pending, job.queue, result)
            self.by_queue[job.queue][job_id] = known[0]
            if known[1]:
                self.tried[job_id] = job

    def _first(self, pending: Pending, queue: str, result: SchedulingResult) -> tuple[str, bool]:
        """A reason met for the first time in this queue: its text, whether it tried nodes."""
        if id(pending) not in self._ids:
            self._ids.add(id(pending))
            self.distinct.append(pending)
        text = reason_text(pending, queue, result.queue_shares.get(queue))
        return text, pending.kind in TRIED_NODES


def _by_queue(per_class: _PerClass) -> dict[str, dict[str, _Amounts]]:
    """(queue, class) → amounts, as queue → class → amounts."""
    out: dict[str, dict[str, _Amounts]] = defaultdict(dict)
    for (queue, class_name), amounts in per_class.items():
        out[queue][class_name] = amounts
    return out


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


def _termination(pending: Collection[Pending]) -> str:
    """Why the round ended, from its distinct reasons."""
    kinds = {p.kind for p in pending}
    if PendingKind.ROUND_LIMIT in kinds:
        return "maximum resources scheduled"
    if any(p.kind is PendingKind.RATE_LIMITED and p.message == _GLOBAL_RATE for p in pending):
        return "global scheduling rate limit exceeded"
    return NO_REMAINING
