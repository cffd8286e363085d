"""Each active queue's allocation, demand and fair share in the pool during a pass.

A queue is active when it has queued jobs or running runs here. Its demand is what
it runs plus what it has queued, per priority class capped by the queue's limit for
that class. Allocations are the live vectors the filling loop adds to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from armada_core.scheduling.fairness import CostModel, demand_capped_shares, naive_shares
from armada_core.scheduling.limits import Cap
from armada_core.scheduling.model import RunningRun
from armada_core.scheduling.resources import ResourceSpace, add_into
from armada_core.scheduling.result import QueueShare


class Shares:
    def __init__(
        self, costs: CostModel, space: ResourceSpace, caps: Mapping[tuple[str, str], Cap]
    ) -> None:
        self.costs, self.space, self.caps = costs, space, caps
        self.weights: dict[str, float] = {}
        self.allocation: dict[str, list[int]] = {}
        self.class_allocation: dict[tuple[str, str], list[int]] = {}
        self.naive: dict[str, float] = {}
        self.adjusted: dict[str, float] = {}
        self.demand: dict[str, float] = {}
        self.initial: dict[str, float] = {}

    def count(
        self,
        runs: Sequence[RunningRun],
        queued: Mapping[tuple[str, str], Sequence[int]],
        weights: dict[str, float],
    ) -> None:
        """Take in the running runs, queued demand and weights of the active queues."""
        self.weights = weights
        self.allocation = {name: self.space.zero() for name in weights}
        for run in runs:
            self._add(run, 1)
        demand = {name: self.space.zero() for name in weights}
        for pair in sorted(set(self.class_allocation) | set(queued)):
            wanted = self.space.zero()
            add_into(wanted, self.class_allocation.get(pair, ()))
            add_into(wanted, queued.get(pair, ()))
            for i, most in self.caps.get(pair, ()):
                wanted[i] = min(wanted[i], most)
            add_into(demand[pair[0]], wanted)
        self.demand = {name: self.costs.cost(amount) for name, amount in demand.items()}
        self.naive = naive_shares(weights)
        self.adjusted = demand_capped_shares(weights, self.demand)
        self.initial = {name: self.costs.cost(self.allocation[name]) for name in weights}

    def above(self, protected_fraction: float) -> list[str]:
        """Queues holding more than `protected_fraction` of their fair share."""
        return [
            name
            for name in self.weights
            if self.initial[name] > protected_fraction * self._fair(name)
        ]

    def ratio(self, name: str) -> float:
        """How far above (> 1) or below its fair share a queue is now."""
        return self.costs.cost(self.allocation[name]) / self._fair(name)

    def drop(self, run: RunningRun) -> None:
        self._add(run, -1)

    def report(self) -> dict[str, QueueShare]:
        return {
            name: QueueShare(
                weight=self.weights[name],
                fair_share=self.naive[name],
                adjusted_fair_share=self.adjusted[name],
                demand_share=self.demand[name],
                allocated_share=self.costs.cost(self.allocation[name]),
            )
            for name in self.weights
        }

    def _fair(self, name: str) -> float:
        return max(self.adjusted[name], self.naive[name])

    def _add(self, run: RunningRun, sign: int) -> None:
        amount = self.space.vector(run.requests)
        add_into(self.allocation[run.queue], amount, sign)
        pair = (run.queue, run.priority_class)
        held = self.class_allocation.get(pair)
        if held is None:
            held = self.class_allocation[pair] = self.space.zero()
        add_into(held, amount, sign)
