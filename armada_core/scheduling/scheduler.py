"""`schedule`: one pass over one pool, a pure function of its inputs.

Steps: charge the running runs to their nodes; work out each active queue's fair
share; evict the preemptible runs of queues above their protected share; fill the
pool progressively (filling.py); preempt what was evicted and not taken back, what
higher-priority jobs displaced, and the gang mates of both. Inputs are sorted by id
first, so any order of the same inputs gives the same result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from operator import attrgetter

from armada_core.queues import Queue
from armada_core.scheduling.candidates import Unit
from armada_core.scheduling.config import SchedulingConfig
from armada_core.scheduling.fairness import CostModel, queue_weight
from armada_core.scheduling.filling import Budget, Filling
from armada_core.scheduling.limits import Cap, cap_of, queue_fractions, tokens_now
from armada_core.scheduling.model import (
    Node,
    RateState,
    Resources,
    RunningRun,
    SchedulingRound,
    TokenBucket,
)
from armada_core.scheduling.nodes import NodeDb
from armada_core.scheduling.preemption import (
    gang_mates,
    release,
    run_up_to,
    to_evict,
    urgency_victims,
)
from armada_core.scheduling.prepare import complete_units, evicted_entry, prepare_jobs
from armada_core.scheduling.resources import ResourceSpace, Vector
from armada_core.scheduling.result import (
    Pending,
    PendingKind,
    Preemption,
    PreemptionKind,
    SchedulingResult,
)
from armada_core.scheduling.shares import Shares


def schedule(config: SchedulingConfig, round: SchedulingRound) -> SchedulingResult:
    """Decide which queued jobs go where in `round.pool`, and which runs to preempt."""
    nodes = sorted((n for n in round.nodes if n.pool == round.pool), key=attrgetter("id"))
    if not nodes:
        return _without_nodes(round)
    in_pool = {node.id for node in nodes}
    runs = sorted((r for r in round.runs if r.node_id in in_pool), key=attrgetter("id"))
    space = ResourceSpace(
        _amounts(round, nodes, runs), config.dominant_resource_fairness_resources_to_consider
    )
    classes = {pc.priority for pc in config.priority_classes.values()}
    db = NodeDb(nodes, space, sorted(classes | {r.priority for r in runs}), config.node_id_label)
    for run in runs:
        db.charge(db.position[run.node_id], space.vector(run.requests), run_up_to(db, run))
    return _Pass(config, round, db, space, runs).result()


class _Pass:
    def __init__(
        self,
        config: SchedulingConfig,
        round: SchedulingRound,
        db: NodeDb,
        space: ResourceSpace,
        runs: list[RunningRun],
    ) -> None:
        self.config, self.round, self.db, self.space, self.runs = config, round, db, space, runs
        self.queues = {queue.name: queue for queue in round.queues}
        self.totals = db.total_capacity()
        self.costs = CostModel(self.totals, space.considered)
        self.prepared = prepare_jobs(config, round.jobs, self.queues, db, space)
        self.caps = self._queue_caps()
        self.shares = Shares(self.costs, space, self.caps)
        self.shares.count(runs, self.prepared.demand, self._weights())

    def result(self) -> SchedulingResult:
        evicted = self._evict()
        filling = Filling(
            self.db,
            self.space,
            self.costs,
            self.shares.weights,
            self.shares.allocation,
            self.shares.class_allocation,
            self.caps,
            self._budget(),
        )
        pending = self.prepared.pending
        units = {
            queue: complete_units(entries, pending, len(self.space.names))
            for queue, entries in sorted(self.prepared.entries.items())
        }
        self.db.expect(_smallest(units.values(), len(self.space.names)))
        filling.run(units)
        pending.update(filling.pending)
        preempted = self._preempt(evicted, filling)
        return SchedulingResult(
            placements=tuple(filling.placements),
            preemptions=tuple(preempted[run_id] for run_id in sorted(preempted)),
            pending=dict(sorted(pending.items())),
            rate_state=self._rate_state(filling.budget),
            queue_shares=self.shares.report(),
        )

    def _weights(self) -> dict[str, float]:
        active = set(self.prepared.entries) | {run.queue for run in self.runs}
        return {name: queue_weight(self._queue(name).priority_factor) for name in sorted(active)}

    def _queue(self, name: str) -> Queue:
        return self.queues.get(name) or Queue(name)

    def _queue_caps(self) -> dict[tuple[str, str], Cap]:
        pairs = set(self.prepared.demand) | {(r.queue, r.priority_class) for r in self.runs}
        caps = {}
        for queue, class_name in sorted(pairs):
            priority_class = self.config.priority_classes.get(class_name)
            if priority_class is not None:
                fractions = queue_fractions(
                    self._queue(queue), self.round.pool, class_name, priority_class
                )
                caps[queue, class_name] = cap_of(self.space, self.totals, fractions)
        return caps

    def _evict(self) -> list[RunningRun]:
        over = self.shares.above(self.config.protected_fraction_of_fair_share)
        evicted = to_evict(self.runs, over)
        for run in evicted:
            release(self.db, self.space, run)
            self.shares.drop(run)
            self.prepared.entries[run.queue].append(evicted_entry(run, self.db, self.space))
        return evicted

    def _budget(self) -> Budget:
        config, now, state = self.config, self.round.now_ns, self.round.rate_state
        overall = config.maximum_scheduling_rate
        per_queue = config.maximum_per_queue_scheduling_rate
        by_queue = {
            queue: None
            if per_queue is None
            else tokens_now(state.by_queue.get(queue), per_queue, now)
            for queue in self.prepared.entries
        }
        return Budget(
            None if overall is None else tokens_now(state.overall, overall, now),
            by_queue,
            None if overall is None else overall.burst,
            None if per_queue is None else per_queue.burst,
            cap_of(self.space, self.totals, config.maximum_resource_fraction_to_schedule),
            len(self.space.names),
        )

    def _preempt(self, evicted: list[RunningRun], filling: Filling) -> dict[str, Preemption]:
        preempted = {
            run.id: self._fair_share_preemption(run)
            for run in evicted
            if run.id not in filling.replaced
        }
        running = [run for run in self.runs if run.id not in preempted]
        for victim in urgency_victims(
            self.db, self.space, running, filling.placements, self.shares.ratio
        ):
            preempted[victim.run_id] = victim
        for mate in gang_mates(self.db, self.space, self.runs, preempted):
            preempted[mate.run_id] = mate
        dropped = {run.id for run in evicted}
        for run in self.runs:
            if run.id in preempted and (run.id not in dropped or run.id in filling.replaced):
                self.shares.drop(run)
        return preempted

    def _fair_share_preemption(self, run: RunningRun) -> Preemption:
        return Preemption(
            run.id,
            run.job_id,
            run.queue,
            run.node_id,
            PreemptionKind.FAIR_SHARE,
            f"queue {run.queue} holds more than its protected share of pool {self.round.pool}",
        )

    def _rate_state(self, budget: Budget) -> RateState:
        now, state = self.round.now_ns, self.round.rate_state
        by_queue = dict(state.by_queue)
        by_queue.update(
            (queue, TokenBucket(tokens, now))
            for queue, tokens in budget.by_queue.items()
            if tokens is not None
        )
        overall = state.overall if budget.overall is None else TokenBucket(budget.overall, now)
        return RateState(overall, by_queue)


def _amounts(
    round: SchedulingRound, nodes: list[Node], runs: list[RunningRun]
) -> Iterator[Resources]:
    held = (amount for node in nodes for amount in node.non_armada_allocated.values())
    return chain(
        (node.total for node in nodes),
        held,
        (job.requests for job in round.jobs),
        (run.requests for run in runs),
    )


def _smallest(units: Iterable[list[Unit]], size: int) -> Vector:
    """Per resource, the least any member of any unit asks for."""
    requests = {m.request for queue_units in units for unit in queue_units for m in unit.members}
    if not requests:
        return (0,) * size
    return tuple(min(amounts) for amounts in zip(*requests, strict=True))


def _without_nodes(round: SchedulingRound) -> SchedulingResult:
    waiting = Pending(PendingKind.NO_NODES, f"pool {round.pool[:100]} has no nodes")
    return SchedulingResult(
        placements=(),
        preemptions=(),
        pending={job.id: waiting for job in sorted(round.jobs, key=attrgetter("id"))},
        rate_state=round.rate_state,
        queue_shares={},
    )
