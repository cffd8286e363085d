"""Progressive filling: the loop that hands out the pool, one unit at a time.

Each queue offers its next unit; the unit with the highest priority-class priority
goes first, then the one whose queue would have the smallest weighted cost after it
(cost(allocation + unit) / weight), then by queue name. A placed unit adds to its
queue's allocation; either way the queue moves on to its next unit. So higher
priorities are served first, and what is placed stays placed for the whole pass.

Evicted runs only ever go back to their own node and are exempt from the limits; a
pass that hits a global limit stops placing queued jobs but still offers them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from heapq import heappop, heappush

from armada_core.scheduling.candidates import Candidate, Unit
from armada_core.scheduling.explain import explain_no_fit
from armada_core.scheduling.fairness import CostModel
from armada_core.scheduling.limits import Cap, within
from armada_core.scheduling.nodes import NodeDb
from armada_core.scheduling.placement import place_pinned, place_unit
from armada_core.scheduling.resources import ResourceSpace, add_into
from armada_core.scheduling.result import Pending, PendingKind, Placement

SchedulingKey = tuple[object, ...]
HeapEntry = tuple[int, float, str]


class Budget:
    """What the pass may still hand out: tokens and the round's resource cap."""

    def __init__(
        self,
        overall: float | None,
        by_queue: dict[str, float | None],
        burst: float | None,
        queue_burst: float | None,
        round_cap: Cap,
        size: int,
    ) -> None:
        self.overall = overall
        self.by_queue = by_queue
        self.burst = burst
        self.queue_burst = queue_burst
        self.round_cap = round_cap
        self.scheduled = [0] * size


class Filling:
    """One pass of progressive filling over prepared units (see the module doc)."""

    def __init__(
        self,
        db: NodeDb,
        space: ResourceSpace,
        costs: CostModel,
        weights: Mapping[str, float],
        allocation: dict[str, list[int]],
        class_allocation: dict[tuple[str, str], list[int]],
        queue_caps: Mapping[tuple[str, str], Cap],
        budget: Budget,
    ) -> None:
        self.db, self.space, self.costs, self.weights = db, space, costs, weights
        self.allocation = allocation
        self.class_allocation = class_allocation
        self.queue_caps = queue_caps
        self.budget = budget
        self.placements: list[Placement] = []
        self.pending: dict[str, Pending] = {}
        self.replaced: set[str] = set()
        self._closed: Pending | None = None
        self._queue_closed: dict[str, Pending] = {}
        self._unfeasible: dict[SchedulingKey, Pending] = {}

    def run(self, units_by_queue: Mapping[str, list[Unit]]) -> None:
        cursors = dict.fromkeys(units_by_queue, 0)
        heap: list[HeapEntry] = []
        for queue, units in units_by_queue.items():
            if units:
                heappush(heap, self._entry(queue, units[0]))
        while heap:
            queue = heappop(heap)[2]
            units, position = units_by_queue[queue], cursors[queue]
            self._offer(queue, units[position])
            cursors[queue] = position = position + 1
            if position < len(units):
                heappush(heap, self._entry(queue, units[position]))

    def _entry(self, queue: str, unit: Unit) -> HeapEntry:
        cost = self.costs.cost_with(self.allocation[queue], unit.request)
        return (-unit.priority, cost / self.weights[queue], queue)

    def _offer(self, queue: str, unit: Unit) -> None:
        if unit.evicted:
            if place_pinned(self.db, unit):
                self.replaced.update(m.run.id for m in unit.members if m.run is not None)
                self._hold(queue, unit.members)
            return
        refusal = self._refusal(queue, unit)
        if refusal is not None:
            self._pend(unit, refusal)
            return
        self._place(queue, unit)

    def _place(self, queue: str, unit: Unit) -> None:
        single = len(unit.members) == 1 and not unit.uniformity
        key = _key(unit.members[0]) if single else None
        known = self._unfeasible.get(key) if key is not None else None
        if known is not None:
            self._pend(unit, known)
            return
        nodes = place_unit(self.db, unit)
        if isinstance(nodes, Candidate):
            failure = explain_no_fit(
                self.db, self.space, nodes.constraints, nodes.request, nodes.level
            )
            if key is not None:
                self._unfeasible[key] = failure
            self._pend(unit, failure if single else _gang_failure(unit, nodes, failure))
            return
        self._record(queue, unit, nodes)

    def _record(self, queue: str, unit: Unit, nodes: list[int]) -> None:
        for member, node_index in zip(unit.members, nodes, strict=True):
            node = self.db.nodes[node_index]
            self.placements.append(
                Placement(member.job_id, queue, node.id, node.executor, member.priority)
            )
        self._hold(queue, unit.members)
        budget, size = self.budget, len(unit.members)
        add_into(budget.scheduled, unit.request)
        if budget.overall is not None:
            budget.overall -= size
        tokens = budget.by_queue.get(queue)
        if tokens is not None:
            budget.by_queue[queue] = tokens - size

    def _hold(self, queue: str, members: list[Candidate]) -> None:
        for member in members:
            add_into(self.allocation[queue], member.request)
            add_into(self._class_held(queue, member.priority_class), member.request)

    def _class_held(self, queue: str, priority_class: str) -> list[int]:
        held = self.class_allocation.get((queue, priority_class))
        if held is None:
            held = self.class_allocation[queue, priority_class] = self.space.zero()
        return held

    def _refusal(self, queue: str, unit: Unit) -> Pending | None:
        refusal = self._closed or self._queue_closed.get(queue) or self._rate(queue, unit)
        if refusal is not None:
            return refusal
        if not within(self.budget.round_cap, self.budget.scheduled, unit.request):
            self._closed = Pending(
                PendingKind.ROUND_LIMIT,
                "this pass handed out its most (maximumResourceFractionToSchedule)",
            )
            return self._closed
        return self._queue_limit(queue, unit)

    def _rate(self, queue: str, unit: Unit) -> Pending | None:
        budget, size = self.budget, len(unit.members)
        for burst in (budget.burst, budget.queue_burst):
            if burst is not None and size > burst:
                return Pending(PendingKind.RATE_LIMITED, f"gang of {size} exceeds the burst")
        if budget.overall is not None and budget.overall < size:
            self._closed = Pending(PendingKind.RATE_LIMITED, "maximumSchedulingRate reached")
            return self._closed
        tokens = budget.by_queue.get(queue)
        if tokens is not None and tokens < size:
            self._queue_closed[queue] = Pending(
                PendingKind.RATE_LIMITED, "maximumPerQueueSchedulingRate reached"
            )
            return self._queue_closed[queue]
        return None

    def _queue_limit(self, queue: str, unit: Unit) -> Pending | None:
        wanted = _by_class(unit.members, self.space)
        for name, request in wanted.items():
            cap = self.queue_caps.get((queue, name))
            if cap and not within(cap, self._class_held(queue, name), request):
                return Pending(
                    PendingKind.QUEUE_LIMIT,
                    f"queue {queue} would exceed its resource limit for priority class {name}",
                )
        return None

    def _pend(self, unit: Unit, pending: Pending) -> None:
        for member in unit.members:
            self.pending[member.job_id] = pending


def _by_class(members: list[Candidate], space: ResourceSpace) -> dict[str, Sequence[int]]:
    """What the members ask for, summed per priority class."""
    if len(members) == 1:
        return {members[0].priority_class: members[0].request}
    sums: dict[str, list[int]] = {}
    for member in members:
        add_into(sums.setdefault(member.priority_class, space.zero()), member.request)
    return dict(sums)


def _key(member: Candidate) -> SchedulingKey:
    return (member.request, member.level, member.constraints)


def _gang_failure(unit: Unit, member: Candidate, failure: Pending) -> Pending:
    where = f" within one value of {unit.uniformity}" if unit.uniformity else ""
    return Pending(
        PendingKind.GANG_DOES_NOT_FIT,
        f"gang {unit.gang_id} of {unit.cardinality} does not fit{where}; "
        f"job {member.job_id}: {failure.message}",
    )
